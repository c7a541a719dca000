"""A throwaway PostgreSQL server for the test suite, started from the installed binaries.

Each server lives in its own temp dir (data, Unix socket, log), listens only on loopback
with trust auth, and is torn down -- process stopped, files deleted -- when the context
exits, even if the body raises.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from tests.support.net import free_port, log_tail

SUPERUSER = "postgres"
DATABASE = "reminders"
# PostgreSQL refuses to run as root, so as root we drop to this system account.
SYSTEM_USER = "postgres"
_START_ATTEMPTS = 3

# Durability is irrelevant for a throwaway server; turning it off makes DDL-heavy suites
# much faster. max_connections leaves room for pools in multi-process tests. No
# autovacuum: tests are short, and statistics only appear where a test runs ANALYZE
# itself (so `reset_postgres` can tell a database that needs a fresh copy).
_SERVER_SETTINGS = (
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
    "-c full_page_writes=off -c max_connections=200 -c shared_buffers=128MB "
    "-c autovacuum=off"
)
# The benchmarks keep PostgreSQL's durable defaults (fsync, synchronous_commit and
# full_page_writes on); only these differ from a fresh initdb, and RESULTS.md names them.
DURABLE_SERVER_SETTINGS = "-c listen_addresses=127.0.0.1 -c max_connections=200"


def _version_key(bin_dir: str) -> tuple[int, ...]:
    name = Path(bin_dir).parent.name  # /usr/lib/postgresql/<version>/bin
    return tuple(int(p) for p in name.split(".") if p.isdigit())


def _find_bin_dir() -> Path | None:
    """A directory holding both initdb and pg_ctl (PATH first, then Debian's layout)."""
    candidates: list[str] = []
    initdb = shutil.which("initdb")
    if initdb:
        # Resolve symlinks: pg_ctl must come from the same installation as initdb.
        candidates.append(os.path.dirname(os.path.realpath(initdb)))
    # Debian's `apt-get install postgresql` installs here, off PATH; prefer the newest.
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    for d in candidates:
        if all(os.access(os.path.join(d, b), os.X_OK) for b in ("initdb", "pg_ctl")):
            return Path(d)
    return None


def _running_as_root() -> bool:
    return os.geteuid() == 0


def postgres_available() -> tuple[bool, str]:
    """Whether throwaway_postgres() can work here; the reason string explains a False."""
    if _find_bin_dir() is None:
        return False, "initdb/pg_ctl not found on PATH or under /usr/lib/postgresql/*/bin"
    if _running_as_root():
        if shutil.which("runuser") is None and shutil.which("su") is None:
            return False, "running as root but neither runuser nor su is available"
        try:
            pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            if shutil.which("useradd") is None:
                return False, f"running as root, no {SYSTEM_USER!r} user and no useradd"
    return True, ""


def _system_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        pass
    try:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", SYSTEM_USER],
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or exc
        raise RuntimeError(
            f"PostgreSQL will not run as root and there is no {SYSTEM_USER!r} user; "
            f"creating one with useradd failed: {detail}"
        ) from exc
    return pwd.getpwnam(SYSTEM_USER)


def _as_server_user(cmd: list[str]) -> list[str]:
    if not _running_as_root():
        return cmd
    if shutil.which("runuser"):
        return ["runuser", "-u", SYSTEM_USER, "--", *cmd]
    # -s: the account's login shell may be nologin.
    return ["su", SYSTEM_USER, "-s", "/bin/sh", "-c", shlex.join(cmd)]


def _run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # cwd matters as root: the server user may not be able to enter the caller's cwd.
    return subprocess.run(
        _as_server_user(cmd),
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )


class _Server:
    def __init__(self, settings: str = _SERVER_SETTINGS) -> None:
        self.settings = settings
        self.bin_dir = _find_bin_dir()
        if self.bin_dir is None:
            raise RuntimeError(postgres_available()[1])
        # mkdtemp gives 0700; open it up so the server user can reach its subdirs.
        self.root = Path(tempfile.mkdtemp(prefix="mild-pg-"))
        self.root.chmod(0o755)
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.port = 0
        self.log = self.root / "server.log"

    def _bin(self, name: str) -> str:
        assert self.bin_dir is not None
        return str(self.bin_dir / name)

    def _pg_ctl(self, *args: str) -> subprocess.CompletedProcess[str]:
        return _run([self._bin("pg_ctl"), "-D", str(self.data), *args], self.root)

    def prepare(self) -> None:
        for d in (self.data, self.sockets):
            d.mkdir(mode=0o700)
        self.log.touch()
        if _running_as_root():
            user = _system_user()
            for p in (self.data, self.sockets, self.log):
                os.chown(p, user.pw_uid, user.pw_gid)
        # initdb insists on 0700 and mkdir's mode is subject to the umask.
        self.data.chmod(0o700)
        res = _run(
            [
                self._bin("initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                SUPERUSER,
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            self.root,
        )
        if res.returncode != 0:
            raise RuntimeError(f"initdb failed ({res.returncode}):\n{res.stdout}\n{res.stderr}")

    def start(self, *, same_port: bool = False) -> None:
        for attempt in range(1, _START_ATTEMPTS + 1):
            if not same_port:
                self.port = free_port()
            log_size = self.log.stat().st_size
            opts = f"-p {self.port} -k {shlex.quote(str(self.sockets))} {self.settings}"
            res = self._pg_ctl("start", "-w", "-t", "60", "-l", str(self.log), "-o", opts)
            if res.returncode == 0:
                return
            with open(self.log, errors="replace") as f:
                f.seek(log_size)
                this_attempt = f.read()
            if "Address already in use" in this_attempt and attempt < _START_ATTEMPTS:
                continue
            raise RuntimeError(
                f"PostgreSQL failed to start on port {self.port} "
                f"(pg_ctl exit {res.returncode}): {res.stderr.strip()}\n"
                f"--- tail of the server log ---\n{log_tail(self.log, missing='(no server log)')}"
            )

    def create_database(self) -> None:
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')

    def url(self) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{DATABASE}"

    def _running_pid(self) -> int | None:
        try:
            return int((self.data / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        """Idempotent; safe to call from atexit after a half-finished start."""
        if self._running_pid() is not None:
            for mode in ("fast", "immediate"):
                res = self._pg_ctl("stop", "-w", "-t", "30", "-m", mode)
                if res.returncode == 0:
                    break
            else:
                # Last resort: deleting the data dir under a live server would leave it
                # holding the port until the machine reboots.
                self._kill()
        shutil.rmtree(self.root, ignore_errors=True)

    def _kill(self) -> None:
        pid = self._running_pid()
        if pid is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
            for _ in range(100):
                os.kill(pid, 0)  # raises ProcessLookupError once it is gone
                time.sleep(0.05)


_RUNNING: dict[str, _Server] = {}


def restart_postgres(url: str) -> None:
    """Restart the throwaway server behind `url` (fast shutdown: open sessions are cut)."""
    server = _RUNNING[url]
    res = server._pg_ctl("restart", "-w", "-t", "60", "-m", "fast", "-l", str(server.log))
    if res.returncode != 0:
        raise RuntimeError(f"pg_ctl restart failed: {res.stderr.strip()}")


@contextmanager
def throwaway_postgres(*, durable: bool = False) -> Iterator[str]:
    """Start a fresh PostgreSQL server from the installed binaries; yield a SQLAlchemy URL
    like 'postgresql+psycopg://USER@127.0.0.1:PORT/reminders'; stop it and delete its files
    afterwards. `durable` keeps fsync and friends on (the benchmarks)."""
    server = _Server(DURABLE_SERVER_SETTINGS if durable else _SERVER_SETTINGS)
    # A run killed by Ctrl-C still unwinds the finally below, but this also covers paths
    # that skip it (e.g. sys.exit from a non-main thread, generator never closed).
    atexit.register(server.stop)
    try:
        server.prepare()
        server.start()
        server.create_database()
        _RUNNING[server.url()] = server
        yield server.url()
    finally:
        _RUNNING.pop(server.url(), None)
        atexit.unregister(server.stop)
        server.stop()


@contextmanager
def server_down(url: str) -> Iterator[None]:
    """Stop the server behind `url` (an outage), then start it again on the same port."""
    server = _RUNNING[url]
    res = server._pg_ctl("stop", "-w", "-t", "30", "-m", "fast")
    if res.returncode != 0:
        raise RuntimeError(f"pg_ctl stop failed: {res.stderr.strip()}")
    try:
        yield
    finally:
        server.start(same_port=True)


def reset_database(url: str) -> None:
    """Drop everything the previous test module created. Dispose other engines first:
    DROP SCHEMA waits for locks held by any open transaction on these tables."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
