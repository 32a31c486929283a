"""What a listener hears: caller frames as they come, agent chunks where the caller heard them."""

import asyncio
import base64
from types import SimpleNamespace

from calls.live.phase import Phase
from calls.live.protocol import listen_audio
from calls.live.supervisor_voice import Holder, SupervisorVoice


class Outlet:
    """Keeps the frames a call publishes, decoded."""

    def __init__(self):
        self.frames: list[listen_audio.AudioFrame] = []

    def audio(self, frame: bytes) -> None:
        self.frames.append(listen_audio.unpack(frame))

    async def reply(self, channel, message):
        pass


class AgentChannel:
    """Stands in for the stereo recording: keeps what reaches its agent channel, and when."""

    def __init__(self):
        self.chunks: list[tuple[int, bytes]] = []

    def agent_chunk_sent(self, now_ms: int, ulaw: bytes) -> None:
        self.chunks.append((now_ms, ulaw))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def new_voice() -> tuple[SupervisorVoice, Outlet, SimpleNamespace]:
    tasks = set()

    def spawn(coroutine, name):
        task = asyncio.get_running_loop().create_task(coroutine)
        tasks.add(task)
        return task

    sent = []

    async def send_to_twilio(text):
        sent.append(text)

    bridge = SimpleNamespace(
        phase=Phase(),
        agent_audio=SimpleNamespace(listener=None),
        spawn=spawn,
        observer=None,
        offset_ms=lambda: 0,
        stream_ms=1000,
        tasks=tasks,
        stream_sid="MZ1",
        send_to_twilio=send_to_twilio,
        sent=sent,
        recording=None,
    )
    voice = SupervisorVoice(bridge)
    outlet = Outlet()
    voice.outlet = outlet
    return voice, outlet, bridge


async def test_with_nobody_listening_nothing_is_published_and_the_agent_audio_has_no_listener():
    voice, outlet, bridge = new_voice()
    assert voice.listening is False and bridge.agent_audio.listener is None
    await voice.listen("socket-1", 10, 7, "kim")
    assert voice.listening is True and bridge.agent_audio.listener is voice
    await voice.listen("socket-1", 0, 7, "kim")
    assert voice.listening is False and bridge.agent_audio.listener is None
    assert outlet.frames == []
    for task in bridge.tasks:
        task.cancel()


async def test_agent_chunks_are_heard_one_after_another_as_marks_echo_and_cleared_ones_never():
    voice, outlet, bridge = new_voice()
    await voice.listen("socket-1", 10, 7, "kim")
    voice.agent_sent("m1", b64(b"\x01" * 800))  # nothing was playing: heard now
    voice.agent_sent("m2", b64(b"\x02" * 800))  # queued behind m1 at Twilio
    voice.agent_sent("m3", b64(b"\x03" * 800))
    assert [f.ulaw[:1] for f in outlet.frames] == [b"\x01"]
    bridge.stream_ms = 1100
    voice.agent_played("m1")  # m1 finished: m2 starts now
    assert [(f.ulaw[:1], f.timestamp_ms) for f in outlet.frames] == [
        (b"\x01", 1000),
        (b"\x02", 1100),
    ]
    voice.agent_cleared()  # the caller barged in: m3 was never heard
    voice.agent_played("m2")
    voice.agent_played("m3")
    assert [f.ulaw[:1] for f in outlet.frames] == [b"\x01", b"\x02"]
    assert {f.channel for f in outlet.frames} == {listen_audio.AGENT}
    voice.caller_frame(b64(b"\x7f" * 160), 1120)
    assert (outlet.frames[-1].channel, outlet.frames[-1].timestamp_ms) == (0, 1120)
    assert [f.seq for f in outlet.frames] == [1, 2, 3]
    for task in bridge.tasks:
        task.cancel()


async def test_an_unrenewed_lease_runs_out():
    voice, _, bridge = new_voice()
    now = [100.0]
    voice.clock = lambda: now[0]
    await voice.listen("socket-1", 0.2, 7, "kim")
    now[0] += 0.3
    timer = voice.lease_timer
    await asyncio.wait_for(timer, 2)
    assert voice.listening is False and voice.leases == {}


async def test_the_holders_microphone_reaches_the_caller_and_the_recordings_agent_channel():
    voice, outlet, bridge = new_voice()
    bridge.recording = AgentChannel()
    voice.holder = Holder(actor_id=7, name="kim", reply_to="", last_frame_at=0.0)
    frame = listen_audio.pack(listen_audio.SUPERVISOR, 1, 20, b"\x10" * 160)
    await voice.supervisor_audio(7, frame)
    await voice.supervisor_audio(8, frame)  # not the holder: dropped
    await voice.supervisor_audio(7, b"\x02short")  # not a frame: dropped
    assert len(bridge.sent) == 1 and b64(b"\x10" * 160) in bridge.sent[0]
    assert bridge.recording.chunks == [(1000, b"\x10" * 160)]  # on the agent channel, at 1 s
    assert outlet.frames == []  # nobody listens
