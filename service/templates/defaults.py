"""The default text of every step, per language: where "what does the day-3 text say" lives.

Each step's text is a fragment; `FRAME` wraps one or more fragments (steps that share a
send time go out as one text) with the clinic's name and phone. Wording follows the seed
files cited beside each step in `service.timeline.plan`; nothing here adds medicine.
"""

DEFAULT_LANGUAGE = "en"

FRAME = {
    "en": (
        "{{ clinic_name }}: Hi {{ given_name }}. {{ fragments }} "
        "Questions? Call {{ clinic_phone }}."
    ),
    # Spanish avoids á/í/ó/ú where a natural wording allows: one of them turns the whole
    # text into UCS-2 (67 characters per segment instead of 153). é, ñ, ¿ and ¡ are GSM-7.
    "es": (
        "{{ clinic_name }}: Hola, {{ given_name }}. {{ fragments }} "
        "¿Dudas? Llame al {{ clinic_phone }}."
    ),
}

STEP_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        # 000, 003
        "prep_week": (
            "Your MILD procedure is {{ procedure_date }} at {{ procedure_time }}. Please do "
            "the pre-procedure testing you were sent for. Keep taking your usual medicines, "
            "but call us about blood thinners. Arrange a ride home and wear loose clothes."
        ),
        # 000, 003
        "fasting": (
            "Nothing to eat or drink from {{ fasting_start_time }} {{ fasting_start_day }} "
            "until your procedure at {{ procedure_time }}. That morning take your usual "
            "medicines with water, except blood thinners: follow our instructions for those."
        ),
        # 000, 001, 003
        "day_of_rest": (
            "Have a lazy day today. Moderate to intense back soreness can happen. Take pain "
            "medicine as prescribed and don't drive on it. Loss of bladder or bowel control, "
            "fever, bleeding or new weakness: get care right away."
        ),
        # 000, 001
        "shower": (
            "You may shower or bathe this morning. Remove the bandage once there is no "
            "more drainage."
        ),
        # 000
        "ice": "Back soreness is expected for about a week; ice packs help.",
        # 000, 001
        "driving": (
            "You may drive if you feel steady and are not taking pain medicine that makes "
            "you drowsy. If unsure, ask your doctor first."
        ),
        # 000 (no stitches: 000, 002, 004)
        "wound_check": (
            "Your wound check visit is due {{ wound_check_from_day }}-{{ wound_check_to_day }} "
            "days after your procedure. If it isn't booked yet, please call us."
        ),
        # 003, 004, 001
        "two_week_followup": (
            "Your 2-week follow-up checks your incision and early progress; call us if it "
            "isn't booked. Physical therapy often starts about now. No heavy lifting yet."
        ),
        # 001, 004
        "activity_6_weeks": (
            "Most people can return to more vigorous activity and exercise 6-8 weeks after "
            "MILD. Check with your provider before you start."
        ),
        # 003
        "three_month_followup": (
            "Your 3-month follow-up checks your pain relief and mobility. If it isn't "
            "booked yet, please call us."
        ),
        "wound_check_visit": (
            "Reminder: your wound check visit is {{ appointment_date }} at {{ appointment_time }}."
        ),
        "two_week_visit": (
            "Reminder: your 2-week follow-up visit is {{ appointment_date }} at "
            "{{ appointment_time }}."
        ),
        "three_month_visit": (
            "Reminder: your 3-month follow-up visit is {{ appointment_date }} at "
            "{{ appointment_time }}."
        ),
        "procedure_moved": (
            "Your MILD procedure has moved to {{ procedure_date }} at {{ procedure_time }}."
            "{% if mention_fasting %} Nothing to eat or drink from {{ fasting_start_time }} "
            "{{ fasting_start_day }}.{% endif %}"
        ),
        "procedure_cancelled": (
            "Your MILD procedure on {{ procedure_date }} is cancelled. Please disregard "
            "earlier instructions about it; we will be in touch."
        ),
    },
    "es": {
        "prep_week": (
            "Su procedimiento MILD es el {{ procedure_date }} a las {{ procedure_time }}. "
            "Haga las pruebas previas indicadas. Siga con sus medicinas, pero consulte con "
            "nosotros si toma anticoagulantes. Venga con ropa holgada y con quien lo lleve a "
            "casa."
        ),
        "fasting": (
            "No coma ni beba nada desde las {{ fasting_start_time }} {{ fasting_start_day }} "
            "hasta su procedimiento a las {{ procedure_time }}. Esa mañana tome sus medicinas "
            "de siempre con agua, salvo los anticoagulantes: para esos, siga nuestras "
            "indicaciones."
        ),
        "day_of_rest": (
            "Hoy descanse. Puede tener dolor de espalda, a veces intenso. Tome los analgésicos "
            "recetados y no maneje si los toma. Si no controla la orina o las heces, o tiene "
            "fiebre, sangrado o debilidad nueva, busque ayuda médica enseguida."
        ),
        "shower": (
            "Desde esta mañana puede ducharse o bañarse. Quite el vendaje cuando la herida ya "
            "no drene."
        ),
        "ice": "Es normal tener dolor de espalda durante una semana; el hielo ayuda.",
        "driving": (
            "Puede manejar si se siente bien y no toma analgésicos que le den sueño. Si tiene "
            "dudas, pregunte antes a su médico."
        ),
        # "días" has an í, so this text goes out as UCS-2: kept short on purpose.
        "wound_check": (
            "Su herida se revisa {{ wound_check_from_day }} a {{ wound_check_to_day }} días "
            "tras el procedimiento. Si no tiene cita, pida una."
        ),
        "two_week_followup": (
            "En el control de 2 semanas revisamos su herida y su avance; si no tiene cita, "
            "pida una. La fisioterapia suele empezar por estas fechas. Por ahora, no cargue "
            "cosas pesadas."
        ),
        "activity_6_weeks": (
            "Casi todos los pacientes pueden volver al ejercicio y a la actividad intensa "
            "entre 6 y 8 semanas después del MILD. Consulte antes con su médico."
        ),
        "three_month_followup": (
            "En el control de 3 meses revisamos el alivio del dolor y su movilidad. Si no "
            "tiene cita, pida una."
        ),
        "wound_check_visit": (
            "Le recordamos su cita para revisar la herida: el {{ appointment_date }} a las "
            "{{ appointment_time }}."
        ),
        "two_week_visit": (
            "Le recordamos su control de 2 semanas: el {{ appointment_date }} a las "
            "{{ appointment_time }}."
        ),
        "three_month_visit": (
            "Le recordamos su control de 3 meses: el {{ appointment_date }} a las "
            "{{ appointment_time }}."
        ),
        "procedure_moved": (
            "Su procedimiento MILD ha cambiado al {{ procedure_date }} a las "
            "{{ procedure_time }}.{% if mention_fasting %} No coma ni beba nada desde las "
            "{{ fasting_start_time }} {{ fasting_start_day }}.{% endif %}"
        ),
        "procedure_cancelled": (
            "Su procedimiento MILD del {{ procedure_date }} queda cancelado. No tenga en "
            "cuenta las indicaciones anteriores; nos pondremos en contacto con usted."
        ),
    },
}
