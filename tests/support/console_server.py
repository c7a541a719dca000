"""The real app on a loopback port (uvicorn in a thread), and Debian's chromium for
Playwright. In-process, so a test moves the app's clock by moving the `Clock` it passed."""

from __future__ import annotations

import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import uvicorn
from sqlalchemy import Engine

from service.config import Settings
from service.db import session_scope
from service.users.service import create_user
from tests.support.apps import bound_app
from tests.support.net import free_port

CHROMIUM = "/usr/lib/chromium/chromium"
SERIOUS = ("serious", "critical")


def chromium_path() -> str | None:
    """Debian's chromium (`make test-deps` installs it), or None when missing."""
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    found = shutil.which("chromium")
    return found


def chromium_args() -> list[str]:
    # Chromium refuses to run its sandbox as root (containers, CI machines).
    return ["--no-sandbox"] if os.geteuid() == 0 else []


@dataclass
class RunningApp:
    base_url: str
    settings: Settings
    engine: Engine


@contextmanager
def serve_in_thread(settings: Settings, engine: Engine, clock: object) -> Iterator[RunningApp]:
    """uvicorn serving the app (`bound_app`) on a free port until the block ends."""
    app = bound_app(settings, engine, clock)  # type: ignore[arg-type]
    for _ in range(5):
        port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", loop="asyncio", lifespan="on"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        if server.started:
            break
        server.should_exit = True
        thread.join(5)
    else:
        raise RuntimeError("the console app did not start on a free port")
    try:
        yield RunningApp(f"http://127.0.0.1:{port}", settings, engine)
    finally:
        server.should_exit = True
        thread.join(10)


def csrf_token_of(html: str) -> str:
    """The CSRF token of the first form on a page (for TestClient stories)."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def console_sign_in(client, email: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Sign a TestClient in through the real /login form (cookie and token included)."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


@dataclass(frozen=True)
class Person:
    """Someone with a console account."""

    email: str
    password: str
    name: str
    role: str


ADMIN = Person("ada.admin@lakeside.test", "admin password one", "Ada Okafor", "admin")
STAFF = Person("sam.staff@lakeside.test", "staff password one", "Sam Patel", "staff")


def add_person(engine: Engine, person: Person, now: datetime) -> None:
    """Give `person` a console account."""
    with session_scope(engine) as session:
        create_user(
            session,
            email=person.email,
            name=person.name,
            role=person.role,
            password=person.password,
            now=now,
        )


def sign_in_new_person(client, engine: Engine, person: Person, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """Give `person` a console account and sign `client` in as them."""
    add_person(engine, person, now)
    console_sign_in(client, person.email, person.password)


def console_post(client, path: str, data: dict[str, str], page: str | None = None):  # type: ignore[no-untyped-def]
    """POST a console form with the CSRF token of `page` (by default `path` itself)."""
    token = csrf_token_of(client.get(page or path).text)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)


def serious_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical findings on the page, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(n["target"][0] for n in v["nodes"][:5])
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]


def screenshot_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "docs" / "screenshots"
