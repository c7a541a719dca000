"""pgqueuer draining N jobs whose handler makes the worker's HTTP call (the twilio library's
messages.create) to the stand-in. Runs in the bench's own environment, never the project's:

    .cache/bench-pgqueuer/bin/python bench/pgq_drain.py DSN N CONCURRENCY STANDIN_URL
"""

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import psycopg
from pgqueuer import PsycopgDriver, Queries, QueueManager
from pgqueuer.models import Job
from pgqueuer.types import QueueExecutionMode
from requests.adapters import HTTPAdapter
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client


class Redirecting(TwilioHttpClient):
    def __init__(self, base: str) -> None:
        super().__init__(timeout=10)
        for scheme in ("https://", "http://"):
            self.session.mount(scheme, HTTPAdapter(pool_maxsize=256))
        self.base = urlsplit(base)

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
        parts = urlsplit(url)
        url = urlunsplit((self.base.scheme, self.base.netloc, parts.path, parts.query, ""))
        return super().request(method, url, *args, **kwargs)


async def main(dsn: str, count: int, concurrency: int, standin: str) -> None:
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(concurrency))
    client = Client("AC" + "0" * 32, "bench", http_client=Redirecting(standin))
    connection = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
    driver = PsycopgDriver(connection)
    queries = Queries(driver)
    await queries.install()
    for start in range(0, count, 1000):
        n = min(1000, count - start)
        payloads = [f"+1202{i:07d}".encode() for i in range(start + 1, start + n + 1)]
        await queries.enqueue(["send"] * n, payloads, [0] * n)
    await connection.execute("ANALYZE")
    manager = QueueManager(queries)

    @manager.entrypoint("send")
    async def send(job: Job) -> None:
        to = (job.payload or b"").decode()
        await asyncio.to_thread(
            client.messages.create, to=to, from_="+15005550006", body="Lakeside Spine: hello"
        )

    await manager.run(
        batch_size=max(1, concurrency // 2),  # pgqueuer wants the cap >= 2x the batch
        max_concurrent_tasks=concurrency,
        # Without a short dequeue timeout pgqueuer waits up to 30 s for a NOTIFY before it
        # fetches again once its slots free up; 50 ms keeps it fed (its best case).
        dequeue_timeout=timedelta(milliseconds=50),
        mode=QueueExecutionMode.drain,
    )


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]))
