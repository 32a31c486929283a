"""Korean compliance: AI notice, personal-data redaction, retention, deletion, access log."""
