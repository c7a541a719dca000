"""Keywords in English and Spanish, replayed webhooks, and replies that arrive mangled."""

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from service.conversation.answers import urgent_answer
from service.conversation.keywords import Keyword, keyword_of
from service.conversation.triage import warning_signs
from service.messaging.models import Message
from service.optouts.models import PhoneOptOut
from tests.conftest import book, enroll
from tests.support.twilio_webhooks import (
    EMPTY_TWIML,
    post_inbound,
    twilio_settings,
)

PHONE = "+12125550142"


def _opted_out(engine) -> bool:
    with Session(engine) as session:
        state = session.get(PhoneOptOut, PHONE)
        return state is not None and state.opted_out


def _replies(engine) -> list[Message]:
    with Session(engine) as session:
        return list(session.exec(select(Message).where(Message.direction == "inbound")))


@pytest.mark.parametrize("word", ["ALTO", "alto", "Parar.", "DETENER", "detener!"])
def test_a_spanish_speaker_who_replies_alto_gets_no_more_texts_and_is_told_so(
    tw, staff, engine, word
):
    patient = enroll(tw, staff, language="es")
    book(tw, staff, patient["id"], "2027-03-16T07:00:00")
    response = post_inbound(tw, word, PHONE)
    assert _opted_out(engine)
    # The carrier confirms STOP itself but not ALTO: we confirm it, in Spanish.
    assert "Ya no recibirá" in response.text and "COMENZAR" in response.text
    procedure = tw.get(f"/v1/patients/{patient['id']}", headers=staff).json()
    assert procedure["opted_out"] is True


@pytest.mark.parametrize("word", ["COMENZAR", "iniciar", "Comenzar."])
def test_comenzar_and_iniciar_opt_back_in(tw, staff, engine, clock, word):
    enroll(tw, staff, language="es")
    post_inbound(tw, "ALTO", PHONE)
    clock.advance(minutes=10)
    response = post_inbound(tw, word, PHONE)
    assert not _opted_out(engine)
    assert "Volverá a recibir" in response.text


def test_english_stop_and_start_stay_silent_for_twilio_confirms_them(tw, staff, engine):
    enroll(tw, staff)
    assert post_inbound(tw, "STOP", PHONE).text == EMPTY_TWIML
    assert post_inbound(tw, "START", PHONE).text == EMPTY_TWIML


@pytest.mark.parametrize(
    ("language", "word", "expected"),
    [
        ("es", "HELP", "Reply STOP to opt out"),  # the language written in wins (issue 19)
        ("es", "AYUDA", "Responda ALTO para no recibir más"),
        ("en", "AYUDA", "Responda ALTO para no recibir más"),
        ("en", "help", "Reply STOP to opt out"),
    ],
)
def test_help_and_ayuda_are_answered_in_the_language_written(tw, staff, language, word, expected):
    enroll(tw, staff, language=language)
    response = post_inbound(tw, word, PHONE)
    assert expected in response.text and "(555) 201-3344" in response.text


def test_ayuda_from_an_unknown_number_is_answered_in_spanish_help_in_english(tw):
    assert "Responda ALTO" in post_inbound(tw, "ayuda", "+12125550199").text
    assert "Reply STOP" in post_inbound(tw, "HELP", "+12125550199").text


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("C", Keyword.confirm),
        ("confirm", Keyword.confirm),
        ("Confirmar", Keyword.confirm),
        ("R", Keyword.reschedule),
        ("cambiar", Keyword.reschedule),
        ("Can I reschedule my appointment?", Keyword.reschedule),
        ("necesito cambiar la cita", Keyword.reschedule),
        ("cancel", Keyword.stop),  # a carrier word: never a visit cancellation
    ],
)
def test_confirm_and_reschedule_words(body, keyword):
    assert keyword_of(body) == keyword


@pytest.mark.parametrize(
    ("first", "undo", "replayed_state"),
    [
        ("START", "STOP", True),
        ("YES", "STOP", True),
        ("UNSTOP", "STOP", True),
        ("COMENZAR", "STOP", True),
        ("INICIAR", "ALTO", True),
        ("STOP", "START", False),
        ("ALTO", "START", False),
        ("PARAR", "START", False),
        ("DETENER", "COMENZAR", False),
        ("QUIT", "START", False),
        ("CANCEL", "START", False),
    ],
)
def test_a_replayed_keyword_never_acts_twice(tw, staff, engine, clock, first, undo, replayed_state):
    """STOP, START, STOP, then Twilio re-posting that START: the patient stays opted out
    (and the mirror story for a replayed STOP)."""
    enroll(tw, staff)
    if first in ("START", "YES", "UNSTOP", "COMENZAR", "INICIAR"):
        post_inbound(tw, "STOP", PHONE)
        clock.advance(minutes=1)
    first_sid = "SM" + "f" * 32
    post_inbound(tw, first, PHONE, sid=first_sid)
    clock.advance(minutes=1)
    post_inbound(tw, undo, PHONE)
    assert _opted_out(engine) is replayed_state
    clock.advance(minutes=1)
    replay = post_inbound(tw, first, PHONE, sid=first_sid)
    assert replay.status_code == 200
    assert _opted_out(engine) is replayed_state


