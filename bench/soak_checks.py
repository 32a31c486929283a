"""After a soak: is everything the fake said in the database, is every call finalized (pure-ish).

Reads the bench database directly (sqlite3 or psycopg), so the check needs no Django.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LIVE_STATUSES = ("ringing", "in_progress")
CALLS_SQL = "SELECT id, call_sid, status, ended_at, end_reason FROM calls_call"
UTTERANCES_SQL = "SELECT call_id, speaker, item_id, text FROM calls_utterance"


def read_rows(database_url: str) -> tuple[list[tuple], list[tuple]]:
    """All calls and utterances of the bench database."""
    if database_url.startswith("sqlite"):
        path = urlsplit(database_url).path
        path = path[1:] if path.startswith("//") else path
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as connection:
            return (
                connection.execute(CALLS_SQL).fetchall(),
                connection.execute(UTTERANCES_SQL).fetchall(),
            )
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1)) as connection:
        return (
            connection.execute(CALLS_SQL).fetchall(),
            connection.execute(UTTERANCES_SQL).fetchall(),
        )


@dataclass
class Verdict:
    """What the database holds against what the run produced."""

    calls: int = 0
    not_finalized: list[str] = field(default_factory=list)
    missing_rows: list[str] = field(default_factory=list)
    expected_utterances: int = 0
    lost_utterances: list[tuple[str, str, str, str]] = field(default_factory=list)
    text_differs: list[tuple[str, str, str, str]] = field(default_factory=list)
    end_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Nothing lost, everything finalized."""
        return not (self.not_finalized or self.missing_rows or self.lost_utterances)


def verify(database_url: str, call_sids: dict[int, str], fake_calls: list[dict]) -> Verdict:
    """Every non-empty transcript the fake sent is an utterance of its call; calls are final."""
    calls, utterances = read_rows(database_url)
    by_sid = {row[1]: row for row in calls}
    stored: dict[tuple[int, str, str], str] = {}
    for call_id, speaker, item_id, text in utterances:
        stored[(call_id, speaker, item_id)] = text
    verdict = Verdict(calls=len(call_sids))
    for call_sid in call_sids.values():
        row = by_sid.get(call_sid)
        if row is None:
            verdict.missing_rows.append(call_sid)
            continue
        _, _, status, ended_at, end_reason = row
        verdict.end_reasons[end_reason or "-"] = verdict.end_reasons.get(end_reason or "-", 0) + 1
        if status in LIVE_STATUSES or ended_at is None:
            verdict.not_finalized.append(call_sid)
    for call in fake_calls:
        call_sid = call_sids.get(call["call_no"])
        row = by_sid.get(call_sid)
        if row is None:
            continue
        for speaker, texts in (("caller", call["caller_texts"]), ("agent", call["agent_texts"])):
            for item_id, text in texts:
                if not text.strip():
                    continue  # nothing was said: nothing to keep
                verdict.expected_utterances += 1
                found = stored.get((row[0], speaker, item_id))
                if found is None:
                    verdict.lost_utterances.append((call_sid, speaker, item_id, text))
                elif found.strip() != text.strip():
                    verdict.text_differs.append((call_sid, speaker, item_id, f"{found!r}"))
    return verdict
