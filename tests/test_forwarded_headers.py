"""X-Forwarded-For is believed only from the proxies FORWARDED_ALLOW_IPS names (none by
default): a client cannot pick the address the login and API-key throttles count.
SQLite and PostgreSQL."""

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from service import api_processes, cli
from service.config import Settings
from tests.support.apps import bound_app
from tests.support.console_server import csrf_token_of

GUESS = "mr_guessed-key-that-does-not-exist-0123456789"
PROXY = ("10.9.8.7", 443)


def _guess(client: TestClient, n: int, forwarded_for: str) -> int:
    headers = {"Authorization": f"Bearer {GUESS}{n}", "X-Forwarded-For": forwarded_for}
    return client.get("/v1/reminders", headers=headers).status_code


def test_by_default_a_local_client_cannot_choose_its_address_with_a_header(settings, engine, clock):
    assert settings.forwarded_allow_ips == []
    # 127.0.0.1 was trusted by default once: any local program named its own address.
    local = TestClient(bound_app(settings, engine, clock), client=("127.0.0.1", 5))
    limit = settings.auth_failures_per_minute
    answers = [_guess(local, n, f"203.0.113.{n}") for n in range(limit + 1)]
    assert answers == [401] * limit + [429]


def test_a_console_login_guesser_is_counted_by_its_own_address(settings, engine, clock):
    local = TestClient(bound_app(settings, engine, clock), client=("127.0.0.1", 5))
    statuses = []
    for n in range(settings.login_max_failures_per_address + 1):
        token = csrf_token_of(local.get("/login").text)
        answer = local.post(
            "/login",
            data={
                "email": f"someone{n}@lakeside.test",
                "password": "wrong password",
                "csrf_token": token,
            },
            headers={"X-Forwarded-For": f"198.51.100.{n}"},
            follow_redirects=False,
        )
        statuses.append(answer.status_code)
    assert statuses[-1] == 429 and set(statuses[:-1]) == {400}


def test_behind_the_named_proxy_each_client_is_counted_by_its_forwarded_address(
    settings, engine, clock, staff
):
    behind = settings.model_copy(update={"forwarded_allow_ips_text": "10.9.8.0/24"})
    app = bound_app(behind, engine, clock)
    proxy = TestClient(app, client=PROXY)
    limit = settings.auth_failures_per_minute
    assert [_guess(proxy, n, "203.0.113.9") for n in range(limit + 1)][-1] == 429
    # A colleague behind the same proxy is not punished for it...
    assert _guess(proxy, 0, "198.51.100.7") == 401
    assert (
        proxy.get("/v1/reminders", headers={**staff, "X-Forwarded-For": "198.51.100.7"}).status_code
        == 200
    )
    # ...and a client that is not the proxy is counted as itself, whatever it writes.
    stranger = TestClient(app, client=("192.0.2.50", 5))
    answers = [_guess(stranger, n, f"198.51.100.{n}") for n in range(limit + 1)]
    assert answers == [401] * limit + [429]


def test_a_mistyped_proxy_address_is_refused_at_start():
    with pytest.raises(ValidationError, match="FORWARDED_ALLOW_IPS: 'proxy' is not an IP"):
        Settings(_env_file=None, forwarded_allow_ips="10.0.0.2, proxy")  # type: ignore[call-arg]
    assert Settings(_env_file=None, forwarded_allow_ips="*").forwarded_allow_ips == ["*"]  # type: ignore[call-arg]


def test_uvicorn_itself_never_reads_forwarded_headers(settings, monkeypatch):
    import uvicorn

    seen: list[dict] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.append(kwargs))
    cli.serve(settings, with_worker=False)

    class Server:
        def __init__(self, config):
            seen.append({"proxy_headers": config.proxy_headers})

        def run(self, sockets):
            for sock in sockets:
                sock.close()

    monkeypatch.setattr(uvicorn, "Server", Server)
    api_processes._serve_one("127.0.0.1", 0)
    assert [s["proxy_headers"] for s in seen] == [False, False]
