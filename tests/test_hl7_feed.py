"""The clinic's scheduling system sends HL7 v2 over MLLP: stories through a real socket."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service.config import Settings
from service.intake.models import IntakeMessage
from service.patients.models import Patient
from service.procedures.appointments import Appointment
from service.procedures.models import Procedure, Reminder
from tests.conftest import Clock, new_york
from tests.support.apps import bound_app
from tests.support.mllp import MllpClient, ack_code, err_location, frame, running_listener

PID_CAPITALS = (
    "PID|1||MRN4411^^^LAKESIDE^MR~123-45-6789^^^SSA^SS||GARCÍA NÚÑEZ^MARÍA JOSÉ^^^^^L||19560412|F"
    "|||12 Oak St^^Albany^NY^12207||(518)555-0100^PRN^PH~^NET^Internet^mj@example.org"
    "~(212)555-0142^PRN^CP|(518)555-0199^WPN^PH|SPA^Spanish"
)


def siu(
    trigger: str,
    control: str,
    *,
    appointment: str = "F100",
    code: str = "0275T^MILD procedure^C4",
    start: str = "202703160700",
    pid: str = PID_CAPITALS,
    version: str = "2.3",
    reason: str = "",
) -> str:
    return "\r".join(
        [
            f"MSH|^~\\&|EPIC|LAKESIDE|MILD|REMINDERS|20270301090000||SIU^{trigger}|{control}|P"
            f"|{version}",
            f"SCH|P{appointment}|{appointment}||||{reason}|{code}|OUTPATIENT|60|min|^^60^{start}",
            "ZSC|custom^stuff|\\T\\",
            pid,
            "RGS|1",
            f"AIS|1||{code}|{start}|||60|min",
        ]
    )


def adt(trigger: str, control: str, pid: str, extra: str = "") -> str:
    lines = [
        f"MSH|^~\\&|EPIC|LAKESIDE|MILD|REMINDERS|20270301090000||ADT^{trigger}|{control}|P|2.5.1",
        "EVN|" + trigger + "|20270301090000",
        pid,
    ]
    return "\r".join([*lines, extra] if extra else lines)


def _another_patient(n: int) -> str:
    # Another person: the domain refuses a likely duplicate (same family name and phone,
    # or family name and date of birth) from a feed as from anyone.
    return (
        PID_CAPITALS.replace("MRN4411", f"M{n}")
        .replace("(212)555-0142", f"(212)555-013{n}")
        .replace("19560412", f"1956041{n}")
    )


@pytest.fixture
def feed(engine: Engine, settings: Settings, clock: Clock):
    with running_listener(engine, settings, clock) as port, MllpClient(port) as client:
        yield client


def _patients(engine: Engine) -> list[Patient]:
    with Session(engine) as session:
        return list(session.exec(select(Patient).order_by(col(Patient.id))))


def _procedures(engine: Engine) -> list[Procedure]:
    with Session(engine) as session:
        return list(session.exec(select(Procedure).order_by(col(Procedure.id))))


def test_booking_feed_enrolls_books_moves_and_cancels_applying_each_message_once(
    feed: MllpClient, engine: Engine
) -> None:
    ack = feed.send(siu("S12", "C1"))
    assert ack_code(ack) == "AA" and "|C1" in ack
    [patient] = _patients(engine)
    # Stored as people write it, the mobile chosen over the home phone, Spanish.
    assert (patient.given_name, patient.family_name) == ("María José", "García Núñez")
    assert patient.phone == "+12125550142"
    assert patient.language == "es" and patient.mrn == "MRN4411"
    # INTAKE_SMS_CONSENT=ask (the default): asked, not consented.
    assert not patient.sms_consent and patient.awaiting_yes_since is not None
    [procedure] = _procedures(engine)
    # No offset: the clinic's wall time.
    assert procedure.scheduled_at == new_york("2027-03-16T07:00")

    # The engine re-sends the same message (no ACK seen): acknowledged, applied once.
    assert ack_code(feed.send(siu("S12", "C1"))) == "AA"
    assert len(_procedures(engine)) == 1

    # Rescheduled, with an offset this time.
    moved = feed.send(siu("S13", "C2", start="202703180900-0400"))
    assert ack_code(moved) == "AA"
    [procedure] = _procedures(engine)
    assert procedure.scheduled_at == datetime(2027, 3, 18, 13, 0, tzinfo=UTC)

    assert ack_code(feed.send(siu("S15", "C3"))) == "AA"
    [procedure] = _procedures(engine)
    assert procedure.status == "cancelled"
    with Session(engine) as session:
        log = list(session.exec(select(IntakeMessage).order_by(col(IntakeMessage.id))))
    assert [m.message_type for m in log] == ["SIU^S12", "SIU^S12", "SIU^S13", "SIU^S15"]
    assert "already applied" in log[1].outcome
    # The log keeps ids and codes, never a name or a number.
    assert all("García" not in m.outcome and "555" not in m.outcome for m in log)


def test_frames_split_across_reads_and_joined_in_one_read_each_get_their_ack(
    feed: MllpClient, engine: Engine
) -> None:
    joined = b"".join(
        frame(siu("S12", f"J{n}", appointment=f"A{n}", pid=_another_patient(n))) for n in range(3)
    )
    feed.send_raw(joined)
    acks = [feed.read_ack() for _ in range(3)]
    assert [ack_code(a) for a in acks] == ["AA", "AA", "AA"]
    assert ["|J0" in acks[0], "|J1" in acks[1], "|J2" in acks[2]] == [True] * 3

    # One frame in three reads, \r\n between segments, with a newline after the frame.
    split = (
        frame(siu("S12", "S1", appointment="A9", pid=_another_patient(9)).replace("\r", "\r\n"))
        + b"\n"
    )
    for part in (split[:7], split[7:300], split[300:]):
        feed.send_raw(part)
    assert ack_code(feed.read_ack()) == "AA"
    assert len(_patients(engine)) == 4


def test_a_message_that_cannot_be_applied_gets_AE_naming_the_field_and_changes_nothing(
    feed: MllpClient, engine: Engine
) -> None:
    no_phone = PID_CAPITALS.split("||(518)")[0] + "||^NET^Internet^mj@example.org"
    ack = feed.send(siu("S12", "E1", pid=no_phone))
    assert ack_code(ack) == "AE" and err_location(ack) == "PID-13"
    bad_time = feed.send(siu("S12", "E2", start="2027-03-16"))
    assert ack_code(bad_time) == "AE" and err_location(bad_time) == "SCH-11"
    # Too far ahead for the domain: refused there, named here.
    far = feed.send(siu("S12", "E3", start="203503160700"))
    assert ack_code(far) == "AE" and err_location(far) == "SCH-11"
    assert _patients(engine) == [] and _procedures(engine) == []
    # Fixed and re-sent under the same control id: now applied.
    assert ack_code(feed.send(siu("S12", "E2"))) == "AA"
    assert len(_procedures(engine)) == 1


def test_a_message_type_not_taken_gets_AR_and_not_ours_is_acknowledged_and_ignored(
    feed: MllpClient, engine: Engine
) -> None:
    oru = "MSH|^~\\&|LAB|LAKESIDE|MILD|REM|20270301||ORU^R01|R1|P|2.5.1\rPID|1||X1^^^H^MR"
    ack = feed.send(oru)
    assert ack_code(ack) == "AR" and err_location(ack) == "MSH-9"
    assert ack_code(feed.send("this is not HL7")) == "AR"
    office_visit = feed.send(siu("S12", "N1", code="99213^Office visit^C4"))
    assert ack_code(office_visit) == "AA" and "ignored" in office_visit
    assert _patients(engine) == []
    with Session(engine) as session:
        ignored = session.exec(select(IntakeMessage).where(IntakeMessage.control_id == "N1")).one()
    assert ignored.outcome.startswith("ignored")


def test_reschedule_and_cancel_of_an_appointment_never_seen_book_it_or_say_why(
    feed: MllpClient, engine: Engine
) -> None:
    ack = feed.send(siu("S14", "U1", appointment="NEW1"))
    assert ack_code(ack) == "AA"
    assert len(_procedures(engine)) == 1
    cancel = feed.send(siu("S17", "U2", appointment="NEVER"))
    assert ack_code(cancel) == "AA" and "never seen" in cancel


def test_a_no_show_stops_the_texts_after_the_procedure_with_the_reason(
    feed: MllpClient, engine: Engine, clock: Clock
) -> None:
    assert ack_code(feed.send(siu("S12", "NS1"))) == "AA"
    clock.now = new_york("2027-03-16T10:00")
    assert ack_code(feed.send(siu("S26", "NS2", reason="^Patient did not arrive"))) == "AA"
    with Session(engine) as session:
        after = session.exec(select(Reminder).where(col(Reminder.status) == "cancelled")).all()
    assert after and all("no-show" in (r.status_reason or "") for r in after)
    assert any("did not arrive" in (r.status_reason or "") for r in after)


def test_adt_registers_updates_and_merges_through_the_record_domain(
    feed: MllpClient, engine: Engine
) -> None:
    first = "PID|1||A100^^^H^MR||O'BRIEN^SEAN||19600101|M|||||(212)555-0150^PRN^CP||EN"
    # The same man registered twice, his birth date mistyped the second time.
    second = "PID|1||A200^^^H^MR||OBRIEN^SEAN||19600110|M|||||(646)555-0151^PRN^CP||EN"
    assert ack_code(feed.send(adt("A04", "D1", first))) == "AA"
    assert ack_code(feed.send(adt("A28", "D2", second))) == "AA"
    assert [p.family_name for p in _patients(engine)] == ["O'Brien", "Obrien"]
    # Update: the phone and the name as the EHR has them now.
    moved = first.replace("(212)555-0150", "(917)555-0160").replace("^SEAN", "^SEÁN")
    assert ack_code(feed.send(adt("A08", "D3", moved))) == "AA"
    kept = _patients(engine)[0]
    assert kept.phone == "+19175550160" and kept.given_name == "Seán"
    # A40: A200 merged into A100.
    merged = feed.send(adt("A40", "D4", first, "MRG|A200^^^H^MR"))
    assert ack_code(merged) == "AA", merged
    duplicate = _patients(engine)[1]
    assert duplicate.merged_into_id == kept.id
    # A third MRN for the same man (same name and birth date): refused, nothing written.
    twin = moved.replace("A100", "A300").replace("(917)555-0160", "(718)555-0170")
    refused = feed.send(adt("A04", "D5", twin))
    assert ack_code(refused) == "AE" and "patient 1" in refused
    assert len(_patients(engine)) == 2


def test_a_visit_code_the_clinic_added_books_the_wound_check(
    engine: Engine, settings: Settings, clock: Clock
) -> None:
    clinic = settings.model_copy(update={"intake_wound_check_codes": "WOUND, wc1"})
    with running_listener(engine, clinic, clock) as port, MllpClient(port) as feed:
        assert ack_code(feed.send(siu("S12", "V1"))) == "AA"
        visit = siu("S12", "V2", appointment="F200", code="WC1^Wound check^L", start="202703230900")
        assert ack_code(feed.send(visit)) == "AA"
    with Session(engine) as session:
        [booked] = session.exec(select(Appointment)).all()
    assert booked.kind == "wound_check" and booked.starts_at == new_york("2027-03-23T09:00")


def test_metrics_count_messages_by_type_and_result_without_patient_data(
    engine: Engine, settings: Settings, clock: Clock
) -> None:
    from fastapi.testclient import TestClient

    with running_listener(engine, settings, clock) as port, MllpClient(port) as feed:
        feed.send(siu("S12", "M1"))
        feed.send(siu("S12", "M2", code="99213^Office visit^C4"))
        feed.send(siu("S12", "M3", start="x"))
    with TestClient(bound_app(settings, engine, clock)) as client:
        metrics = client.get("/metrics").text
    assert 'hl7_messages{result="applied",type="SIU^S12"} 1.0' in metrics
    assert 'hl7_messages{result="ignored",type="SIU^S12"} 1.0' in metrics
    assert 'hl7_messages{result="refused",type="SIU^S12"} 1.0' in metrics


def _with_charset(message: str, msh18: str) -> str:
    """The message with MSH-18 (character set) set; the helpers' MSH ends at MSH-12."""
    head, rest = message.split("\r", 1)
    return f"{head}|||AL|NE||{msh18}\r{rest}"


