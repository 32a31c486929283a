"""At LOG_LEVEL=debug the logs show the Realtime handshake, but never the OpenAI key."""

from tests.foundation.test_configuration import start_settings

KEY = "sk-proj-debugLevelSecret0123456789"


def test_debug_logging_of_the_websockets_handshake_carries_no_bearer_key():
    expr = "__import__('tests.operations.debug_log_probe')"
    result = start_settings(
        {"LOG_LEVEL": "debug", "LOG_FILE": "", "OPENAI_API_KEY": KEY}, expr=expr
    )
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "> GET /v1/realtime" in output  # the handshake was logged at debug
    assert "Authorization: [Filtered]" in output
    assert KEY not in output and "debugLevelSecret" not in output
