"""bridge_latency's report judges the bridge against both floors and the faster of them."""

from dataclasses import dataclass

from bench.bridge_report import Layout, faster_floor, render


@dataclass
class Run:
    kind: str
    calls: int
    round_no: int
    cpu_ms_per_call_s: float | None
    cpu_us_per_frame: float | None = None
    delivered: float | None = 1.0
    in_p99: float | None = 1.0
    out_p99: float | None = 1.0
    in_p50: float | None = 0.5
    out_p50: float | None = 0.5
    mib_per_call: float | None = 0.1
    clear_p50: float | None = None
    clear_p99: float | None = None


def test_the_faster_floor_is_the_one_with_less_cpu_per_call_second_in_that_round():
    relay, aiohttp = Run("relay", 50, 1, 8.0), Run("aiohttp", 50, 1, 6.0)
    assert faster_floor([relay, aiohttp]) is aiohttp
    assert faster_floor([relay, Run("aiohttp", 50, 1, None)]) is relay
    assert faster_floor([None, None]) is None


def test_the_report_gives_the_cpu_ratio_to_each_floor_and_to_the_faster_per_round():
    runs = [
        Run("bridge", 50, 1, 12.0, in_p99=2.0, cpu_us_per_frame=30.0),
        Run("relay", 50, 1, 8.0, cpu_us_per_frame=20.0),
        Run("aiohttp", 50, 1, 6.0, cpu_us_per_frame=15.0),
        Run("bridge", 50, 2, 14.0, in_p99=3.0),
        Run("relay", 50, 2, 7.0),
        Run("aiohttp", 50, 2, 10.0),
    ]
    text = render(runs, Layout([50], 2, "title"), "detail")
    assert "bridge/faster(aiohttp) ratio" in text
    assert "bridge/faster(relay) ratio" in text
    assert "vs relay: CPU ratio 1.75x (1.50-2.00) (per frame 1.50x (1.50-1.50))" in text
    assert "vs aiohttp: CPU ratio 1.70x (1.40-2.00)" in text
    assert "vs faster: CPU ratio 2.00x (2.00-2.00) (per frame 2.00x (2.00-2.00)); added p99" in text