def test_a_replayed_help_gets_the_same_answer_again(tw):
    sid = "SM" + "e" * 32
    first = post_inbound(tw, "HELP", PHONE, sid=sid)
    assert post_inbound(tw, "HELP", PHONE, sid=sid).text == first.text


def test_a_replayed_reply_is_stored_once_and_answered_the_same(tw, staff, engine):
    enroll(tw, staff)
    sid = "SM" + "d" * 32
    first = post_inbound(tw, "what time should I arrive?", PHONE, sid=sid)
    again = post_inbound(tw, "what time should I arrive?", PHONE, sid=sid)
    assert again.text == first.text and "not watched around the clock" in first.text
    assert len(_replies(engine)) == 1


def test_a_reply_with_control_characters_is_kept_without_them(tw, staff, engine):
    patient = enroll(tw, staff)
    response = post_inbound(tw, "I have\x00 a fever\x07\x1b of 101\r\nhelp", PHONE)
    assert response.status_code == 200 and "Call us now" in response.text
    [reply] = _replies(engine)
    assert reply.body == "I have a fever of 101\nhelp"
    assert reply.urgent
    shown = tw.get(f"/v1/patients/{patient['id']}/messages", headers=staff).json()
    assert shown[0]["body"] == "I have a fever of 101\nhelp"


def test_a_message_sid_longer_than_the_column_neither_fails_nor_loses_the_reply(tw, staff, engine):
    enroll(tw, staff)
    long_sid = "SM" + "9" * 120
    other_long_sid = "SM" + "9" * 119 + "8"  # same first 64 characters
    assert post_inbound(tw, "see you Tuesday", PHONE, sid=long_sid).status_code == 200
    assert post_inbound(tw, "see you Tuesday", PHONE, sid=long_sid).status_code == 200
    assert post_inbound(tw, "and thanks", PHONE, sid=other_long_sid).status_code == 200
    bodies = sorted(m.body for m in _replies(engine))
    assert bodies == ["and thanks", "see you Tuesday"]


def test_a_routine_reply_is_answered_once_per_conversation_window(tw, staff, clock):
    enroll(tw, staff)
    assert "not watched" in post_inbound(tw, "ok thanks", PHONE).text
    clock.advance(hours=2)
    assert post_inbound(tw, "one more thing", PHONE).text == EMPTY_TWIML
    clock.advance(hours=10, minutes=1)
    assert "not watched" in post_inbound(tw, "hello again", PHONE).text


def test_an_urgent_reply_gets_the_urgent_answer_every_time(tw, staff, clock):
    enroll(tw, staff)
    post_inbound(tw, "ok thanks", PHONE)
    for _ in range(3):
        clock.advance(minutes=5)
        response = post_inbound(tw, "the bandage is soaked with blood", PHONE)
        assert "Call us now at (555) 201-3344" in response.text


def test_replies_are_kept_in_utc(tw, staff, engine, clock):
    enroll(tw, staff)
    post_inbound(tw, "hi", PHONE)
    assert _replies(engine)[0].created_at == datetime(2027, 3, 1, 14, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("profile", "reply", "expected"),
    [
        (
            "en",
            "no puedo orinar",
            "Llame al 911 o vaya a urgencias de inmediato",
        ),  # issue 19: written in Spanish
        ("es", "I can't feel my legs", "Call 911 or go to the emergency room now"),
        ("en", "my leg gave out", "Call 911 or go to the emergency room now"),
        ("es", "tengo fiebre y escalofríos", "Llame al consultorio de inmediato"),
        ("en", "I FELL in the bathroom", "The care team will call you"),
        ("es", "me caí en el baño", "El equipo de atención le llamará"),
    ],
)
def test_an_urgent_reply_is_answered_in_the_language_it_was_written_in(
    tw, staff, profile, reply, expected
):
    enroll(tw, staff, language=profile)
    assert expected in post_inbound(tw, reply, PHONE).text


@pytest.mark.parametrize(
    ("reply", "after_hours", "told"),
    [
        # Seed 001: loss of bladder or bowel control, new numbness or weakness -> ER now.
        ("ive had to wear a pad since yesterday", "", "Call 911 or go to the emergency room now"),
        ("my foot drags and I peed myself", "(555) 999-0000", "Call 911 or go to the emergency"),
        # Infection or bleeding at the incision -> the clinic now; after hours, the
        # after-hours number, else the emergency room.
        ("the bandage is soaked with blood", "(555) 999-0000", "after hours, call (555) 999-0000"),
        ("fever 101.5", "", "after hours, go to the emergency room"),
        ("la herida tiene pus", "", "fuera de horario, vaya a urgencias"),
        ("la herida tiene pus", "(555) 999-0000", "fuera de horario, llame al (555) 999-0000"),
        # Anything else: a person calls back, and 911 in an emergency.
        ("something happened, please call", "", "If this is an emergency, call 911 now"),
    ],
)
def test_an_urgent_answer_says_exactly_what_to_do_for_the_sign(
    database_url, reply, after_hours, told
):
    settings = twilio_settings(database_url, clinic_after_hours_phone=after_hours)
    language = "es" if any(w in reply for w in ("herida", "tiene")) else "en"
    answer = urgent_answer(settings, language, warning_signs(reply))
    assert told in answer
    assert "If severe" not in answer and "otherwise" not in answer  # no decision left to them
