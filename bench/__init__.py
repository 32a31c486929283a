"""Benchmarks that print figures (run them as scripts or with `python -m bench.<name>`)."""
