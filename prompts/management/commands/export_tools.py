"""`manage.py export_tools --profile NAME`: print a profile's tools as a JSON list."""

import json

from django.core.management.base import BaseCommand, CommandError

from prompts.models import AgentProfile
from prompts.tool_files import export_tools


class Command(BaseCommand):
    help = "Print a profile's business tools as JSON (secrets stay ${ENV_NAME} references)."

    def add_arguments(self, parser):
        """The profile."""
        parser.add_argument("--profile", required=True, help="the agent profile's name")

    def handle(self, *args, **options):
        """Write the JSON list to stdout."""
        profile = AgentProfile.objects.filter(name=options["profile"]).first()
        if profile is None:
            raise CommandError(f"no agent profile named {options['profile']!r}")
        self.stdout.write(json.dumps(export_tools(profile), ensure_ascii=False, indent=2))
