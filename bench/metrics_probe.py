"""Read a daphne's /metrics (Prometheus text) with a staff API token minted for the bench."""

from __future__ import annotations

import subprocess

from bench.servers import PYTHON, ROOT

ISSUE_TOKEN = """
from django.contrib.auth import get_user_model
from calls.models import ApiToken
users = get_user_model().objects
user, _ = users.get_or_create(username="bench-metrics", defaults={"is_staff": True})
token = ApiToken(name="bench", user=user)
raw = token.issue()
token.save()
print(raw)
"""


def issue_token(env: dict) -> str | None:
    """A bearer token of a staff user in the bench database, None if that cannot be done."""
    result = subprocess.run(
        [str(PYTHON), "manage.py", "shell", "-c", ISSUE_TOKEN],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = result.stdout.strip().splitlines()
    return lines[-1] if result.returncode == 0 and lines else None


async def scrape(http, base_url: str, token: str) -> dict[str, float] | None:
    """Every sample of /metrics as {name{labels}: value}; None when it is not served."""
    async with http.get(
        f"{base_url}/metrics", headers={"Authorization": f"Bearer {token}"}
    ) as response:
        if response.status != 200:
            return None
        text = await response.text()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            try:
                samples[name] = float(value)
            except ValueError:
                continue
    return samples


def histogram_quantile(samples: dict[str, float], name: str, q: float) -> float | None:
    """Upper bound of the bucket holding the q-quantile (0-1) of a histogram, in its unit."""
    buckets = []
    for key, count in samples.items():
        if key.startswith(f"{name}_bucket{{") and 'le="' in key:
            bound = key.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((float("inf") if bound == "+Inf" else float(bound), count))
    buckets.sort()
    total = buckets[-1][1] if buckets else 0
    if not total:
        return None
    for bound, count in buckets:
        if count >= q * total:
            return bound
    return None
