"""The deployment files agree with the code: socket paths upgraded, shutdown given its grace."""

import re
from configparser import ConfigParser
from pathlib import Path

import pytest

from arsproject.env import EnvReader
from calls.monitoring.dashboard_views import MONITOR_SOCKET_PATH

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NGINX = (DEPLOY / "nginx" / "ars.conf").read_text()
SOCKET_PATHS = ["/twilio/stream", MONITOR_SOCKET_PATH]


def location(path: str) -> str:
    """The body of the nginx location block for this path (exact or prefix)."""
    match = re.search(r"location\s+(?:=\s+)?" + re.escape(path) + r"\s*\{(?P<body>[^}]*)\}", NGINX)
    assert match, f"no location block for {path}"
    return match.group("body")


def directives(block: str) -> dict[str, str]:
    """`name value;` lines of a block, comments dropped (last one wins)."""
    found = {}
    for line in block.splitlines():
        line = line.split("#", 1)[0].strip().rstrip(";")
        if line:
            name, _, value = line.partition(" ")
            found.setdefault(name, [])
            found[name].append(value.strip())
    return found


def unit(name: str) -> ConfigParser:
    """A systemd unit file, parsed (repeated keys such as ExecStart kept as the last one)."""
    parser = ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def seconds(value: str) -> float:
    """A systemd time span such as 45, 45s, 1min 30s."""
    units = {"": 1, "s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600}
    return sum(
        float(number) * units[suffix]
        for number, suffix in re.findall(r"(\d+(?:\.\d+)?)\s*([a-z]*)", value)
    )


@pytest.mark.parametrize("path", SOCKET_PATHS)
def test_nginx_upgrades_both_websocket_paths(path):
    block = directives(location(path))
    headers = block["proxy_set_header"]
    assert "Upgrade $http_upgrade" in headers
    assert "Connection $connection_upgrade" in headers
    assert "Host $host" in headers and "X-Forwarded-Proto $scheme" in headers  # not inherited
    assert "proxy_http_version 1.1;" in NGINX
    assert block["proxy_buffering"] == ["off"]
    assert seconds(block["proxy_read_timeout"][0]) >= 3600


def test_the_upgrade_map_closes_plain_requests():
    assert re.search(r"map \$http_upgrade \$connection_upgrade \{[^}]*default upgrade;", NGINX)


def test_nginx_redirects_to_https_and_says_so_to_django():
    assert "return 301 https://$host$request_uri;" in NGINX
    assert "X-Forwarded-Proto $scheme" in directives(location("/"))["proxy_set_header"]


def test_nginx_serves_static_files_from_static_root():
    assert "alias /srv/ars/staticfiles/;" in location("/static/")


def upstream_body(name: str) -> str:
    """The body of an nginx upstream block."""
    match = re.search(rf"upstream {name} \{{(?P<body>[^}}]*)\}}", NGINX)
    assert match, f"no upstream {name}"
    return match.group("body")


def test_nginx_balances_over_several_daphne_processes():
    upstream = upstream_body("ars_daphne")
    assert len(re.findall(r"^\s*server 127\.0\.0\.1:\d+", upstream, re.MULTILINE)) >= 2


def test_systemd_waits_longer_than_the_shutdown_grace_before_killing():
    default_grace = EnvReader({}).int("SHUTDOWN_GRACE_SECONDS", 30)
    service = unit("ars-daphne@.service")["Service"]
    assert service["KillSignal"] == "SIGTERM"
    assert seconds(service["TimeoutStopSec"]) > default_grace
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "/etc/ars/ars.env"


def test_each_process_serves_its_own_port_and_never_migrates():
    service = unit("ars-daphne@.service")["Service"]
    assert "%i" in service["ExecStart"] and "migrate" not in service["ExecStart"]
    migrate = unit("ars-migrate.service")["Service"]
    assert migrate["Type"] == "oneshot"
    assert "migrate --noinput" in (DEPLOY / "systemd" / "ars-migrate.service").read_text()
    assert "ars-migrate.service" in unit("ars-daphne@.service")["Unit"]["After"]


def test_the_target_groups_the_processes():
    wants = unit("ars.target")["Unit"]["Wants"]
    assert "ars-migrate.service" in wants
    assert len(re.findall(r"ars-daphne@\d+\.service", wants)) >= 2


def test_calls_are_balanced_by_live_connections_not_by_twilio_address():
    body = upstream_body("ars_daphne")
    assert "least_conn;" in body and "ip_hash" not in body
