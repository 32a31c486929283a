"""A profile's business tools as a JSON list: exported for version control, imported to deploy.

Each object: name, description, parameters (JSON Schema), method, url, headers (secrets as
"${ENV_NAME}"), and optionally label, timeout_ms, filler, filler_delay_ms, max_response_bytes,
enabled. Import validates exactly as the admin does (BusinessTool.full_clean) and is idempotent
by name: a tool is created, changed, left unchanged or refused, and the report says which.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from prompts.models import AgentProfile
from prompts.tool_models import BusinessTool

REQUIRED = ("name", "description", "parameters", "method", "url")
OPTIONAL = (
    "label",
    "headers",
    "timeout_ms",
    "filler",
    "filler_delay_ms",
    "max_response_bytes",
    "enabled",
    "test_arguments",
)


@dataclass
class ImportReport:
    """What an import did, by tool name; `refused` maps a name to the reasons."""

    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: dict[str, list[str]] = field(default_factory=dict)


def export_tools(profile: AgentProfile) -> list[dict]:
    """Every tool of the profile as plain JSON objects, by name."""
    return [
        {key: getattr(tool, key) for key in (*REQUIRED, *OPTIONAL)}
        for tool in profile.tools.order_by("name")
    ]


def import_tools(profile: AgentProfile, items) -> ImportReport:
    """Create or update the profile's tools from JSON objects; each is validated on its own."""
    report = ImportReport()
    if not isinstance(items, list):
        report.refused["(file)"] = ["파일은 도구 객체의 JSON 목록이어야 합니다."]
        return report
    for index, item in enumerate(items):
        name = item.get("name") if isinstance(item, dict) else None
        label = name if isinstance(name, str) and name else f"#{index + 1}"
        problems = shape_problems(item)
        if problems:
            report.refused[label] = problems
            continue
        import_one(profile, item, label, report)
    return report


def shape_problems(item) -> list[str]:
    """Missing or unknown keys."""
    if not isinstance(item, dict):
        return ["도구는 JSON 객체여야 합니다."]
    missing = [key for key in REQUIRED if key not in item]
    unknown = sorted(set(item) - set(REQUIRED) - set(OPTIONAL))
    problems = [f"필수 항목이 없습니다: {key}" for key in missing]
    problems += [f"알 수 없는 항목입니다: {key}" for key in unknown]
    return problems


def import_one(profile: AgentProfile, item: dict, label: str, report: ImportReport) -> None:
    """One tool: validated like the admin, saved only when valid and different."""
    tool = BusinessTool.objects.filter(profile=profile, name=item["name"]).first()
    created = tool is None
    if created:
        tool = BusinessTool(profile=profile)
    before = None if created else export_one(tool)
    for key, value in item.items():
        setattr(tool, key, value)
    try:
        tool.full_clean()
    except ValidationError as error:
        report.refused[label] = [f"{k}: {m}" for k, ms in error.message_dict.items() for m in ms]
        return
    if not created and export_one(tool) == before:
        report.unchanged.append(label)
        return
    with transaction.atomic():
        tool.save()
    (report.created if created else report.changed).append(label)


def export_one(tool: BusinessTool) -> dict:
    """One tool's importable fields."""
    return {key: getattr(tool, key) for key in (*REQUIRED, *OPTIONAL)}
