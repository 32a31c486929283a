"""Fixtures shared with the monitoring tests: calls in the log and supervisors."""

from tests.monitoring.conftest import controller, make_call, plain_user  # noqa: F401
