"""The cached greeting in the admin: listen to it per voice and model, or have it recorded again."""

from __future__ import annotations

import base64
import io
import wave

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from calls.live.audio import ulaw_decode
from calls.live.greeting_cache import CachedGreeting, cache_for


def greeting_cache():
    """This process's greeting cache, or None when it is switched off."""
    return cache_for(settings.GREETING_CACHE_DIR)


def cached_greetings_html(version) -> str:
    """A player per cached greeting of the version (voice, model, format), or a note."""
    cache = greeting_cache()
    found = cache.for_version(version.pk) if cache and version.pk else []
    if not found:
        return _("Not recorded yet: the next call records it.")
    return format_html_join(
        "",
        '<div class="cached-greeting">{} · {} · {}<br><audio controls preload="none" src="{}">'
        "</audio></div>",
        ((g.key.voice, g.key.model, g.key.audio_format, wav_url(version.pk, g)) for g in found),
    )


def wav_url(version_id: int, greeting: CachedGreeting) -> str:
    """The admin URL that plays one cached greeting."""
    name = greeting.key.filename().removesuffix(".json")
    return reverse("admin:prompts_promptversion_greeting", args=[version_id, name])


def greeting_wav(request, version_id: int, name: str) -> HttpResponse:
    """One cached greeting as a WAV file (mono, 16-bit)."""
    cache = greeting_cache()
    found = [
        g
        for g in (cache.for_version(version_id) if cache else [])
        if g.key.filename() == f"{name}.json"
    ]
    if not found:
        raise Http404("no such cached greeting")
    return HttpResponse(to_wav(found[0]), content_type="audio/wav")


def to_wav(greeting: CachedGreeting) -> bytes:
    """The greeting's chunks joined into a WAV: mu-law 8 kHz decoded, or PCM16 24 kHz as is."""

    raw = b"".join(base64.b64decode(chunk) for chunk in greeting.chunks)
    pcmu = greeting.key.audio_format == "pcmu"
    frames = ulaw_decode(raw).tobytes() if pcmu else raw
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000 if pcmu else 24000)
        wav.writeframes(frames)
    return out.getvalue()


def forget(versions) -> int:
    """Drop the cached greetings of these versions; how many files went."""
    cache = greeting_cache()
    return sum(cache.forget_version(v.pk) for v in versions) if cache else 0
