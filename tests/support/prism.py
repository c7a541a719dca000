"""Stoplight Prism serving Twilio's OpenAPI spec, as a stand-in Twilio for contract tests.

Prism validates each request against the spec (a text without `To` gets 422) and answers
with the spec's example. The spec lives outside this repository, in
`../shared/twilio-oai/`. Prism itself is installed on first use under `.cache/prism/`.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.ci import in_ci
from tests.support.net import free_port, log_tail

REPO_ROOT = Path(__file__).resolve().parents[2]
TWILIO_SPEC = REPO_ROOT.parent / "shared" / "twilio-oai" / "twilio_api_v2010.json"
# The last Prism release that runs on Node 20.
PRISM_VERSION = "5.14.2"
PRISM_PACKAGE = f"@stoplight/prism-cli@{PRISM_VERSION}"
PRISM_PREFIX = REPO_ROOT / ".cache" / "prism"
PRISM_BIN = PRISM_PREFIX / "node_modules" / ".bin" / "prism"
# Measured about 2 s on this spec; a cold machine or a loaded CI runner is far slower.
STARTUP_TIMEOUT_SECONDS = 120.0
_INSTALL_TIMEOUT_SECONDS = 300.0
_START_ATTEMPTS = 3
_MIN_NODE_MAJOR = 18


def _node_major() -> int | None:
    node = shutil.which("node")
    if node is None:
        return None
    try:
        out = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
        return int(out.strip().lstrip("v").split(".")[0])
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def _installed_version() -> str | None:
    manifest = PRISM_PREFIX / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    try:
        version = json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
    return str(version)


def _prism_ready_to_run() -> bool:
    return PRISM_BIN.exists() and _installed_version() == PRISM_VERSION


def prism_unavailable_reason() -> str | None:
    """Why prism_twilio() cannot work here, or None when it can."""
    if not TWILIO_SPEC.is_file():
        return (
            f"Twilio's OpenAPI spec is not at {TWILIO_SPEC} "
            "(the contract tests need ../shared/twilio-oai next to the repository)"
        )
    major = _node_major()
    if major is None:
        return "Node.js is not installed (Prism needs `node` on PATH)"
    if major < _MIN_NODE_MAJOR:
        return f"Node.js {major} is too old for Prism {PRISM_VERSION}"
    if not _prism_ready_to_run() and shutil.which("npm") is None:
        return f"Prism is not installed under {PRISM_PREFIX} and npm is missing to install it"
    return None


def require_prism() -> None:
    """Skip the calling test when Prism cannot run; under CI=true, fail instead."""
    reason = prism_unavailable_reason()
    if reason is None:
        return
    # CI must run the contract tests; a silent skip there would hide a broken image.
    if in_ci():
        pytest.fail(f"Prism is required under CI=true: {reason}")
    pytest.skip(reason)


def install_prism() -> Path:
    """Install Prism under .cache/prism unless that exact version is already there."""
    PRISM_PREFIX.mkdir(parents=True, exist_ok=True)
    # A lock file, so parallel test processes do not run npm into the same folder at once.
    with open(PRISM_PREFIX / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _prism_ready_to_run():
            npm = shutil.which("npm")
            if npm is None:
                raise RuntimeError("npm is needed to install Prism")
            cmd = [
                npm,
                "install",
                "--prefix",
                str(PRISM_PREFIX),
                PRISM_PACKAGE,
                "--no-audit",
                "--no-fund",
            ]
            res = subprocess.run(
                cmd,
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
                timeout=_INSTALL_TIMEOUT_SECONDS,
                check=False,
            )
            if res.returncode != 0 or not _prism_ready_to_run():
                raise RuntimeError(
                    f"`{' '.join(cmd)}` failed ({res.returncode}):\n{res.stdout}\n{res.stderr}"
                )
    return PRISM_BIN


def _answers(base_url: str) -> bool:
    """Any HTTP answer at all (Prism says 404 for `/`) means it is listening."""
    # No proxies: an HTTP(S)_PROXY in the environment must not intercept loopback.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(base_url + "/", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


class _Prism:
    def __init__(self, binary: Path, spec: Path, log: Path) -> None:
        self.binary = binary
        self.spec = spec
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.base_url = ""

    def start(self) -> None:
        for attempt in range(1, _START_ATTEMPTS + 1):
            port = free_port()
            self.base_url = f"http://127.0.0.1:{port}"
            log_size = self.log.stat().st_size if self.log.exists() else 0
            with open(self.log, "ab") as log:
                # Own session: stop() then ends Prism and anything it spawned, and nothing else.
                self.process = subprocess.Popen(
                    [str(self.binary), "mock", "-h", "127.0.0.1", "-p", str(port), str(self.spec)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=REPO_ROOT,
                    start_new_session=True,
                )
            if self._wait_until_listening():
                return
            with open(self.log, errors="replace") as f:
                f.seek(log_size)
                this_attempt = f.read()
            self.stop()
            if "EADDRINUSE" in this_attempt and attempt < _START_ATTEMPTS:
                continue
            raise RuntimeError(
                f"Prism did not start on {self.base_url} within {STARTUP_TIMEOUT_SECONDS:.0f} s "
                f"--- tail of {self.log} ---\n{log_tail(self.log, missing='(no Prism log)')}"
            )

    def _wait_until_listening(self) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if _answers(self.base_url):
                return True
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        """Idempotent; safe to call from atexit."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue


@contextmanager
def prism_twilio() -> Iterator[str]:
    """Run Prism mocking Twilio's 2010-04-01 API; yield its base URL, e.g.
    'http://127.0.0.1:PORT', to use as TwilioGateway's api_base_url; stop it afterwards."""
    reason = prism_unavailable_reason()
    if reason is not None:
        raise RuntimeError(reason)
    binary = install_prism()
    workdir = Path(tempfile.mkdtemp(prefix="mild-prism-"))
    prism = _Prism(binary, TWILIO_SPEC, workdir / "prism.log")
    atexit.register(prism.stop)
    try:
        prism.start()
        yield prism.base_url
    finally:
        atexit.unregister(prism.stop)
        prism.stop()
        shutil.rmtree(workdir, ignore_errors=True)
