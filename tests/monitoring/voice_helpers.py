"""Supervisor-voice test helpers: tones, their pitch, a monitor socket read in the background."""

from __future__ import annotations

import asyncio
import json

import numpy as np
from channels.db import database_sync_to_async
from django.contrib.auth.models import Permission

from calls.live.audio import ulaw_decode, ulaw_encode
from calls.live.protocol import listen_audio

RATE = 8000


def tone_ulaw(hz: float, ms: int, dbfs: float = -16.0) -> bytes:
    """A sine as 8 kHz mu-law."""
    t = np.arange(ms * RATE // 1000) / RATE
    amplitude = 32767 * 10 ** (dbfs / 20)
    return ulaw_encode(np.round(amplitude * np.sin(2 * np.pi * hz * t)).astype(np.int16))


def dominant_hz(ulaw: bytes) -> float:
    """The strongest frequency in some mu-law audio (0 for silence)."""
    samples = ulaw_decode(ulaw).astype(np.float64)
    if not samples.size or not samples.any():
        return 0.0
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.fft.rfftfreq(samples.size, 1 / RATE)[int(np.argmax(spectrum))])


def level_at(ulaw: bytes, hz: float) -> float:
    """Relative energy of one frequency in the audio (Goertzel-like, via the FFT bin)."""
    samples = ulaw_decode(ulaw).astype(np.float64)
    if not samples.size:
        return 0.0
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    freqs = np.fft.rfftfreq(samples.size, 1 / RATE)
    near = np.abs(freqs - hz) <= 15
    return float(spectrum[near].max() / samples.size) if near.any() else 0.0


async def user_with(django_user_model, username: str, *codenames: str):
    """A staff member who may watch calls, with these call permissions too."""

    def create():
        user = django_user_model.objects.create_user(
            username=username, password=f"pw-{username}-1", is_staff=True
        )
        for codename in ("view_call", *codenames):
            user.user_permissions.add(Permission.objects.get(codename=codename))
        return user

    return await database_sync_to_async(create)()


class SocketReader:
    """Reads a monitor socket (WebsocketCommunicator) in the background: JSON and audio apart."""

    def __init__(self, socket):
        self.socket = socket
        self.messages: list[dict] = []
        self.frames: list[listen_audio.AudioFrame] = []
        self.arrived = asyncio.Event()
        self.task = asyncio.ensure_future(self.read())

    async def read(self) -> None:
        while True:
            output = await self.socket.output_queue.get()
            if output.get("type") != "websocket.send":
                continue
            if output.get("bytes") is not None:
                self.frames.append(listen_audio.unpack(output["bytes"]))
            else:
                self.messages.append(json.loads(output["text"]))
            self.arrived.set()

    async def wait_for(self, predicate, within: float = 10.0):
        """Wait until predicate(self) holds; returns its value."""
        async with asyncio.timeout(within):
            while not (value := predicate(self)):
                self.arrived.clear()
                await self.arrived.wait()
        return value

    def message(self, **fields) -> dict | None:
        """The first JSON message with these fields."""
        for message in self.messages:
            if all(message.get(key) == value for key, value in fields.items()):
                return message
        return None

    def audio(self, channel: int) -> bytes:
        """Everything received on one channel, in order."""
        return b"".join(f.ulaw for f in self.frames if f.channel == channel)

    async def send(self, message: dict) -> None:
        await self.socket.send_json_to(message)

    async def close(self) -> None:
        self.task.cancel()
        await self.socket.disconnect()
