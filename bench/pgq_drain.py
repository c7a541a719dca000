"""pgqueuer draining N jobs whose handler makes the worker's HTTP call (the twilio library's
messages.create) to the stand-in. Runs in the bench's own environment, never the project's:

    .cache/bench-pgqueuer/bin/python bench/pgq_drain.py DSN N CONCURRENCY URL [BATCH [PICKED]]

Set up as pgqueuer's documentation recommends for throughput: one direct asyncpg connection
for the QueueManager (its CLI's default driver; "asyncpg achieves roughly double the throughput of
psycopg"). Its psycopg driver shares one connection between LISTEN and queries, and psycopg
holds the connection's lock while it waits for a NOTIFY (up to 1 s), so every dequeue and
every completion write queued behind that wait: 27-30 jobs/s at 64 in flight.

The handler calls the twilio library from a thread, as our worker does (pgqueuer only runs
`async def` handlers and tells you to wrap blocking calls in asyncio.to_thread): 64 threads,
one kept-alive HTTP connection each, the same request pool size as the worker.
"""

import asyncio
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from pgqueuer import AsyncpgDriver, Queries, QueueManager
from pgqueuer.models import Job
from pgqueuer.types import QueueExecutionMode
from requests.adapters import HTTPAdapter
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

FROM = "+15005550006"
# About a reminder's length (no clinical wording: only the stand-in reads it), with a
# status-callback URL as the worker sends.
BODY = "Lakeside Spine: a benchmark text about as long as a reminder, for the stand-in only."
CALLBACK = "https://reminders.example.org/webhooks/twilio/status?attempt=0123456789abcdef"


class Redirecting(TwilioHttpClient):
    def __init__(self, base: str) -> None:
        super().__init__(timeout=10)
        for scheme in ("https://", "http://"):
            self.session.mount(scheme, HTTPAdapter(pool_maxsize=256))  # the worker's size
        self.base = urlsplit(base)

    def request(self, method, url, *args, **kwargs):  # type: ignore[no-untyped-def]
        parts = urlsplit(url)
        url = urlunsplit((self.base.scheme, self.base.netloc, parts.path, parts.query, ""))
        return super().request(method, url, *args, **kwargs)


async def main(
    dsn: str, count: int, concurrency: int, standin: str, batch: int, picked: int
) -> None:
    # asyncio.to_thread runs on the loop's default executor, whose threads cap the calls in
    # flight at `concurrency` (Python's own default would be min(32, CPUs + 4) = 6 here).
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(concurrency))
    client = Client("AC" + "0" * 32, "bench", http_client=Redirecting(standin))
    connection = await asyncpg.connect(dsn)
    queries = Queries(AsyncpgDriver(connection))
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
            client.messages.create, to=to, from_=FROM, body=BODY, status_callback=CALLBACK
        )

    await manager.run(
        # Jobs picked at once (pgqueuer requires >= 2 x batch_size); a picked job keeps its
        # slot until its completion is flushed, after its call. Calls: the threads above.
        batch_size=batch,
        max_concurrent_tasks=picked,
        # When it cannot pick more, pgqueuer waits for a NOTIFY (each flush of completions
        # deletes rows and sends one), at most 100 ms while work is queued; this timeout
        # only applies once the queue looks empty.
        dequeue_timeout=timedelta(milliseconds=50),
        mode=QueueExecutionMode.drain,
    )
    await connection.close()


if __name__ == "__main__":
    args = sys.argv[1:]
    batch = int(args[4]) if len(args) > 4 else int(args[2]) // 2
    picked = int(args[5]) if len(args) > 5 else int(args[2])
    asyncio.run(main(args[0], int(args[1]), int(args[2]), args[3], batch, picked))
