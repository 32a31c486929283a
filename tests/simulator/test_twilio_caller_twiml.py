"""TwiML is read into verbs the way Twilio reads it (§1.2)."""

import pytest

from calls.simulator.twiml import (
    Connect,
    Dial,
    Hangup,
    Pause,
    Say,
    TwimlError,
    UnknownVerb,
    parse_twiml,
)

DOC_URL = "https://app.example.com/twilio/voice"


def test_it_reads_the_reference_example():
    verbs = parse_twiml(
        """<?xml version="1.0" encoding="UTF-8"?>
        <Response>
          <Say>Connecting you now.</Say>
          <Pause length="1"/>
          <Connect action="https://app.example.com/twilio/after-stream">
            <Stream url="wss://app.example.com/twilio/media"
                    statusCallback="https://app.example.com/twilio/stream-status"
                    statusCallbackMethod="POST">
              <Parameter name="session" value="abc123"/>
            </Stream>
          </Connect>
          <Say>The assistant has disconnected. Goodbye.</Say>
        </Response>""",
        DOC_URL,
    )

    say, pause, connect, goodbye = verbs
    assert say == Say("Connecting you now.")
    assert pause.length_s == 1
    assert isinstance(connect, Connect)
    assert connect.action == "https://app.example.com/twilio/after-stream"
    assert connect.method == "POST"
    assert connect.stream.url == "wss://app.example.com/twilio/media"
    assert connect.stream.parameters == {"session": "abc123"}
    assert connect.stream.status_callback == "https://app.example.com/twilio/stream-status"
    assert goodbye.text == "The assistant has disconnected. Goodbye."


def test_relative_urls_resolve_against_the_document():
    (connect,) = parse_twiml(
        '<Response><Connect action="/after"><Stream url="/media"/></Connect></Response>', DOC_URL
    )
    assert connect.action == "https://app.example.com/after"
    assert connect.stream.url == "wss://app.example.com/media"


def test_a_parameter_of_500_characters_or_more_is_refused():
    value = "x" * (500 - len("token"))
    parameter = f'<Parameter name="token" value="{value}"/>'
    twiml = (
        f'<Response><Connect><Stream url="wss://a.test/m">{parameter}</Stream></Connect></Response>'
    )
    with pytest.raises(TwimlError, match="under 500"):
        parse_twiml(twiml)
    parse_twiml(twiml.replace(value, value[1:]))


def test_dial_hangup_and_unknown_verbs():
    verbs = parse_twiml(
        "<Response><Dial><Number>+821012341234</Number></Dial><Play>x.wav</Play><Hangup/></Response>"
    )
    assert verbs == [Dial("+821012341234"), UnknownVerb("Play", "x.wav"), Hangup()]
    assert verbs[0].as_tuple() == ("Dial", "+821012341234", {})
    assert verbs[2].as_tuple() == ("Hangup",)


def test_pause_defaults_to_one_second():
    assert parse_twiml("<Response><Pause/></Response>") == [Pause(1.0)]


@pytest.mark.parametrize("document", ["<Say>hi</Say>", "<Response><Say>", "not xml"])
def test_documents_twilio_cannot_run_are_refused(document):
    with pytest.raises(TwimlError):
        parse_twiml(document)
