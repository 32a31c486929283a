"""CPU per stored turn by recorder batch size, one row at a time vs bulk (prints figures).

Run: `.venv/bin/python bench/recorder_batches.py [--rows 2000]`.

Writes agent utterances into a fresh SQLite database (WAL, as the server configures it) through
calls.records.recorder.write_batch on asgiref's database thread, as the recorder does, and reports
this process's CPU per row (user + system, so the hop to the thread and the commit count):
- batches of 1, 5 and 20 rows each written as its own insert (before batches gathered);
- batches of 5 and 20 rows written with the bulk insert the recorder now uses.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stats import table


def cpu_seconds() -> float:
    """CPU this process used so far, user + system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def setup_django(database_path: Path) -> None:
    """Configure the project against a fresh SQLite file and create its tables."""
    os.environ.update(
        ARS_SKIP_DOTENV="1",
        DJANGO_SETTINGS_MODULE="arsproject.settings",
        DATABASE_URL=f"sqlite:///{database_path}",
        SECRET_KEY="bench-" + "x" * 40,
        LOG_LEVEL="warning",
    )
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


async def measure(rows: int) -> list[list[str]]:
    """CPU microseconds per row for each way of writing."""
    from asgiref.sync import sync_to_async

    from calls.models import Call, Utterance
    from calls.records import services
    from calls.records.recorder import Record, write_batch

    call = await sync_to_async(Call.objects.create)(call_sid="CA" + "0" * 32)
    fields = {
        "speaker": "agent",
        "text": "네, 고객님. 주문하신 상품은 내일 오전에 도착할 예정입니다." * 2,
        "item_id": "item_bench",
        "started_ms": 1000,
        "ended_ms": 4000,
        "generated_ms": 3000,
        "played_ms": 3000,
        "latency_ms": 600,
        "metrics": {"speech_stopped_to_first_audio_ms": 600},
    }

    def single_insert(call_id, row_fields):
        Utterance.objects.create(call_id=call_id, **row_fields)

    results = []
    for label, operation, size in [
        ("one insert per row", single_insert, 1),
        ("one insert per row", single_insert, 5),
        ("one insert per row", single_insert, 20),
        ("bulk insert", services.add_utterance, 5),
        ("bulk insert", services.add_utterance, 20),
    ]:
        batches = rows // size
        started = cpu_seconds()
        for _ in range(batches):
            batch = [Record(call.call_sid, "agent utterance", operation, (call.pk, fields))] * size
            await sync_to_async(write_batch, thread_sensitive=True)(batch)
        per_row_us = (cpu_seconds() - started) / (batches * size) * 1e6
        results.append([label, str(size), f"{per_row_us:.0f}"])
    return results


def main() -> None:
    """Parse flags, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000, help="rows per configuration")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ars-recorder-bench-") as folder:
        setup_django(Path(folder) / "bench.sqlite3")
        rows = asyncio.run(measure(args.rows))
    print(f"Recorder writes, {args.rows} agent utterances per configuration, SQLite (WAL)")
    print(table(["how", "rows per batch", "CPU us per row"], rows))


if __name__ == "__main__":
    main()
