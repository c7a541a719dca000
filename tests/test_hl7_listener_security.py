"""MLLP has no authentication: the listener's own limits, none of which costs a message
already acknowledged."""

import time

from sqlalchemy import Engine
from sqlmodel import Session, select

from service.config import Settings
from service.procedures.models import Procedure
from tests.conftest import Clock
from tests.support.mllp import START, MllpClient, ack_code, frame, running_listener
from tests.test_hl7_feed import siu


def test_a_frame_over_the_cap_is_refused_and_the_acknowledged_ones_stand(
    engine: Engine, settings: Settings, clock: Clock
) -> None:
    small = settings.model_copy(update={"hl7_max_frame_bytes": 4096})
    with running_listener(engine, small, clock) as port, MllpClient(port) as client:
        assert ack_code(client.send(siu("S12", "B1"))) == "AA"
        client.send_raw(START + b"MSH|" + b"x" * 20_000)
        refused = client.read_ack()
        assert ack_code(refused) == "AR" and "larger than 4096" in refused
        assert client.closed_by_peer()
    with Session(engine) as session:
        assert len(session.exec(select(Procedure)).all()) == 1


def test_only_the_interface_engines_addresses_may_connect(
    engine: Engine, settings: Settings, clock: Clock
) -> None:
    elsewhere = settings.model_copy(update={"hl7_allowed_clients": "10.20.0.0/16, 192.0.2.7"})
    with running_listener(engine, elsewhere, clock) as port, MllpClient(port) as client:
        assert client.closed_by_peer()
    allowed = settings.model_copy(update={"hl7_allowed_clients": "127.0.0.1"})
    with running_listener(engine, allowed, clock) as port, MllpClient(port) as client:
        assert ack_code(client.send(siu("S12", "L1"))) == "AA"


def test_idle_and_trickling_connections_are_closed(
    engine: Engine, settings: Settings, clock: Clock
) -> None:
    short = settings.model_copy(update={"hl7_idle_seconds": 1.0, "hl7_frame_seconds": 1.0})
    with running_listener(engine, short, clock) as port:
        with MllpClient(port, timeout=10) as idle:
            started = time.monotonic()
            assert idle.closed_by_peer()
            assert time.monotonic() - started < 5
        with MllpClient(port, timeout=10) as trickle:
            message = frame(siu("S12", "T1"))
            started = time.monotonic()
            try:
                for byte in message[:40]:  # one byte every 0.2 s: never a whole frame
                    trickle.send_raw(bytes([byte]))
                    time.sleep(0.2)
            except ConnectionError:
                pass  # cut off mid-frame, as it should be
            assert trickle.closed_by_peer()
            assert time.monotonic() - started < 7
    with Session(engine) as session:
        assert session.exec(select(Procedure)).all() == []


def test_mllp_over_tls_when_a_certificate_is_set(
    engine: Engine, settings: Settings, clock: Clock, tmp_path
) -> None:
    import socket
    import ssl
    import subprocess

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    tls = settings.model_copy(update={"hl7_tls_cert_file": str(cert), "hl7_tls_key_file": str(key)})
    with running_listener(engine, tls, clock) as port:
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        raw = socket.create_connection(("127.0.0.1", port), timeout=20)
        with context.wrap_socket(raw) as secured:
            secured.sendall(frame(siu("S12", "TLS1")))
            answer = b""
            while b"\x1c\x0d" not in answer:
                answer += secured.recv(65536)
        assert ack_code(answer.decode()) == "AA"
        # Plain MLLP to a TLS listener gets no ACK.
        with MllpClient(port, timeout=5) as plain:
            plain.send_raw(frame(siu("S12", "TLS2")))
            assert plain.closed_by_peer()