def test_hex_escapes_are_bytes_in_the_messages_character_set_and_a_bad_run_is_refused(
    feed: MllpClient, engine: Engine
) -> None:
    def pid(mrn: str, name: str, phone: str) -> str:
        return f"PID|1||{mrn}^^^H^MR||{name}||19580301|F|||||({phone})^PRN^CP||EN"

    # UTF-8 with one character's bytes split over two groups; an 8859/1 sender whose system
    # upper-cased only the ASCII letters ("DéSIRéE"); 8859/15's euro-era letters (Š = A6).
    sent = [
        ("UNICODE UTF-8", "X1", "IBA\\XC3\\\\XB1\\EZ^JOS\\XC3A9\\", "212)555-0171"),
        ("8859/1", "X2", "LEF\\XE8\\VRE^D\\XE9\\SIR\\XE9\\E", "212)555-0172"),
        ("8859/15", "X3", "\\XA6\\KODA^ANA", "212)555-0173"),
    ]
    for charset, control, name, phone in sent:
        ack = feed.send(_with_charset(adt("A28", control, pid(control, name, phone)), charset))
        assert ack_code(ack) == "AA", ack
    assert [(p.given_name, p.family_name) for p in _patients(engine)] == [
        ("José", "Ibañez"),
        ("Désirée", "Lefèvre"),
        ("Ana", "Škoda"),
    ]
    # Refused, naming the field, rather than garbled: a run that is not hex, bytes that are
    # not UTF-8, a byte above 7F in ASCII.
    refused = [
        ("UNICODE UTF-8", "Y1", r"M\XG1\LLER^ANNA"),
        ("UNICODE UTF-8", "Y2", r"M\XFC\LLER^ANNA"),
        ("ASCII", "Y3", r"M\XFC\LLER^ANNA"),
    ]
    for charset, control, name in refused:
        ack = feed.send(
            _with_charset(adt("A04", control, pid(control, name, "212)555-0174")), charset)
        )
        assert ack_code(ack) == "AE" and err_location(ack) == "PID-5", ack
    assert len(_patients(engine)) == 3


