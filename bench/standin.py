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

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        server = loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        loop.run_forever()

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
                    self.arrivals.append(time.monotonic())
                    await asyncio.sleep(self.latency(self.rng))
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
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
