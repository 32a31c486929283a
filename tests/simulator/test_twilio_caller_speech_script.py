"""The hand-run caller's script reads as speech:MS[@DBFS], silence:MS, dtmf:KEYS and wav:PATH."""

import pytest

from calls.simulator.speech_script import Step, load_speech_script, parse_speech_script


def test_steps_are_split_by_commas_or_newlines():
    assert parse_speech_script("speech:1500@-26, silence:300\ndtmf:5#") == [
        Step("speech", "1500", -26.0),
        Step("silence", "300"),
        Step("dtmf", "5#"),
    ]


@pytest.mark.parametrize("bad", ["shout:100", "speech:loud", "silence:100@-20", "dtmf:A"])
def test_unknown_or_malformed_steps_are_refused(bad):
    with pytest.raises(ValueError, match="bad script step"):
        parse_speech_script(bad)


def test_a_script_can_live_in_a_file(tmp_path):
    script = tmp_path / "caller.txt"
    script.write_text("# greeting\nspeech:800\nsilence:2000\n", encoding="utf-8")
    assert load_speech_script(str(script)) == [Step("speech", "800"), Step("silence", "2000")]
