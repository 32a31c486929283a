"""Business tools under load: dispatch latency, the calls' own frame latency, and the filler.

Run: `.venv/bin/python bench/tool_dispatch.py [--calls 50] [--window 20] [--rounds 1]`.

Three configurations, each on a fresh daphne in front of the same kind of fake Realtime server
(bench/fake_ai.py, its own process) and driven by the same simulated callers (bench/load.py):

- `no tools`: the bench's usual conversation;
- `tools`: every agent answer to the caller calls `lookup_order` against a local order API (its own
  aiohttp server in this process) that answers in 50 ms; callers talk every few seconds, so each
  call makes a tool call about every 5–10 s;
- `slow tool`: the same, with an API that answers in 2 s, so the filler sentence is spoken.

Figures:
- dispatch: arguments done (the bridge got `response.function_call_arguments.done`) -> the HTTP
  request left, from each call's `tool_result` event (`dispatch_ms`);
- in/out p99: the calls' own per-frame latency (caller media -> append at the fake; fake delta ->
  media at the caller), as bench/bridge_latency.py measures it, with and without tools in flight;
- filler: for the slow tool, arguments done -> the filler's response.create sent, from the
  call events (`tool_call` and `tool_filler` offsets), plus the fake's configured first-audio delay
  it then takes for the filler's first audio to reach the caller.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from aiohttp import web

from bench import servers
from bench.bridge_latency import Bench, Figures
from bench.fake_ai import AGENT_TURNS, CALLER_LINES
from bench.stats import fmt, percentile, table

API_TOKEN = "bench-orders-token"
FIRST_AUDIO_DELAY_MS = 300


def tool_script(path: Path) -> None:
    """The bench conversation where every answer to the caller looks an order up first."""
    turns = [{"text": AGENT_TURNS[0].text}]
    for _ in range(4):
        turns.append(
            {
                "text": "네, 조회해 보겠습니다.",
                "tool_call": {"name": "lookup_order", "arguments": {"order_id": "1234"}},
            }
        )
        turns.append({"text": "주문 {order_id}번은 {status} 상태이고, 도착은 {eta}입니다."})
    script = {"caller_lines": CALLER_LINES, "agent_turns": turns}
    path.write_text(json.dumps(script, ensure_ascii=False), encoding="utf-8")


async def order_api(delay_s: float) -> tuple[web.AppRunner, int]:
    """A local order API answering after `delay_s`."""

    async def order(request: web.Request) -> web.Response:
        await asyncio.sleep(delay_s)
        number = request.match_info["number"]
        return web.json_response({"order_id": number, "status": "배송 중", "eta": "내일 오전"})

    app = web.Application()
    app.router.add_get("/orders/{number}", order)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = servers.free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, port


def tools_file(path: Path, api_port: int) -> None:
    """The lookup_order tool, as `manage.py import_tools` reads it."""
    tool = {
        "name": "lookup_order",
        "label": "배송 조회",
        "description": "주문번호로 배송 상태를 조회합니다.",
        "parameters": {
            "type": "object",
            "properties": {"order_id": {"type": "string"}},
            "required": ["order_id"],
        },
        "method": "GET",
        "url": f"http://127.0.0.1:{api_port}/orders/{{order_id}}",
        "headers": {"Authorization": "Bearer ${BENCH_ORDERS_TOKEN}"},
        "filler_delay_ms": 700,
    }
    path.write_text(json.dumps([tool], ensure_ascii=False), encoding="utf-8")


class ToolBench(Bench):
    """bench/bridge_latency's bridge run, with the tool set-up added to the server."""

    def __init__(self, args: argparse.Namespace, script: str, api_port: int | None):
        super().__init__(args)
        self.script = script
        self.api_port = api_port

    async def run(self) -> list[Figures]:
        """Only the bridge, N calls."""
        self.fake = await servers.start_fake(
            speed=self.args.speed,
            chunk_ms=self.args.chunk_ms,
            first_audio_delay_ms=FIRST_AUDIO_DELAY_MS,
            script=self.script,
        )
        self.shared.fake = self.fake
        env = self.server_env(1)
        await asyncio.to_thread(servers.migrate, env)
        if self.api_port:
            tools = self.tmp / "tools.json"
            tools_file(tools, self.api_port)
            await asyncio.to_thread(import_tools, env, tools)
        async with aiohttp.ClientSession() as http:
            self.shared.http = http
            try:
                return [await self.measure("bridge", self.args.calls)]
            finally:
                await self.fake.close()

    def server_env(self, public_port: int) -> dict:
        """Tools may call the local API; its token lives in the environment."""
        env = super().server_env(public_port)
        env["TOOL_ALLOWED_HOSTS"] = "127.0.0.1"
        env["BENCH_ORDERS_TOKEN"] = API_TOKEN
        env["GREETING_CACHE_DIR"] = "off"
        return env

    def events(self, kind: str) -> list[tuple[str, int | None, dict]]:
        """(call, offset ms, data) of one event kind, from the bench database."""
        with sqlite3.connect(self.tmp / "bench.sqlite3") as db:
            rows = db.execute(
                "SELECT call_id, offset_ms, data FROM calls_callevent WHERE kind = ?", (kind,)
            ).fetchall()
        return [(call, offset, json.loads(data)) for call, offset, data in rows]


