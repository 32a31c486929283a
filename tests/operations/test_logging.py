"""Logs: stdout by default, a file when LOG_FILE is set, and the CallSid on every line of a call."""

import logging
import logging.config

import pytest
from django.conf import settings

from calls.operations.log_context import CallSidFilter
from tests.foundation.test_configuration import start_settings

CALL_SID = "CA" + "7" * 32
LOG_A_CALL_LINE = (
    "(__import__('calls.operations.log_context').operations.log_context.current_call_sid.set('{sid}'),"
    " __import__('logging').getLogger('calls.live.bridge').warning('OpenAI error %s', 'boom'))"
)


def test_logs_go_to_stdout_by_default_with_the_call_sid():
    result = start_settings({"LOG_FILE": ""}, expr=LOG_A_CALL_LINE.format(sid=CALL_SID))
    assert result.returncode == 0, result.stderr
    assert f"WARNING [{CALL_SID}] calls.live.bridge: OpenAI error boom" in result.stdout
    assert "OpenAI error" not in result.stderr


def test_a_line_outside_any_call_is_marked_with_a_dash():
    expr = "__import__('logging').getLogger('calls.live.webhooks').warning('no call here')"
    result = start_settings({}, expr=expr)
    assert "WARNING [-] calls.live.webhooks: no call here" in result.stdout


def test_logs_go_to_the_file_named_by_log_file(tmp_path):
    log_file = tmp_path / "ars.log"
    result = start_settings({"LOG_FILE": str(log_file)}, expr=LOG_A_CALL_LINE.format(sid=CALL_SID))
    assert result.returncode == 0, result.stderr
    assert f"[{CALL_SID}] calls.live.bridge: OpenAI error boom" in log_file.read_text()
    assert "OpenAI error" not in result.stdout + result.stderr


def test_log_level_hides_lines_below_it(tmp_path):
    log_file = tmp_path / "ars.log"
    expr = "__import__('logging').getLogger('calls').info('only at info')"
    start_settings({"LOG_FILE": str(log_file), "LOG_LEVEL": "warning"}, expr=expr)
    assert "only at info" not in log_file.read_text()
    start_settings({"LOG_FILE": str(log_file), "LOG_LEVEL": "info"}, expr=expr)
    assert "only at info" in log_file.read_text()


class Lines(logging.Handler):
    """Formats records exactly as the configured handlers do and keeps the lines."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.addFilter(CallSidFilter())
        self.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"]))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the formatted line."""
        self.lines.append(self.format(record))

    def matching(self, text: str) -> list[str]:
        """The lines that contain this text."""
        return [line for line in self.lines if text in line]


@pytest.fixture
def call_lines():
    """Every warning the calls app logs during the test, formatted."""
    handler = Lines()
    logger = logging.getLogger("calls")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.mark.django_db(transaction=True)
async def test_a_line_logged_on_twilio_s_side_of_a_call_names_the_call(
    fake_ai, make_caller, call_lines
):
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await session.wait_for_client_event("session.update")
    await call._session.socket.send_text("{not json")
    await call.send_silence(100)  # the frames after it prove it has been handled
    await call.hang_up()
    (line,) = call_lines.matching("dropped a bad Twilio frame")
    assert f"[{call.call_sid}]" in line


@pytest.mark.django_db(transaction=True)
async def test_a_line_logged_on_openai_s_side_of_a_call_names_the_call(
    fake_ai, make_caller, call_lines
):
    call = await make_caller().dial()
    session = await fake_ai.next_session()
    await session.wait_for_client_event("session.update")
    await session.send_raw("{not json")
    await call.wait_for(lambda c: bool(call_lines.matching("dropped a bad OpenAI event")), 5)
    await call.hang_up()
    (line,) = call_lines.matching("dropped a bad OpenAI event")
    assert f"[{call.call_sid}]" in line