def test_an_appointment_for_another_procedure_is_ignored_even_if_its_reason_mentions_mild(
    feed: MllpClient, engine: Engine
) -> None:
    # A facet injection (CPT 64493) for a patient who had MILD before: the service code
    # decides; the reason is history.
    injection = "64493^INJ PARAVERT F JNT L/S 1 LEV^CPT"
    facet = siu("S12", "P1", code=injection).replace(
        f"|{injection}|OUTPATIENT|", "|^hx MILD 2024, now facet pain|OUTPATIENT|"
    )
    ack = feed.send(facet)
    assert ack_code(ack) == "AA" and "ignored" in ack
    assert _patients(engine) == [] and _procedures(engine) == []
    # The same reason with no procedure code in the service (a generic appointment type):
    # the reason names MILD, so it is ours.
    generic = facet.replace(injection, "PROC^Procedure^HL70277")
    assert ack_code(feed.send(generic.replace("|P1|", "|P2|"))) == "AA"
    assert len(_procedures(engine)) == 1


def test_an_appointment_of_several_services_starts_ours_at_its_own_time(
    feed: MllpClient, engine: Engine
) -> None:
    # A pre-operative check at 7:00, then MILD at 8:15, booked as one appointment: the
    # texts (fasting, arrival) follow the procedure's own AIS-4, not the visit's start.
    preop = "PREOP^PRE-OP NURSE CHECK^LOCAL"
    message = siu("S12", "P1", code=preop).replace(
        f"AIS|1||{preop}|202703160700|||60|min",
        f"AIS|1||{preop}|202703160700|||30|min\rAIS|2||0275T^MILD^CPT|202703160815|||45|min",
    )
    assert ack_code(feed.send(message)) == "AA"
    [procedure] = _procedures(engine)
    assert procedure.scheduled_at == new_york("2027-03-16T08:15")


