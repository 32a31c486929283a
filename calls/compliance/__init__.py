"""Korean privacy compliance: personal-data redaction (pure) and what builds on it."""
