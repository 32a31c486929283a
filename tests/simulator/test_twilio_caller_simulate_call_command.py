"""`manage.py simulate_call` places one call and prints a readable account of it."""

import os
from io import StringIO

import pytest

from tests.simulator.twilio_fixtures import AUTH_TOKEN, ServerStream, twilio_server_in_thread

if not os.environ.get("DJANGO_SETTINGS_MODULE"):
    pytest.skip("needs Django settings (run without -p no:django)", allow_module_level=True)

from django.core.management import CommandError, call_command

VOICE = """<Response><Connect action="{public}/twilio/after-stream">
  <Stream url="{stream_url}"/></Connect></Response>"""
GOODBYE = '<Response><Say language="ko-KR">감사합니다.</Say><Hangup/></Response>'


async def greet_then_hang_up(stream: ServerStream) -> None:
    await stream.send_media(b"\x00" * 3200)  # 400 ms
    await stream.send_mark("greeting")
    await stream.next_event("mark")
    await stream.close()


def simulate(server, *extra) -> str:
    out = StringIO()
    call_command(
        "simulate_call",
        "--base-url", server.base_url,
        "--public-base-url", server.fake.public_base_url,
        "--auth-token", AUTH_TOKEN,
        *extra,
        stdout=out,
    )  # fmt: skip
    return out.getvalue()


@pytest.mark.parametrize("clock", [[], ["--realtime", "--seconds", "3"]])
def test_it_prints_the_twiml_audio_marks_warnings_and_outcome(clock):
    options = {"voice_twiml": VOICE, "action_twiml": GOODBYE, "on_stream": greet_then_hang_up}
    with twilio_server_in_thread(**options) as server:
        output = simulate(server, "--speech-script", "speech:200,silence:100", *clock)

    assert "POST" in output and "/twilio/voice -> 200" in output
    assert "audio heard: 0.40 s" in output
    assert "marks echoed: 1" in output
    assert "warning 31921" in output
    assert (
        "TwiML after stream:  [('Say', '감사합니다.', {'language': 'ko-KR'}), ('Hangup',)]"
        in output
    )
    assert "outcome: completed, ended by server" in output
    assert "status callback -> 204" in output


def test_the_caller_hangs_up_after_the_requested_seconds():
    with twilio_server_in_thread(voice_twiml=VOICE) as server:
        output = simulate(server, "--seconds", "2", "--speech-script", "dtmf:12")
        stream = server.fake.streams.get_nowait()

    assert "ended by caller, 2 s" in output
    assert [m["dtmf"]["digit"] for m in stream.events("dtmf")] == ["1", "2"]


def test_a_failing_webhook_is_a_command_error():
    with (
        twilio_server_in_thread(voice_status=500) as server,
        pytest.raises(CommandError, match="HTTP 500"),
    ):
        simulate(server)
