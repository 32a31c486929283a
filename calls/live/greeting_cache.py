"""The agent's greeting audio, kept on disk per (prompt version, voice, model, audio format).

A prompt version's greeting text never changes, so its audio need not either: the first call
that speaks it records the audio, and later calls play it to the caller as soon as their stream
is verified, while the Realtime session is still being set up. A new version, voice, model or
audio format is a new key, so stale audio is never reused. Files survive a restart; a few are
also kept in memory. Pure file I/O (no Django); callers run load/save in a thread.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path

MEMORY_ENTRIES = 32


@dataclass(frozen=True)
class GreetingKey:
    """What the greeting audio depends on."""

    prompt_version_id: int
    voice: str
    model: str
    audio_format: str

    def filename(self) -> str:
        """A stable file name for the key."""
        raw = json.dumps(asdict(self), sort_keys=True).encode()
        return f"v{self.prompt_version_id}-{hashlib.sha256(raw).hexdigest()[:20]}.json"


@dataclass(frozen=True)
class CachedGreeting:
    """The greeting's text and its audio, as the deltas OpenAI sent (base64)."""

    key: GreetingKey
    text: str
    chunks: tuple[str, ...]


class GreetingCache:
    """Greeting audio files under one directory, with a small in-memory front."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.memory: OrderedDict[GreetingKey, CachedGreeting] = OrderedDict()

    def load(self, key: GreetingKey) -> CachedGreeting | None:
        """The cached greeting for a key, or None (a broken file counts as none)."""
        found = self.memory.get(key)
        path = self.directory / key.filename()
        if found is not None:
            if path.exists():  # another process may have forgotten it (admin: record again)
                self.memory.move_to_end(key)
                return found
            del self.memory[key]
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            found = CachedGreeting(key, data["text"], tuple(data["chunks"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if GreetingKey(**data["key"]) != key:
            return None
        self.remember(found)
        return found

    def save(self, greeting: CachedGreeting) -> None:
        """Write atomically (a reader never sees half a file)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        body = {"key": asdict(greeting.key), "text": greeting.text, "chunks": greeting.chunks}
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(body, out)
        os.replace(temporary, self.directory / greeting.key.filename())
        self.remember(greeting)

    def remember(self, greeting: CachedGreeting) -> None:
        """Keep it in memory too (bounded)."""
        self.memory[greeting.key] = greeting
        self.memory.move_to_end(greeting.key)
        while len(self.memory) > MEMORY_ENTRIES:
            self.memory.popitem(last=False)

    def for_version(self, prompt_version_id: int) -> list[CachedGreeting]:
        """Every cached greeting of one prompt version (any voice, model or format)."""
        found = []
        for path in sorted(self.directory.glob(f"v{prompt_version_id}-*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                key = GreetingKey(**data["key"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            found.append(CachedGreeting(key, data["text"], tuple(data["chunks"])))
        return found

    def forget_version(self, prompt_version_id: int) -> int:
        """Drop a version's greetings (the next call records them again); how many went."""
        removed = 0
        for path in self.directory.glob(f"v{prompt_version_id}-*.json"):
            path.unlink(missing_ok=True)
            removed += 1
        for key in [k for k in self.memory if k.prompt_version_id == prompt_version_id]:
            del self.memory[key]
        return removed


@functools.lru_cache(maxsize=4)
def cache_for(directory: str) -> GreetingCache | None:
    """The process's cache for a folder (one per folder, so its memory is shared); "" is none."""
    return GreetingCache(directory) if directory else None
