"""Operations tests run real calls with the same simulators as tests/calls."""

from tests.calls.conftest import drained, fake_ai, make_caller, realtime_script  # noqa: F401
