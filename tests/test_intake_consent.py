"""Consent when a system enrolls a patient (INTAKE_SMS_CONSENT): ask for YES first, or
take the clinic's word that consent is on file."""

import json

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service.audit.models import AuditEntry
from service.config import Settings
from service.conversation.replies import receive_text
from service.patients.models import Patient
from service.procedures.models import Reminder
from service.timeline.active import default_plan
from tests.conftest import Clock, new_york, send_due
from tests.fakes.gateways import RecordingGateway
from tests.support.mllp import MllpClient, ack_code, running_listener
from tests.test_hl7_feed import PID_CAPITALS, adt, siu

MOBILE = "+12125550142"


def _reminders(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        rows = session.exec(select(Reminder).order_by(col(Reminder.id))).all()
    return {f"{r.step}:{r.occurrence}": f"{r.status} {r.status_reason or ''}".strip() for r in rows}


def _reply(engine: Engine, settings: Settings, body: str, when: str, sid: str) -> str | None:
    with Session(engine) as session:
        outcome = receive_text(
            session,
            settings,
            default_plan(settings),
            raw_body=body,
            raw_from=MOBILE,
            raw_sid=sid,
            now=new_york(when),
        )
        session.commit()
    return outcome.answer


def test_patient_a_feed_enrolled_is_asked_first_and_texted_after_answering_si(
    engine: Engine, settings: Settings, clock: Clock
) -> None:
    with running_listener(engine, settings, clock) as port, MllpClient(port) as feed:
        assert ack_code(feed.send(siu("S12", "K1"))) == "AA"
    gateway = RecordingGateway()
    send_due(engine, settings, gateway, "2027-03-01T10:00")
    # The first text asks, in the patient's language, and nothing else goes.
    [asking] = gateway.bodies_to(MOBILE)
    assert "Responda SI" in asking and "Lakeside Spine" in asking
    # The week-before text comes due and is held back while the patient has not answered.
    send_due(engine, settings, gateway, "2027-03-09T09:05")
    assert len(gateway.bodies_to(MOBILE)) == 1
    assert _reminders(engine)["prep_week:1"] == "skipped waiting for the patient's YES"
    with Session(engine) as session:
        [patient] = session.exec(select(Patient)).all()
        assert not patient.sms_consent and patient.consent_source == "hl7"

    # "Sí": consent given; what can still help goes out in the same window.
    _reply(engine, settings, "Sí", "2027-03-09T12:00", "SM1")
    with Session(engine) as session:
        [patient] = session.exec(select(Patient)).all()
        consent = session.exec(select(AuditEntry).where(AuditEntry.action == "consent")).one()
    assert patient.sms_consent and patient.awaiting_yes_since is None
    assert consent.actor_name == "the patient's YES by text"
    assert _reminders(engine)["prep_week:1"] == "pending"
    send_due(engine, settings, gateway, "2027-03-09T12:01")
    texts = gateway.bodies_to(MOBILE)
    assert len(texts) == 2 and "16 de marzo" in texts[1]


def test_on_file_consent_arrives_consented_and_the_audit_names_the_feed(
    engine: Engine, settings: Settings, clock: Clock
) -> None:
    on_file = settings.model_copy(update={"intake_sms_consent": "on_file"})
    with running_listener(engine, on_file, clock) as port, MllpClient(port) as feed:
        assert ack_code(feed.send(siu("S12", "K2"))) == "AA"
    with Session(engine) as session:
        [patient] = session.exec(select(Patient)).all()
        created = session.exec(
            select(AuditEntry).where(AuditEntry.action == "create", AuditEntry.entity == "patient")
        ).one()
    # On file: consented at once, and the audit says which feed attested it.
    assert patient.sms_consent and patient.awaiting_yes_since is None
    assert json.loads(created.changes)["after"]["consent_source"] == "hl7"
    assert created.actor_name == "HL7 feed EPIC^LAKESIDE"
    gateway = RecordingGateway()
    send_due(engine, on_file, gateway, "2027-03-09T09:05")
    [week_before] = gateway.bodies_to(MOBILE)
    assert "SI para recibirlos" not in week_before
    assert "consent_request:1" not in _reminders(engine)


def test_a_new_mobile_for_a_patient_still_waiting_for_yes_is_asked_again_once(
    engine: Engine, settings: Settings, clock: Clock
) -> None:
    gateway = RecordingGateway()
    with running_listener(engine, settings, clock) as port, MllpClient(port) as feed:
        assert ack_code(feed.send(siu("S12", "C1"))) == "AA"
        send_due(engine, settings, gateway, "2027-03-01T10:00")
        assert "Responda SI" in gateway.bodies_to(MOBILE)[0]
        # The consent text went out to the old number; the EHR now has a new mobile.
        clock.now = new_york("2027-03-02T09:00")
        new_mobile = PID_CAPITALS.replace("(212)555-0142", "(646)555-0190")
        assert ack_code(feed.send(adt("A08", "C2", new_mobile))) == "AA"
        assert _reminders(engine)["consent_request:2"] == "pending"
        # Changed again before that one went out: it is still pending and is addressed
        # when sent, so no third request is queued.
        newer = PID_CAPITALS.replace("(212)555-0142", "(917)555-0191")
        assert ack_code(feed.send(adt("A08", "C3", newer))) == "AA"
    asked = [k for k in _reminders(engine) if k.startswith("consent_request")]
    assert asked == ["consent_request:1", "consent_request:2"]
    send_due(engine, settings, gateway, "2027-03-02T10:00")
    [again] = gateway.bodies_to("+19175550191")
    assert "Responda SI" in again and gateway.bodies_to("+16465550190") == []
