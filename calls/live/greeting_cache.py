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


def read(path: Path) -> CachedGreeting | None:
    """One greeting file, or None when it is missing or broken."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return CachedGreeting(GreetingKey(**data["key"]), data["text"], tuple(data["chunks"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


class GreetingCache:
    """Greeting audio files under one directory, with a small in-memory front."""

    def __init__(self, directory: str | Path):
        self.directory = Path(directory)
        self.memory: OrderedDict[GreetingKey, CachedGreeting] = OrderedDict()

    def load(self, key: GreetingKey) -> CachedGreeting | None:
        """The cached greeting for a key, or None (a broken file counts as none)."""
        found = self.recall(key)
        if found is not None:
            return found
        found = read(self.directory / key.filename())
        if found is None or found.key != key:
            return None
        self.remember(found)
        return found

    def recall(self, key: GreetingKey) -> CachedGreeting | None:
        """The greeting if this process holds it in memory and its file is still there.

        Cheap enough for the event loop (one stat); load() reads the file, in a thread.
        """
        found = self.memory.get(key)
        if found is None:
            return None
        if not (self.directory / key.filename()).exists():
            del self.memory[key]
            return None
        self.memory.move_to_end(key)
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
        paths = sorted(self.directory.glob(f"v{prompt_version_id}-*.json"))
        return [greeting for greeting in map(read, paths) if greeting is not None]

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
