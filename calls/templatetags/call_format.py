"""Template filters for call figures: durations as m:ss, costs with their currency."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()
SYMBOLS = {"USD": "$", "KRW": "₩", "EUR": "€"}


@register.filter
def mmss(seconds) -> str:
    """Seconds as m:ss (h:mm:ss past an hour); a dash when unknown."""
    if seconds is None or seconds == "":
        return "–"
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


@register.filter
def money(value, currency: str = "") -> str:
    """A cost with its currency symbol (4 decimals for cents, none for won); a dash when unknown."""
    if value is None or value == "":
        return "–"
    amount = Decimal(str(value))
    symbol = SYMBOLS.get(currency, f"{currency} " if currency else "")
    if currency == "KRW":
        return f"{symbol}{amount:,.0f}"
    return f"{symbol}{amount:,.4f}"
