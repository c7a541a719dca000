"""`reminders api` with API_WORKERS > 1: several uvicorn processes on one port.

Each process opens its own listening socket with SO_REUSEPORT, so the kernel spreads new
connections evenly over the processes. (With uvicorn's own `workers=` the processes
share one socket, and whichever wakes first accepts every pending connection: a burst of
long-lived keep-alive connections can all land on one process, which then runs them on
one core while the others idle.) Platforms without SO_REUSEPORT fall back to uvicorn's
shared-socket workers.

The parent only supervises: it restarts a process that dies and, on SIGINT/SIGTERM,
stops them all (each finishes its in-flight requests first).
"""

import logging
import multiprocessing
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from types import FrameType

log = logging.getLogger("reminders.api")

APP_FACTORY = "service.app:app_from_settings"
_STOP_TIMEOUT_SECONDS = 30.0
_BACKLOG = 2048  # uvicorn's default


def run_api_processes(host: str, port: int, workers: int) -> None:
    import uvicorn

    if not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(
            APP_FACTORY,
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_level="info",
            access_log=False,
            server_header=False,
            # Forwarded headers are read by the app, from FORWARDED_ALLOW_IPS only.
            proxy_headers=False,
        )
        return
    # Fail here, once, if the address is taken (SO_REUSEPORT alone would let us share a
    # port with some other program's reuseport socket).
    _listening_socket(host, port, reuse_port=False).close()

    context = multiprocessing.get_context("spawn")
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes: list[BaseProcess] = []
    try:
        for _ in range(workers):
            processes.append(_start(context, host, port))
        while not stopping:
            time.sleep(0.2)
            for i, process in enumerate(processes):
                if not process.is_alive() and not stopping:
                    log.warning(
                        "API process %s exited (%s); starting another",
                        process.pid,
                        process.exitcode,
                    )
                    processes[i] = _start(context, host, port)
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn shuts down gracefully
        deadline = time.monotonic() + _STOP_TIMEOUT_SECONDS
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _start(context: multiprocessing.context.SpawnContext, host: str, port: int) -> BaseProcess:
    process = context.Process(target=_serve_one, args=(host, port), daemon=False)
    process.start()
    return process


def _serve_one(host: str, port: int) -> None:
    import uvicorn

    sock = _listening_socket(host, port, reuse_port=True)
    # Listen before the (slow) app import: from now on the kernel gives this process its
    # share of new connections, which wait in the backlog until it is ready. A socket
    # that only listens once its app is loaded would leave every early connection to
    # the first process up.
    sock.listen(_BACKLOG)
    config = uvicorn.Config(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        log_level="info",
        backlog=_BACKLOG,
        # Our own access log masks query values; no server banner for strangers.
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )
    uvicorn.Server(config).run(sockets=[sock])


def _listening_socket(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(False)
    return sock
