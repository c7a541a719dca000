"""The compose file keeps the API off the network, and the README shows its exact commands."""

import shlex
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_the_api_is_published_on_the_loopback_interface_only():
    ports = _services()["api"]["ports"]
    assert ports and all(str(p).startswith("127.0.0.1:") for p in ports), ports


def test_the_tls_proxy_runs_the_command_the_readme_shows():
    command = _services()["proxy"]["command"]
    readme = (ROOT / "README.md").read_text()
    shown = [line for line in readme.splitlines() if line.startswith("caddy reverse-proxy")]
    assert len(shown) == 1
    assert shlex.split(shown[0]) == command
    assert {"80:80", "443:443"} <= set(_services()["proxy"]["ports"])


def test_the_api_believes_forwarded_headers_from_the_compose_proxy_only():
    services = _services()
    trusted = services["api"]["environment"]["FORWARDED_ALLOW_IPS"]
    assert trusted != "*"
    assert trusted == services["proxy"]["networks"]["edge"]["ipv4_address"]
    assert "edge" in services["api"]["networks"]
