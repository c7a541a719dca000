"""Small helpers for the servers the tests start on loopback."""

import socket
from pathlib import Path


def free_port() -> int:
    """A loopback port free right now; racy, so callers that bind later retry."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def log_tail(path: Path, lines: int = 30, missing: str = "(no log)") -> str:
    """The last lines of a server's log, for an error message."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return missing
