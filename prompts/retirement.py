"""Which models in use (the server default and every profile's) OpenAI has announced to shut down.

Read by the start-up system check, /healthz and the profile admin's banner.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings

from prompts import clock
from prompts.model_catalog import retirement
from prompts.models import AgentProfile

logger = logging.getLogger(__name__)

DEFAULT_SETTING = "OPENAI_REALTIME_MODEL"


@dataclass(frozen=True)
class ModelNotice:
    """One announced shutdown of a model in use, and who uses it."""

    model: str
    kind: str  # "realtime" or "transcription"
    shutdown: datetime.date
    days_left: int
    used_by: tuple[str, ...]

    @property
    def retired(self) -> bool:
        """Whether the shutdown date has come."""
        return self.days_left <= 0

    def describe(self) -> str:
        """One English line for logs, the system check and /healthz."""
        when = (
            f"was shut down on {self.shutdown.isoformat()}"
            if self.retired
            else f"shuts down on {self.shutdown.isoformat()} (in {self.days_left} days)"
        )
        return f"{self.kind} model {self.model} {when}; used by {', '.join(self.used_by)}"


def models_in_use() -> dict[tuple[str, str], list[str]]:
    """(kind, model) → who uses it: the server default and each profile (by name)."""
    default = settings.OPENAI_REALTIME_MODEL
    uses: dict[tuple[str, str], list[str]] = {("realtime", default): [DEFAULT_SETTING]}
    rows = AgentProfile.objects.order_by("name").values_list(
        "name", "realtime_model", "transcription_model"
    )
    for name, realtime_model, transcription_model in rows:
        label = f"profile {name}"
        uses.setdefault(("realtime", realtime_model or default), []).append(label)
        uses.setdefault(("transcription", transcription_model), []).append(label)
    return uses


def notices(
    today: datetime.date | None = None, urgent_only: bool = True, with_profiles: bool = True
) -> list[ModelNotice]:
    """Announced shutdowns among the models in use; by default only the retired or near ones."""
    today = today or clock.today()
    uses = {("realtime", settings.OPENAI_REALTIME_MODEL): [DEFAULT_SETTING]}
    if with_profiles:
        try:
            uses = models_in_use()
        except Exception as error:  # before migrations, database down: never stop a start-up
            logger.info("model retirement check without profiles: %s", error)
    found = []
    for (kind, model), used_by in uses.items():
        ending = retirement(model, today)
        if ending is not None and (ending.urgent or not urgent_only):
            found.append(
                ModelNotice(model, kind, ending.shutdown, ending.days_left, tuple(used_by))
            )
    return sorted(found, key=lambda notice: (notice.days_left, notice.model))


def profile_notices(profile: AgentProfile, today: datetime.date | None = None) -> list:
    """Announced shutdowns of the models this profile's calls use (for the admin banner)."""
    today = today or clock.today()
    models = [profile.effective_realtime_model(), profile.transcription_model]
    return [ending for model in models if (ending := retirement(model, today)) is not None]
