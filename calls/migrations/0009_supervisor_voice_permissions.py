"""Supervisor voice: the rights to listen to a live call and to take it over from the AI."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("calls", "0008_merge_compliance_call_owner")]

    operations = [
        migrations.AlterModelOptions(
            name="call",
            options={
                "ordering": ["-started_at"],
                "permissions": [
                    ("control_call", "Can hang up, transfer and coach live calls"),
                    ("listen_recording", "Can listen to call recordings"),
                    ("view_unredacted", "Can read unredacted transcripts (every read is logged)"),
                    ("listen_call", "Can listen to live calls"),
                    ("take_over_call", "Can take a live call over from the AI and hand it back"),
                ],
                "verbose_name": "call",
                "verbose_name_plural": "calls",
            },
        ),
    ]
