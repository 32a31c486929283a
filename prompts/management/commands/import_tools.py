"""`manage.py import_tools --profile NAME FILE.json`: create or update a profile's tools."""

import json

from django.core.management.base import BaseCommand, CommandError

from prompts.models import AgentProfile
from prompts.tool_files import import_tools


class Command(BaseCommand):
    help = "Import a profile's business tools from a JSON list (idempotent by name)."

    def add_arguments(self, parser):
        """The profile and the file."""
        parser.add_argument("--profile", required=True, help="the agent profile's name")
        parser.add_argument("file", help="a JSON file holding a list of tool objects")

    def handle(self, *args, **options):
        """Validate each tool as the admin does; report created, changed, unchanged, refused."""
        profile = AgentProfile.objects.filter(name=options["profile"]).first()
        if profile is None:
            raise CommandError(f"no agent profile named {options['profile']!r}")
        try:
            with open(options["file"], encoding="utf-8") as handle:
                items = json.load(handle)
        except (OSError, ValueError) as error:
            raise CommandError(f"cannot read {options['file']}: {error}") from error
        report = import_tools(profile, items)
        for word, names in (
            ("created", report.created),
            ("changed", report.changed),
            ("unchanged", report.unchanged),
        ):
            for name in names:
                self.stdout.write(f"{word}: {name}")
        for name, problems in report.refused.items():
            for problem in problems:
                self.stderr.write(f"refused: {name}: {problem}")
        if report.refused:
            raise CommandError(f"{len(report.refused)} tool(s) refused; the others were imported")
