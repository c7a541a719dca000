"""What we text back to a reply, in the patient's language (English when we have none).

The answers are the safety net, not advice: this number is not watched around the
clock, an emergency goes to 911, a question to the clinic's phone.
"""

from collections.abc import Sequence

from service.config import Settings


def answer_language(language: str | None) -> str:
    return "es" if (language or "").lower().startswith("es") else "en"


def routine_answer(settings: Settings, language: str | None) -> str:
    if answer_language(language) == "es":
        return (
            f"{settings.clinic_name}: Gracias, recibimos su mensaje y el equipo lo leerá. "
            "Nadie lee estos mensajes a toda hora: si es una emergencia, llame al 911; "
            f"si tiene una pregunta, llame al {settings.clinic_phone}."
        )
    return (
        f"{settings.clinic_name}: Thanks, we got your message and the care team will read "
        "it. This number is not watched around the clock: for an emergency call 911; for "
        f"a question call the clinic at {settings.clinic_phone}."
    )


# What a patient is told to do for each kind of warning sign, the same instructions as the
# warning-sign texts (service/templates/defaults.py, seeds 001, 003, 004): never a choice
# left to them. Nerve compression needs an emergency room now (001: "needs immediate
# medical attention"); infection or bleeding at the incision needs the clinic now, after
# hours the after-hours number (CLINIC_AFTER_HOURS_PHONE), else the emergency room; for
# anything else a person calls them back. 911 in an emergency, always.
EMERGENCY_ROOM_SIGNS = frozenset(("bladder_bowel", "numbness_weakness"))
CALL_THE_CLINIC_SIGNS = frozenset(("infection", "fever", "bleeding"))


def urgent_answer(settings: Settings, language: str | None, signs: Sequence[str]) -> str:
    """The answer to a reply naming `signs` (see triage.warning_signs), in `language`."""
    return f"{settings.clinic_name}: {what_to_do(settings, language, signs)}"


def what_to_do(settings: Settings, language: str | None, signs: Sequence[str]) -> str:
    """What to do now for `signs`, in `language`: never a choice left to the patient."""
    spanish = answer_language(language) == "es"
    if EMERGENCY_ROOM_SIGNS.intersection(signs):
        if spanish:
            return (
                "Llame al 911 o vaya a urgencias de inmediato si pierde el control de la "
                "orina o de las heces, o si tiene entumecimiento o debilidad nueva en las "
                "piernas. Nadie lee estos mensajes a toda hora."
            )
        return (
            "Call 911 or go to the emergency room now if you lose control of your bladder "
            "or bowels, or have new numbness or weakness in your legs. Texts here are not "
            "read around the clock."
        )
    if CALL_THE_CLINIC_SIGNS.intersection(signs):
        after_hours = settings.clinic_after_hours_phone
        if spanish:
            later = f"llame al {after_hours}" if after_hours else "vaya a urgencias"
            return (
                f"Llame al consultorio de inmediato, al {settings.clinic_phone}; fuera de "
                f"horario, {later}. En una emergencia, llame al 911. Nadie lee estos "
                "mensajes a toda hora."
            )
        later = f"call {after_hours}" if after_hours else "go to the emergency room"
        return (
            f"Call us now at {settings.clinic_phone}; after hours, {later}. In an "
            "emergency, call 911. Texts here are not read around the clock."
        )
    if spanish:
        return (
            "El equipo de atención le llamará lo antes posible. Si es una emergencia, "
            "llame al 911 ahora. Nadie lee estos mensajes a toda hora."
        )
    return (
        "The care team will call you as soon as they can. If this is an emergency, call "
        "911 now. Texts here are not read around the clock."
    )


def help_answer(settings: Settings, language: str | None) -> str:
    if answer_language(language) == "es":
        return (
            f"{settings.clinic_name}: recordatorios sobre su procedimiento MILD. ¿Dudas? "
            f"Llame al {settings.clinic_phone}. Responda ALTO para no recibir más."
        )
    return (
        f"{settings.clinic_name}: reminders about your MILD procedure. "
        f"Questions? Call {settings.clinic_phone}. Reply STOP to opt out."
    )


def spanish_stop_answer(settings: Settings) -> str:
    # The carrier confirms STOP itself, but knows nothing of ALTO: we confirm it.
    return (
        f"{settings.clinic_name}: Ya no recibirá más mensajes nuestros. Responda COMENZAR "
        "para volver a recibirlos."
    )


def spanish_start_answer(settings: Settings) -> str:
    return (
        f"{settings.clinic_name}: Volverá a recibir nuestros mensajes. Responda ALTO para no "
        "recibir más."
    )


_VISIT_NAMES = {
    "en": {
        "wound_check": "wound check",
        "two_week": "2-week follow-up",
        "three_month": "3-month follow-up",
    },
    "es": {
        "wound_check": "revisión de la herida",
        "two_week": "control de 2 semanas",
        "three_month": "control de 3 meses",
    },
}


def visit_confirmed_answer(
    settings: Settings, language: str | None, kind: str, date_text: str, time_text: str
) -> str:
    lang = answer_language(language)
    name = _VISIT_NAMES[lang].get(kind, kind)
    if lang == "es":
        return (
            f"{settings.clinic_name}: Gracias, su cita ({name}) del {date_text} a las "
            f"{time_text} queda confirmada. Para cambiarla, llame al {settings.clinic_phone}."
        )
    return (
        f"{settings.clinic_name}: Thank you, your {name} visit on {date_text} at {time_text} "
        f"is confirmed. To change it, call {settings.clinic_phone}."
    )


def reschedule_answer(settings: Settings, language: str | None) -> str:
    if answer_language(language) == "es":
        return (
            f"{settings.clinic_name}: Gracias, le llamaremos para buscar otra fecha. Si es una "
            f"emergencia, llame al 911; si tiene una pregunta, llame al {settings.clinic_phone}."
        )
    return (
        f"{settings.clinic_name}: Thanks, we will call you to find a new time. For an "
        f"emergency call 911; for a question call the clinic at {settings.clinic_phone}."
    )


def on_call_notice() -> str:
    """The page to ON_CALL_PHONE: no name, no words, no number (no PHI)."""
    return "Urgent patient reply waiting: open the inbox."


def check_in_noted(
    settings: Settings, language: str, noted: str, escalated: bool, signs: Sequence[str]
) -> str:
    """A check-in answer acknowledged in a few words; the clinic will call when it called
    a person, and a warning sign also gets 911."""
    es = answer_language(language) == "es"
    said = f"Gracias, anotamos {noted}." if es else f"Thanks, we've noted {noted}."
    if signs:
        return f"{settings.clinic_name}: {said} {what_to_do(settings, language, signs)}"
    if escalated:
        return f"{settings.clinic_name}: {said} {_clinic_will_call(es)}"
    return f"{settings.clinic_name}: {said}"


def check_in_above_scale(settings: Settings, language: str, signs: Sequence[str]) -> str:
    """A pain answer above the scale ("11/10"): no number is noted, but the clinic calls."""
    es = answer_language(language) == "es"
    said = "Gracias por avisarnos." if es else "Thank you for telling us."
    if signs:
        return f"{settings.clinic_name}: {said} {what_to_do(settings, language, signs)}"
    return f"{settings.clinic_name}: {said} {_clinic_will_call(es)}"


def _clinic_will_call(es: bool) -> str:
    if es:
        return "Alguien de la clínica le llamará. Si es una emergencia, llame al 911."
    return "Someone from the clinic will call you. For an emergency call 911."