def import_tools(env: dict, path: Path) -> None:
    """Load the tool into the default profile through the real import command."""

    subprocess.run(
        [str(servers.PYTHON), "manage.py", "import_tools", "--profile", "기본 상담원", str(path)],
        cwd=servers.ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def filler_delays(tool_calls: list, fillers: list) -> list[int]:
    """For each filler, ms since the latest tool call of its call before it."""
    starts: dict = {}
    for call, offset, _ in tool_calls:
        if offset is not None:
            starts.setdefault(call, []).append(offset)
    delays = []
    for call, offset, _ in fillers:
        before = [start for start in starts.get(call, []) if offset is not None and start <= offset]
        if before:
            delays.append(offset - max(before))
    return delays


async def one_config(args, name: str, api_delay_s: float | None) -> dict:
    """Run one configuration; its figures."""
    runner = None
    script = ""
    api_port = None
    tmp = Path(tempfile.mkdtemp(prefix="ars-tools-"))
    if api_delay_s is not None:
        runner, api_port = await order_api(api_delay_s)
        script = str(tmp / "script.json")
        tool_script(Path(script))
    bench = ToolBench(args, script, api_port)
    try:
        (figures,) = await bench.run()
        results = bench.events("tool_result")
        fillers = filler_delays(bench.events("tool_call"), bench.events("tool_filler"))
    finally:
        if runner is not None:
            await runner.cleanup()
    dispatch = [d["dispatch_ms"] for _, _, d in results if d.get("dispatch_ms") is not None]
    outcomes = {}
    for _, _, data in results:
        outcomes[data["outcome"]] = outcomes.get(data["outcome"], 0) + 1
    return {
        "name": name,
        "figures": figures,
        "tool_calls": len(results),
        "outcomes": outcomes,
        "dispatch": dispatch,
        "fillers": fillers,
    }


def render(runs: list[dict], args) -> str:
    """The table and the filler line."""
    rows = []
    for run in runs:
        f = run["figures"]
        rows.append(
            [
                run["name"],
                str(run["tool_calls"]),
                fmt(percentile(run["dispatch"], 50), 3),
                fmt(percentile(run["dispatch"], 99), 3),
                fmt(f.in_p50),
                fmt(f.in_p99),
                fmt(f.out_p50),
                fmt(f.out_p99),
                fmt(f.cpu_ms_per_call_s),
                str(f.failed_calls),
            ]
        )
    header = [
        "config",
        "tool calls",
        "dispatch p50",
        "dispatch p99",
        "in p50",
        "in p99",
        "out p50",
        "out p99",
        "CPU ms/call-s",
        "failed",
    ]
    lines = [
        f"tool_dispatch: {args.calls} calls, window {args.window:g} s; latencies in ms",
        table(header, rows),
    ]
    for run in runs:
        lines.append(f"  {run['name']}: outcomes {run['outcomes']}")
        if run["fillers"]:
            lines.append(
                f"  {run['name']}: arguments done -> filler requested p50 "
                f"{fmt(percentile(run['fillers'], 50))} p99 {fmt(percentile(run['fillers'], 99))} "
                f"ms (n={len(run['fillers'])}); its first audio follows after the fake's "
                f"{FIRST_AUDIO_DELAY_MS} ms first-audio delay"
            )
    return "\n".join(lines)


async def main_async(args) -> str:
    """Every configuration, one after the other."""
    runs = []
    for _ in range(args.rounds):
        runs.append(await one_config(args, "no tools", None))
        runs.append(await one_config(args, "tools (50 ms API)", 0.05))
    runs.append(await one_config(args, "slow tool (2 s API)", 2.0))
    return render(runs, args)


def parse_args(argv=None) -> argparse.Namespace:
    """Flags."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50, help="concurrent calls (default 50)")
    parser.add_argument("--window", type=float, default=20.0, help="seconds measured (20)")
    parser.add_argument("--warmup", type=float, default=4.0, help="seconds before the window (4)")
    parser.add_argument("--rounds", type=int, default=1, help="no-tools/tools pairs (default 1)")
    parser.add_argument("--speed", type=float, default=1.0, help="fake AI speed (default 1.0)")
    parser.add_argument("--chunk-ms", type=int, default=50, help="fake AI audio chunk (50)")
    parser.set_defaults(profile="", record=False, before="", uvicorn="")  # bridge_latency's
    return parser.parse_args(argv)


def main(argv=None) -> None:
    """Run and print."""
    print(asyncio.run(main_async(parse_args(argv))))


if __name__ == "__main__":
    main()
