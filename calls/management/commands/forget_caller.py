"""Delete every call's personal data for one phone number (a data subject's request)."""

from django.core.management.base import BaseCommand, CommandError

from calls.compliance.forget import forget_caller


class Command(BaseCommand):
    """`manage.py forget_caller +821012345678`."""

    help = (
        "Delete the transcripts, events, recordings and number of every call from a number, "
        "leaving an audit entry without the number."
    )

    def add_arguments(self, parser):
        """The caller's number, in E.164 or domestic form."""
        parser.add_argument("number")

    def handle(self, *args, number, **options):
        """Forget the caller and report how much was deleted."""
        try:
            audit = forget_caller(number, via="command")
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"forgot {audit.calls} call(s): {audit.utterances} utterance(s), "
            f"{audit.events} event(s), {audit.recordings} recording(s) deleted "
            f"(audit entry {audit.pk})"
        )