def test_adt_for_a_patient_with_no_number_to_text_is_acknowledged_ignored_and_counted(
    engine: Engine, settings: Settings, clock: Clock
) -> None:
    from fastapi.testclient import TestClient

    landline_only = "PID|1||N500^^^H^MR||NOWAK^PIOTR||19490704|M|||||(413)555-0180^PRN^FX||PL"
    no_phone = "PID|1||N600^^^H^MR||ABARA^NGOZI||19510211|F||||||||EN"
    with running_listener(engine, settings, clock) as port, MllpClient(port) as feed:
        for control, trigger, pid in (("Q1", "A31", no_phone), ("Q2", "A04", landline_only)):
            ack = feed.send(adt(trigger, control, pid))
            assert ack_code(ack) == "AA" and "no mobile number to text" in ack, ack
        assert _patients(engine) == []
        # A booking of our procedure for her is for staff to act on: refused at PID-13.
        booking = feed.send(siu("S12", "Q3", pid=no_phone))
        assert ack_code(booking) == "AE" and err_location(booking) == "PID-13"
        # A later update with a mobile number registers her.
        mobile = no_phone.replace("||||||||EN", "|||||(978)555-0181^PRN^CP||EN")
        assert ack_code(feed.send(adt("A08", "Q4", mobile))) == "AA"
    [registered] = _patients(engine)
    assert registered.phone == "+19785550181" and registered.given_name == "Ngozi"
    with TestClient(bound_app(settings, engine, clock)) as client:
        metrics = client.get("/metrics").text
    assert 'hl7_messages{result="ignored",type="ADT^A31"} 1.0' in metrics
    assert 'hl7_messages{result="ignored",type="ADT^A04"} 1.0' in metrics
    assert "ABARA" not in metrics and "555-0181" not in metrics
