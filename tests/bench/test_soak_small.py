"""A small soak through a real daphne and the fake AI: nothing lost, all finalized, no leaks."""

import pytest

from bench.soak import SoakOptions, render, run_soak

pytestmark = pytest.mark.slow


async def test_a_small_soak_loses_nothing_finalizes_every_call_and_leaks_nothing():
    report = await run_soak(
        SoakOptions(
            calls=4,
            minutes=0.25,
            processes=1,
            call_seconds=(12.0, 15.0),
            drop_share=0.5,
            ramp_s=1.0,
            sample_every_s=1.0,
            memory_upkeep_s=2,
        )
    )
    summary = render(report)
    verdict = report.verdict
    assert report.failed_calls == [], summary
    assert report.lost_frames == 0, summary
    assert verdict.expected_utterances > 0, summary
    assert verdict.lost_utterances == [], summary
    assert verdict.missing_rows == [], summary
    assert verdict.not_finalized == [], summary
    assert report.unfinished_fake_sessions == 0, summary
    assert report.leaked_sockets == 0, summary
    assert report.leaked_tasks == 0, summary  # asyncio tasks inside daphne, from /metrics
    assert report.live_bridges_after in (0, None), summary  # None: /metrics not served
    assert report.upkeep_passes is not None and report.upkeep_passes >= 3, summary  # every 2 s
