"""The fake OpenAI Realtime server in its own process, instrumented for the benchmarks.

Run by the benchmarks as `python -m bench.fake_ai --port 0 ...`; it prints one JSON line
`{"port": N}` when it listens, then answers JSON-line commands on stdin (one JSON line each on
stdout, echoing "id"):

- `window`: start a new latency window (forget inbound samples so far).
- `report`: inbound latency (caller's stamp -> append arrival) percentiles for the window.
- `calls` (`forget`: true drops calls whose sessions all ended): per call what the fake produced.
- `drop` (`call_no`): cut that call's socket without a close handshake, if a response is
  streaming, like a network failure in the middle of the agent's sentence.

Its own process keeps its CPU (numpy VAD on every append) off the load generator and off the
server being measured. It is the calls/ fake unchanged except that each audio delta is stamped
(bench/stamps.py) by wrapping the module's base64 helper, so a receiver can tell how old it is.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sys
from array import array
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from bench import stamps
from calls.simulator import realtime_response
from calls.simulator.fake_realtime import AgentTurn, FakeRealtimeServer, RealtimeScript

API_KEY = "sk-bench"
HARVEST_INTERVAL_S = 0.25
CALLER_LINES = [
    "배송 상태를 알고 싶어요.",
    "주문번호는 1234번이에요.",
    "주소를 바꾸고 싶은데요.",
    "아니요, 그건 괜찮습니다.",
    "네, 감사합니다.",
]
AGENT_TURNS = [
    AgentTurn("안녕하세요, 고객센터 AI 상담원입니다. 무엇을 도와드릴까요?"),
    AgentTurn("네, 주문번호를 말씀해 주시겠어요? 바로 확인해 드리겠습니다."),
    AgentTurn("확인해 보니 상품은 내일 오전에 도착할 예정입니다."),
    AgentTurn("새 주소를 말씀해 주시면 배송지를 변경해 드릴게요."),
    AgentTurn("알겠습니다. 더 도와드릴 일이 있으실까요?"),
]


def bench_script() -> RealtimeScript:
    """A Korean delivery-status conversation that never ends the call by itself."""
    return RealtimeScript(caller_lines=list(CALLER_LINES), agent_turns=list(AGENT_TURNS))


def script_from(path: str) -> RealtimeScript:
    """A script from its JSON form (the format of calls/simulator/fake_realtime.py)."""
    return RealtimeScript.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def transcript_of(event: dict) -> tuple[str, str]:
    """(item_id, transcript) of a transcript event."""
    return event["item_id"], event["transcript"]


class DeltaStamper:
    """Replaces the fake's base64 helper for deltas: stamps each chunk with number and time."""

    def __init__(self):
        self.count = 0

    def __call__(self, data: bytes) -> str:
        frame = bytearray(data)
        if len(frame) >= stamps.stamp_length(stamps.OUTBOUND_FIELDS):
            self.count += 1
            values = (self.count % (1 << 24), stamps.now_us())
            stamps.write_stamp(frame, values, stamps.OUTBOUND_FIELDS)
        return base64.b64encode(bytes(frame)).decode("ascii")


@dataclass
class CallRecord:
    """What the fake saw and produced for one call (one or more sessions, after reconnects)."""

    call_no: int
    appends: int = 0  # distinct caller frames (a reconnect may replay the unfinished turn)
    replayed: int = 0
    frames: set[int] = field(default_factory=set)
    held: int = 0  # sent by the caller before this session ran our config
    speech_started: list[float] = field(default_factory=list)
    ready: list[float] = field(default_factory=list)  # session.updated sent, per session
    caller_texts: list[tuple[str, str]] = field(default_factory=list)
    agent_texts: list[tuple[str, str]] = field(default_factory=list)
    drops: list[float] = field(default_factory=list)
    sessions: int = 0
    live_sessions: int = 0

    def summary(self) -> dict:
        """JSON-ready fields."""
        return {
            "call_no": self.call_no,
            "appends": self.appends,
            "replayed": self.replayed,
            "held": self.held,
            "speech_started": self.speech_started,
            "ready": self.ready,
            "caller_texts": self.caller_texts,
            "agent_texts": self.agent_texts,
            "drops": self.drops,
            "sessions": self.sessions,
            "live_sessions": self.live_sessions,
            "frame_runs": runs(self.frames),
        }


def runs(numbers: set[int]) -> list[tuple[int, int]]:
    """Consecutive numbers as (first, last) pairs: {1, 2, 3, 7} -> [(1, 3), (7, 7)]."""
    result: list[tuple[int, int]] = []
    for number in sorted(numbers):
        if result and number == result[-1][1] + 1:
            result[-1] = (result[-1][0], number)
        else:
            result.append((number, number))
    return result


@dataclass
class Tracked:
    """Harvest state of one session."""

    call: CallRecord | None = None
    ready_at: float | None = None
    finished: bool = False


