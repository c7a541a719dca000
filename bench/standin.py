"""A loopback HTTP stand-in for Twilio's Messages API with a chosen latency profile.

asyncio, so hundreds of slow replies cost nothing; it notes when each text arrived, so
throughput is measured where Twilio would see it (first to last)."""

import asyncio
import json
import math
import random
import secrets
import threading
import time
from collections.abc import Callable


def steady(ms: float) -> Callable[[random.Random], float]:
    return lambda _rng: ms / 1000


def tail(rng: random.Random) -> float:
    """Lognormal around 120 ms, 2% of calls taking 2 s (a provider under load)."""
    if rng.random() < 0.02:
        return 2.0
    return rng.lognormvariate(math.log(0.12), 0.35)


PROFILES = {"steady": steady(100), "tail": tail, "instant": steady(0)}


class StandIn:
    def __init__(self, profile: str) -> None:
        self.latency = PROFILES[profile]
        self.rng = random.Random(7)
        self.arrivals: list[float] = []
        # Texts the stand-in is answering at once: shows both sides keep 64 in flight.
        self.in_flight = 0
        self.peak_in_flight = 0
        self.replies: list[tuple[float, float]] = []  # (arrived, answered) per text
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "StandIn":
        self._thread.start()
        self._ready.wait()
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rate(self) -> float:
        a = sorted(self.arrivals)
        return (len(a) - 1) / (a[-1] - a[0]) if len(a) > 1 else 0.0

    def mean_in_flight(self) -> float:
        """Texts being answered at once, on average over the span `rate()` measures."""
        if len(self.arrivals) < 2:
            return 0.0
        first, last = min(self.arrivals), max(self.arrivals)
        busy = sum(max(0.0, min(end, last) - start) for start, end in self.replies)
        return busy / (last - first)

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        server = loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        loop.run_forever()
        # Stopped: end the kept-alive connections here rather than leave their tasks to
        # be destroyed with the loop (a screenful of warnings after every run).
        server.close()
        tasks = asyncio.all_tasks(loop)
        for task in tasks:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                form = await reader.readexactly(length) if length else b""
                method = head.split(b" ", 1)[0]
                if method == b"POST":
                    arrived = time.monotonic()
                    self.arrivals.append(arrived)
                    self.in_flight += 1
                    self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
                    try:
                        await asyncio.sleep(self.latency(self.rng))
                    finally:
                        self.in_flight -= 1
                        self.replies.append((arrived, time.monotonic()))
                    body = json.dumps(
                        {"sid": "SM" + secrets.token_hex(16), "status": "queued", "body": ""}
                    ).encode()
                    status = b"201 Created"
                else:
                    body = json.dumps({"messages": [], "next_page_uri": None}).encode()
                    status = b"200 OK"
                del form
                writer.write(
                    b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
                    b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # cancelled: the stand-in is stopping, and ends the connection quietly
        finally:
            writer.close()
