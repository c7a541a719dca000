"""The MLLP listener on loopback in a thread, and a plain socket client that sends
frames (whole, split or joined) and reads the ACKs back."""

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine

from service.config import Settings
from service.intake.hl7.handler import Hl7Feed
from service.intake.hl7.listener import Listener

START, END = b"\x0b", b"\x1c\x0d"


def frame(message: str | bytes) -> bytes:
    """A message in its MLLP frame: text as UTF-8, bytes as they are (another charset)."""
    data = message.encode("utf-8") if isinstance(message, str) else message
    return START + data + END


@contextmanager
def running_listener(engine: Engine, settings: Settings, clock: object) -> Iterator[int]:
    """Yields the port of a listener applying messages to `engine` at `clock`'s time.

    Its event loop runs in a thread of its own (the browser stories' Playwright holds one
    in the main thread)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    feed = Hl7Feed(engine, settings, clock)  # type: ignore[arg-type]
    listener = Listener(feed, settings)
    server = asyncio.run_coroutine_threadsafe(listener.start("127.0.0.1", 0), loop).result(10)
    port = server.sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        loop.call_soon_threadsafe(server.close)
        # Connections still being served end here, not in a closed loop's garbage.
        asyncio.run_coroutine_threadsafe(_cancel_the_rest(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


async def _cancel_the_rest() -> None:
    others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)


class MllpClient:
    def __init__(self, port: int, timeout: float = 20.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.pending = b""

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_ack(self) -> str:
        while END not in self.pending:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the listener closed the connection")
            self.pending += chunk
        block, _, self.pending = self.pending.partition(END)
        return block.lstrip(START).decode("utf-8")

    def send(self, message: str | bytes) -> str:
        self.send_raw(frame(message))
        return self.read_ack()

    def closed_by_peer(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except (ConnectionError, TimeoutError):
            return True

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "MllpClient":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def ack_code(ack: str) -> str:
    msa = next(s for s in ack.split("\r") if s.startswith("MSA|"))
    return msa.split("|")[1]


def err_location(ack: str) -> str | None:
    """ERR-2 as SEGMENT-FIELD (e.g. PID-13), or None without an ERR."""
    for segment in ack.split("\r"):
        if segment.startswith("ERR|"):
            where = segment.split("|")[2].split("^")
            return f"{where[0]}-{where[2]}"
    return None