class Harvester:
    """Reads the sessions' traffic records incrementally and frees them as it goes."""

    def __init__(self, server: FakeRealtimeServer):
        self.server = server
        self.calls: dict[int, CallRecord] = {}
        self.tracked: dict[int, Tracked] = {}
        self.inbound_us = array("q")
        self.unstamped = 0

    def harvest(self) -> None:
        """Process every record since the last harvest; forget sessions that ended."""
        while not self.server._accepted.empty():  # nobody waits on it here; do not let it grow
            self.server._accepted.get_nowait()
        for session in list(self.server.sessions):
            state = self.tracked.setdefault(id(session), Tracked())
            self._read_sent(session, state)
            self._read_received(session, state)
            if session.closed.is_set():
                self._read_sent(session, state)
                if state.call is not None:
                    state.call.live_sessions -= 1
                self.server.sessions.remove(session)
                del self.tracked[id(session)]

    def _read_received(self, session, state: Tracked) -> None:
        records, session.received[:] = list(session.received), []
        for record in records:
            event = record.event
            if not event or event.get("type") != "input_audio_buffer.append":
                continue
            values = stamps.read_b64_stamp(event.get("audio", ""), stamps.INBOUND_FIELDS)
            if values is None:
                self.unstamped += 1
                continue
            call_no, frame_no, sent_us = values
            if state.call is None:
                state.call = self._call(call_no)
                state.call.sessions += 1
                state.call.live_sessions += 1
                if state.ready_at is not None:
                    state.call.ready.append(state.ready_at)
            if frame_no in state.call.frames:
                state.call.replayed += 1
                continue
            state.call.frames.add(frame_no)
            state.call.appends += 1
            arrived_us = int(record.at * 1_000_000) % stamps.CLOCK_MOD
            age = stamps.age_us(sent_us, arrived_us)
            if state.ready_at is None or age > (record.at - state.ready_at) * 1_000_000:
                state.call.held += 1  # the caller sent it before this session ran our config
            else:
                self.inbound_us.append(stamps.age_us(sent_us, arrived_us))

    def _read_sent(self, session, state: Tracked) -> None:
        records, session.sent[:] = list(session.sent), []
        for record in records:
            kind = record.event.get("type")
            if kind == "session.updated" and state.ready_at is None:
                state.ready_at = record.at
                if state.call is not None:
                    state.call.ready.append(record.at)
            elif state.call is None:
                continue  # before the first append nothing call-specific happens
            elif kind == "input_audio_buffer.speech_started":
                state.call.speech_started.append(record.at)
            elif kind == "conversation.item.input_audio_transcription.completed":
                state.call.caller_texts.append(
                    (record.event["item_id"], record.event["transcript"])
                )
            elif kind == "response.output_audio_transcript.done":
                state.call.agent_texts.append((record.event["item_id"], record.event["transcript"]))

    def _call(self, call_no: int) -> CallRecord:
        record = self.calls.get(call_no)
        if record is None:
            record = self.calls[call_no] = CallRecord(call_no)
        return record

    def report(self) -> dict:
        """Inbound latency percentiles (ms) of the current window."""
        samples = np.frombuffer(self.inbound_us, dtype=np.int64) / 1000.0
        if samples.size == 0:
            return {"count": 0, "unstamped": self.unstamped}
        p50, p90, p99, p999 = np.percentile(samples, [50, 90, 99, 99.9])
        return {
            "count": int(samples.size),
            "p50_ms": float(p50),
            "p90_ms": float(p90),
            "p99_ms": float(p99),
            "p999_ms": float(p999),
            "max_ms": float(samples.max()),
            "unstamped": self.unstamped,
        }

    def call_summaries(self, forget: bool) -> list[dict]:
        """Every call seen so far; with forget, ended calls are dropped after this report."""
        summaries = [record.summary() for record in self.calls.values()]
        if forget:
            for call_no in [n for n, r in self.calls.items() if r.live_sessions == 0]:
                del self.calls[call_no]
        return summaries

    async def drop(self, call_no: int) -> dict:
        """Abort the live session of a call while it streams a response."""
        self.harvest()
        for session in self.server.sessions:
            state = self.tracked.get(id(session))
            if state is None or state.call is None or state.call.call_no != call_no:
                continue
            if session.closed.is_set() or session.active is None:
                return {"dropped": False}
            loop_time = asyncio.get_running_loop().time()
            await session.drop()
            state.call.drops.append(loop_time)
            return {"dropped": True, "at": loop_time}
        return {"dropped": False}


async def harvest_forever(harvester: Harvester) -> None:
    """Keep the sessions' records short."""
    while True:
        await asyncio.sleep(HARVEST_INTERVAL_S)
        harvester.harvest()


async def answer(harvester: Harvester, command: dict) -> dict:
    """Run one control command."""
    harvester.harvest()
    name = command.get("cmd")
    if name == "window":
        harvester.inbound_us = array("q")
        return {"ok": True}
    if name == "report":
        return harvester.report()
    if name == "calls":
        return {"calls": harvester.call_summaries(bool(command.get("forget")))}
    if name == "drop":
        return await harvester.drop(int(command["call_no"]))
    return {"error": f"unknown command {name!r}"}


async def serve(args: argparse.Namespace) -> None:
    """Listen, announce the port, then answer commands until stdin closes."""
    realtime_response._b64 = DeltaStamper()
    server = FakeRealtimeServer(
        api_key=API_KEY,
        script=script_from(args.script) if args.script else bench_script(),
        port=args.port,
        speed=args.speed,
        chunk_ms=args.chunk_ms,
        first_audio_delay_ms=args.first_audio_delay_ms,
        transcription_delay_ms=args.transcription_delay_ms,
    )
    await server.start()
    harvester = Harvester(server)
    harvest_task = asyncio.create_task(harvest_forever(harvester))
    print(json.dumps({"port": server.port}), flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        while line := await reader.readline():
            command = json.loads(line)
            reply = await answer(harvester, command)
            print(json.dumps({"id": command.get("id"), **reply}), flush=True)
    finally:
        harvest_task.cancel()
        await server.stop()


def main() -> None:
    """Parse flags and serve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--speed", type=float, default=5.0)
    parser.add_argument("--chunk-ms", type=int, default=50)
    parser.add_argument("--first-audio-delay-ms", type=int, default=300)
    parser.add_argument("--transcription-delay-ms", type=int, default=100)
    parser.add_argument("--script", help="a RealtimeScript JSON file instead of the bench's own")
    asyncio.run(serve(parser.parse_args()))


if __name__ == "__main__":
    main()
