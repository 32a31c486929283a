"""systemd waits for the longest graceful drain before it kills a daphne process."""

from arsproject.env import EnvReader
from calls.operations.shutdown import EXIT_MARGIN_SECONDS, worst_case_drain_seconds
from tests.operations.test_deploy_files import seconds, unit


def test_timeout_stop_sec_covers_the_worst_case_drain_and_the_exit():
    default_grace = EnvReader({}).int("SHUTDOWN_GRACE_SECONDS", 30)
    worst = worst_case_drain_seconds(default_grace)
    assert worst == 30 + 5 + 2 + 10
    timeout = seconds(unit("ars-daphne@.service")["Service"]["TimeoutStopSec"])
    assert timeout >= worst + EXIT_MARGIN_SECONDS
