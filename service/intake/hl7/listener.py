"""The MLLP listener: python-hl7's asyncio stream reader frames the messages (a frame
split across reads or several in one read), and each is applied in a worker thread
(one hand-off per message) before its ACK is written back on the same connection.

MLLP carries no authentication, so: bind to HL7_MLLP_HOST (127.0.0.1 by default),
optionally only the interface engine's addresses, TLS when a certificate is set, a
frame size cap, and idle and trickle timeouts. Closing a connection never costs a
message already acknowledged: the ACK goes out only after the commit, and a message
without an ACK is re-sent by the engine (and applied once).
"""

import asyncio
import logging
import ssl
from asyncio import LimitOverrunError
from ipaddress import ip_address
from time import monotonic
from typing import Any

from hl7.mllp import HL7StreamProtocol, HL7StreamReader, HL7StreamWriter
from sqlalchemy.exc import OperationalError

from service.config import Settings
from service.intake.hl7.ack import acknowledge
from service.intake.hl7.handler import Hl7Feed
from service.intake.hl7.read import FieldError

log = logging.getLogger("reminders.hl7")

START, END = b"\x0b", b"\x1c\x0d"


class _FrameReader(HL7StreamReader):
    """Remembers when the frame now arriving began, to cut off a trickling sender."""

    frame_began: float | None = None

    def feed_data(self, data: bytes) -> None:
        if data and not self._buffer:
            self.frame_began = monotonic()
        super().feed_data(data)

    def buffered(self) -> int:
        return len(self._buffer)


class Listener:
    def __init__(self, feed: Hl7Feed, settings: Settings) -> None:
        self.feed = feed
        self.settings = settings
        self.allowed = settings.hl7_allowed_networks()
        self.server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> asyncio.Server:
        loop = asyncio.get_running_loop()
        limit = self.settings.hl7_max_frame_bytes

        def protocol() -> HL7StreamProtocol:
            reader = _FrameReader(limit=limit, loop=loop)
            return HL7StreamProtocol(reader, self._serve, loop=loop)

        self.server = await loop.create_server(protocol, host, port, ssl=self._tls())
        return self.server

    def _tls(self) -> ssl.SSLContext | None:
        if not self.settings.hl7_tls_cert_file or not self.settings.hl7_tls_key_file:
            return None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.settings.hl7_tls_cert_file, self.settings.hl7_tls_key_file)
        return context

    async def _serve(self, reader: _FrameReader, writer: HL7StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        address = peer[0] if peer else ""
        if self.allowed and not _allowed(address, self.allowed):
            log.warning("HL7 connection refused from %s: not in HL7_ALLOWED_CLIENTS", address)
            writer.close()
            return
        try:
            while True:
                block = await self._next_frame(reader)
                if block is None:
                    break
                try:
                    ack = await asyncio.to_thread(self.feed.handle, block)
                except OperationalError:
                    log.warning("HL7 message not acknowledged: the database is unavailable")
                    break  # no ACK: the engine re-sends after reconnecting
                writer.writeblock(ack)
                await writer.drain()
        except TooLarge:
            limit = self.settings.hl7_max_frame_bytes
            words = f"frame larger than {limit} bytes; not read"
            log.warning("HL7 frame over %s bytes from %s: connection closed", limit, address)
            writer.writeblock(
                acknowledge(None, "AR", words, FieldError("MSH", 0, words, "100")).encode()
            )
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _next_frame(self, reader: _FrameReader) -> bytes | None:
        """The next frame's content; None when the connection ends or times out."""
        read = asyncio.ensure_future(reader.readuntil(END))
        idle_since = monotonic()
        try:
            while True:
                done, _ = await asyncio.wait({read}, timeout=0.5)
                if done:
                    break
                now = monotonic()
                began = reader.frame_began if reader.buffered() else None
                if began is not None and now - began > self.settings.hl7_frame_seconds:
                    log.warning("HL7 connection closed: a frame trickled in too slowly")
                    return None
                if began is None and now - idle_since > self.settings.hl7_idle_seconds:
                    log.info("HL7 connection closed after %ss idle", self.settings.hl7_idle_seconds)
                    return None
            data = read.result()
        except LimitOverrunError:
            raise TooLarge() from None
        except asyncio.IncompleteReadError:
            return None
        finally:
            if not read.done():
                read.cancel()
        reader.frame_began = monotonic() if reader.buffered() else None
        # Bytes between frames (a stray newline after the last one) come before START.
        begins = data.find(START)
        if begins < 0:
            return b""
        return data[begins + 1 : -len(END)]


class TooLarge(Exception):
    pass


def _allowed(address: str, networks: list[Any]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


async def serve_forever(feed: Hl7Feed, settings: Settings, port: int) -> None:
    listener = Listener(feed, settings)
    server = await listener.start(settings.hl7_mllp_host, port)
    log.info("HL7 MLLP listener on %s:%s", settings.hl7_mllp_host, port)
    async with server:
        await server.serve_forever()
