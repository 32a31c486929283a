"""`manage.py staff_account NAME`: create or reset a staff account and print its password."""

from django.core.management.base import BaseCommand

from calls.demo.accounts import ensure_staff_account


class Command(BaseCommand):
    """Create or reset a staff member who may watch and control calls."""

    help = "Create or reset a staff account (with the call-control right); prints its password."

    def add_arguments(self, parser):
        """Name, optional password, rights."""
        parser.add_argument("username")
        parser.add_argument("--password", help="default: a new random password")
        parser.add_argument("--no-control", action="store_true", help="without calls.control_call")
        parser.add_argument("--superuser", action="store_true")
        parser.add_argument(
            "--voice", action="store_true", help="with calls.listen_call and calls.take_over_call"
        )

    def handle(self, *args, **options):
        """Print the password (the only place it is shown)."""
        password = ensure_staff_account(
            options["username"],
            options["password"],
            control=not options["no_control"],
            superuser=options["superuser"],
            voice=options["voice"],
        )
        self.stdout.write(password)
