"""History search and filters for the call list, shared by the history page and the API.

Pages use a keyset cursor (older than the last row shown) instead of COUNT and OFFSET, so a page
of a table with millions of calls costs one indexed range scan.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from calls.models import Call, CallStatus, EndReason, Sentiment, Utterance
from prompts.models import AgentProfile

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Dates outside this range are a form error: the day after 9999-12-31 does not exist, and
# midnight of 0001-01-01 in Seoul is before the first representable UTC instant.
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = dt.date(2999, 12, 31)
MAX_ROW_ID = 2**63 - 1


def date_in_range(day: dt.date) -> None:
    """Refuse a date the filters cannot turn into a time range (form error, never a 500)."""
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise forms.ValidationError(
            _("Enter a date between %(earliest)s and %(latest)s."),
            params={"earliest": EARLIEST_DATE.isoformat(), "latest": LATEST_DATE.isoformat()},
        )


class CallFilterForm(forms.Form):
    """What the history page and GET /api/calls/ accept; every field is optional."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("any"))] + CallStatus.choices
    )
    end_reason = forms.ChoiceField(
        label=_("End reason"), required=False, choices=[("", _("any"))] + EndReason.choices
    )
    profile = forms.ModelChoiceField(
        label=_("Profile"),
        required=False,
        queryset=AgentProfile.objects.all(),
        empty_label=_("any"),
    )
    category = forms.CharField(label=_("Category"), required=False, max_length=50)
    resolved = forms.TypedChoiceField(
        label=_("Resolved"),
        required=False,
        choices=[("", _("any")), ("true", _("Yes")), ("false", _("No"))],
        coerce=lambda value: value == "true",
        empty_value=None,
    )
    sentiment = forms.ChoiceField(
        label=_("Sentiment"), required=False, choices=[("", _("any"))] + Sentiment.choices
    )
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[date_in_range],
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[date_in_range],
    )
    cursor = forms.CharField(required=False, widget=forms.HiddenInput)
    limit = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, widget=forms.HiddenInput
    )

    def clean_cursor(self):
        """Decode the cursor into (started_at, id); a tampered cursor is a form error."""
        raw = self.cleaned_data["cursor"]
        if not raw:
            return None
        try:
            return decode_cursor(raw)
        except ValueError as error:
            raise forms.ValidationError(_("Invalid page cursor.")) from error


def local_day_start(day: dt.date) -> dt.datetime:
    """Midnight of a date in the server's time zone (Asia/Seoul)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


LAST_DIGITS = 4


def caller_number_match(text: str, reveal: bool) -> Q:
    """Calls whose caller number this search text finds, for a viewer who may or may not see it.

    A viewer who sees masked numbers may find a caller only by the whole number or by the last
    four digits (what the mask shows): a substring search would let them recover a full number
    a few digits at a time.
    """
    if reveal:
        return Q(from_number__contains=text)
    matches = Q(from_number=text)
    if len(text) == LAST_DIGITS and text.isdigit():
        matches |= Q(from_number__endswith=text)
    return matches


def search(queryset: QuerySet, text: str, reveal: bool = False) -> QuerySet:
    """Calls whose number or SID matches, or whose transcript contains the text."""
    text = text.strip()
    if not text:
        return queryset
    said = Utterance.objects.filter(call=OuterRef("pk"), text__icontains=text)
    matches = Q(call_sid=text) | caller_number_match(text, reveal) | Q(to_number__contains=text)
    if text.upper().startswith("CA"):
        matches |= Q(call_sid__startswith=text)
    return queryset.filter(matches | Exists(said))


def filter_calls(filters: dict, reveal: bool = False) -> QuerySet:
    """The calls matching a cleaned CallFilterForm, newest first; `reveal`: full-number search."""
    calls = Call.objects.select_related("profile", "prompt_version").order_by("-started_at", "-id")
    calls = search(calls, filters.get("q") or "", reveal)
    if filters.get("status"):
        calls = calls.filter(status=filters["status"])
    if filters.get("end_reason"):
        calls = calls.filter(end_reason=filters["end_reason"])
    if filters.get("profile"):
        calls = calls.filter(profile=filters["profile"])
    if filters.get("category"):
        calls = calls.filter(category=filters["category"].strip())
    if filters.get("resolved") is not None:
        calls = calls.filter(resolved=filters["resolved"])
    if filters.get("sentiment"):
        calls = calls.filter(sentiment=filters["sentiment"])
    if filters.get("date_from"):
        calls = calls.filter(started_at__gte=local_day_start(filters["date_from"]))
    if filters.get("date_to"):
        next_day = filters["date_to"] + dt.timedelta(days=1)
        calls = calls.filter(started_at__lt=local_day_start(next_day))
    return calls


def encode_cursor(call: Call) -> str:
    """An opaque cursor pointing just past this call."""
    raw = f"{call.started_at.isoformat()}|{call.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(raw: str) -> tuple[dt.datetime, int]:
    """The (started_at, id) a cursor points past; ValueError when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        when, pk = text.split("|")
        started_at = dt.datetime.fromisoformat(when)
        if started_at.tzinfo is None or not 0 < int(pk) <= MAX_ROW_ID:
            raise ValueError("bad cursor")
        started_at = started_at.astimezone(dt.UTC)  # one the database can compare (no overflow)
    except (ValueError, UnicodeDecodeError, OverflowError) as error:
        raise ValueError("bad cursor") from error
    return started_at, int(pk)


@dataclass
class CallPage:
    """One page of calls and the cursor of the next (older) page, if any."""

    calls: list[Call]
    next_cursor: str | None


def page_of(calls: QuerySet, cursor: tuple[dt.datetime, int] | None, limit: int) -> CallPage:
    """The page after the cursor (or the first), fetching one extra row to know if more exist."""
    if cursor:
        started_at, pk = cursor
        calls = calls.filter(Q(started_at__lt=started_at) | Q(started_at=started_at, id__lt=pk))
    rows = list(calls[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return CallPage(rows, encode_cursor(rows[-1]) if more and rows else None)
