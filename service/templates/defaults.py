"""The default text of every step, per language: where "what does the day-3 text say" lives.

Each step's text is a fragment; `FRAME` wraps one or more fragments (steps that share a
send time go out as one text) with the clinic's name and phone. Wording follows the seed
files cited beside each step here and in `service.timeline.plan`; nothing here adds
medicine. Spanish is gender-neutral ("alguien que le lleve a casa") and avoids á, í, ó,
ú where a natural wording allows: one of them turns the whole text into UCS-2 (67
characters per segment instead of 153); é, ñ, ¿ and ¡ are GSM-7.
"""

DEFAULT_LANGUAGE = "en"

FRAME = {
    "en": (
        "{{ clinic_name }}: Hi {{ given_name }}. {{ fragments }} "
        "Questions? Call {{ clinic_phone }}."
    ),
    "es": (
        "{{ clinic_name }}: Hola, {{ given_name }}. {{ fragments }} "
        "¿Dudas? Llame al {{ clinic_phone }}."
    ),
}

# The warning signs, said on the day and again in the first week (001, 003, 004), each
# with what to do: signs of nerve compression need an emergency room now (001: "needs
# immediate medical attention"); signs of infection or bleeding at the incision need the
# clinic now, or out of hours the after-hours number (CLINIC_AFTER_HOURS_PHONE), else the
# emergency room. Mild swelling at the incision is expected in the first week (001), so
# only swelling that gets worse is a sign. The clinic's number follows in the frame, once.
_AFTER_HOURS_EN = (
    "{% if clinic_after_hours_phone %}call {{ clinic_after_hours_phone }}"
    "{% else %}go to the emergency room{% endif %}"
)
_AFTER_HOURS_ES = (
    "{% if clinic_after_hours_phone %}llame al {{ clinic_after_hours_phone }}"
    "{% else %}vaya a urgencias{% endif %}"
)
_WARNING_EN = (
    "Call 911 or go to the emergency room now if you lose control of your bladder or "
    "bowels, or have new numbness or weakness in your legs. Call us now for a fever, pus "
    "at the incision, redness or swelling there that gets worse, or bleeding that soaks "
    "the bandage; after hours, " + _AFTER_HOURS_EN + ". Mild swelling at the incision is "
    "normal."
)
_WARNING_ES = (
    "Llame al 911 o vaya a urgencias de inmediato si pierde el control de la orina o de "
    "las heces, o si tiene entumecimiento o debilidad nueva en las piernas. Llame al "
    "consultorio de inmediato si tiene fiebre, pus en la herida, sangrado que empape el "
    "vendaje, o si la herida se pone roja o se hincha y empeora; fuera de horario, "
    + _AFTER_HOURS_ES
    + ". Es normal que la herida se hinche un poco."
)

STEP_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        # 000 (testing, blood thinners), 003 (ride home, loose clothes)
        "prep_week": (
            "Your MILD procedure is {{ procedure_date }} at {{ procedure_time }}. Please do "
            "the pre-procedure testing you were sent for. Keep taking your usual medicines, "
            "but call us about blood thinners. Arrange a ride home and wear loose clothes."
        ),
        # 000 (8 hours, medicines with water, blood thinners), 003
        "fasting": (
            "Nothing to eat or drink from {{ fasting_start_time }} {{ fasting_start_day }} "
            "until your procedure at {{ procedure_time }}. That morning take your usual "
            "medicines with water, except blood thinners: follow our instructions for those."
        ),
        # 000 (lazy day, pain, medicines), 001 (no driving on any pain medication), warning
        # signs 001, 003, 004
        "day_of_rest": (
            "Have a lazy day today. Moderate to intense back pain can happen: take pain "
            "medicine as prescribed. Do not drive or operate heavy machinery while you take "
            "any pain medicine. " + _WARNING_EN
        ),
        # 000, 001
        "shower": (
            "You may shower or bathe this morning. Remove the bandage once there is no "
            "more drainage."
        ),
        # 000 (time off work varies), 001 and 004 (light activity, walking in the first
        # days; no heavy lifting or strenuous activity)
        "light_activity": (
            "Walking and light activities are good in these first days; rest in between. "
            "Avoid heavy lifting and strenuous activity. Time off work varies: ask your doctor."
        ),
        # 000: 7 days of back soreness, ice packs. The count follows the plan's ice
        # repetitions (`ice_days`), so a clinic that plans 5 never texts "day 5 of 7".
        "ice": (
            "{% if ice_day %}Ice day {{ ice_day }} of {{ ice_days }}{% if ice_day == ice_days %}"
            ", the last{% endif %}: ice packs help with back soreness."
            "{% else %}Ice packs help with back soreness in the first {{ ice_days }} days."
            "{% endif %}"
        ),
        # 001, 003, 004 (again in the first week: days +2 and +7)
        "warning_signs": _WARNING_EN,
        # 000 (7-10 days; no stitches: 000, 002, 004)
        "wound_check": (
            "If your wound check visit isn't booked yet, please call us to book it for "
            "between {{ wound_check_from_date }} and {{ wound_check_to_date }}."
        ),
        # 000 (after 3 days if you feel ok; not steady: ask your doctor first), 001 (no
        # driving if you take any pain medication)
        "driving": (
            "From today you may drive if you feel OK to. Do not drive or operate heavy "
            "machinery while you take any pain medicine. If you don't feel steady, ask your "
            "doctor first and don't drive."
        ),
        # 003
        "two_week_followup": (
            "If your 2-week follow-up isn't booked yet, please call us to book it for "
            "around {{ two_week_date }}. It checks your incision and early progress."
        ),
        # 001 (physical therapy if your doctor recommends it), 004 (about 2 weeks after),
        # 001/004 vs 003 (normal activity: setting), 001 and 004 (no heavy lifting or
        # strenuous activity meanwhile)
        "recovery_2_weeks": (
            "If your doctor recommends physical therapy, it often starts about now. Most "
            "people return to normal daily activities, including work, "
            "{{ normal_activity_weeks }} weeks after MILD. Until your doctor says otherwise, "
            "keep avoiding heavy lifting and strenuous activity."
        ),
        # 001, 004
        "activity_6_weeks": (
            "Most people can return to more vigorous activity and exercise 6-8 weeks after "
            "MILD. Check with your provider before you start."
        ),
        # 003
        "three_month_followup": (
            "If your 3-month follow-up isn't booked yet, please call us to book it for "
            "around {{ three_month_date }}. It checks your pain relief and mobility."
        ),
        "wound_check_visit": (
            "Reminder: your wound check visit is {{ appointment_date }} at "
            "{{ appointment_time }}. Reply C to confirm."
        ),
        "two_week_visit": (
            "Reminder: your 2-week follow-up visit is {{ appointment_date }} at "
            "{{ appointment_time }}. Reply C to confirm."
        ),
        "three_month_visit": (
            "Reminder: your 3-month follow-up visit is {{ appointment_date }} at "
            "{{ appointment_time }}. Reply C to confirm."
        ),
        "procedure_moved": (
            "Your MILD procedure has moved to {{ procedure_date }} at {{ procedure_time }}."
            "{% if mention_fasting %} Nothing to eat or drink from {{ fasting_start_time }} "
            "{{ fasting_start_day }}.{% endif %}"
        ),
        # 000 (blood thinners: ask the office)
        "procedure_cancelled": (
            "Your MILD procedure on {{ procedure_date }} is cancelled. Please disregard "
            "earlier instructions about it; we will be in touch. If you paused a blood "
            "thinner for it, call us about restarting it."
        ),
        # Check-ins (issue 18): the 0-10 numeric pain scale and our own walking question,
        # never a licensed instrument's wording. The short forms ask again (a day later,
        # or once after a text that was not an answer).
        "question_pain": (
            "A quick check-in on your recovery: from 0 (no pain) to 10 (worst pain "
            "imaginable), what was your worst back or leg pain in the last 24 hours? "
            "Reply with one number."
        ),
        "question_pain_again": (
            "Your worst back or leg pain in the last 24 hours, from 0 (none) to 10 "
            "(worst)? Reply with one number."
        ),
        "question_walking": (
            "And about how many minutes can you walk before you need to stop? Reply with "
            "the minutes, e.g. 20."
        ),
        "question_walking_again": (
            "About how many minutes can you walk before you need to stop? Reply with the "
            "minutes, e.g. 20."
        ),
        # US carrier rules: the first text says how to stop (added after the frame).
        "opt_out_notice": "Reply STOP to opt out.",
        # INTAKE_SMS_CONSENT=ask (issue #17's wording): a feed enrolled the patient, who
        # has not yet agreed to texts; nothing else is sent until YES.
        "consent_request": (
            "{{ clinic_name }} will text you about your MILD procedure. Reply YES to get "
            "these texts, STOP to opt out."
        ),
    },
    "es": {
        "prep_week": (
            "Su procedimiento MILD es el {{ procedure_date }} a las {{ procedure_time }}. "
            "Haga las pruebas previas indicadas. Siga con sus medicinas, pero consulte con "
            "nosotros si toma anticoagulantes. Venga con ropa holgada y con alguien que le "
            "lleve a casa."
        ),
        "fasting": (
            "No coma ni beba nada desde las {{ fasting_start_time }} {{ fasting_start_day }} "
            "hasta su procedimiento a las {{ procedure_time }}. Esa mañana tome sus medicinas "
            "de siempre con agua, salvo los anticoagulantes: para esos, siga nuestras "
            "indicaciones."
        ),
        "day_of_rest": (
            "Hoy descanse. Puede tener dolor de espalda moderado o intenso: tome los "
            "analgésicos recetados. No maneje ni use maquinaria pesada mientras tome "
            "analgésicos. " + _WARNING_ES
        ),
        "shower": (
            "Desde esta mañana puede ducharse o bañarse. Quite el vendaje cuando la herida ya "
            "no drene."
        ),
        "light_activity": (
            "Esta semana le hace bien caminar y hacer actividades ligeras, con descansos "
            "entre ellas. No levante objetos pesados ni haga actividades intensas. El tiempo "
            "sin trabajar cambia de una persona a otra: pregunte a su médico."
        ),
        "ice": (
            "{% if ice_day %}Siga con las bolsas de hielo ({{ ice_day }} de {{ ice_days }}"
            "{% if ice_day == ice_days %}, hoy termina{% endif %}): alivian el dolor de "
            "espalda.{% else %}Las bolsas de hielo alivian el dolor de espalda "
            "{% if ice_days == 7 %}la primera semana{% else %}las primeras {{ ice_days }} "
            "jornadas{% endif %}.{% endif %}"
        ),
        "warning_signs": _WARNING_ES,
        "wound_check": (
            "¿No tiene cita para revisar la herida? Llame para pedirla entre el "
            "{{ wound_check_from_date }} y el {{ wound_check_to_date }}."
        ),
        "driving": (
            "Desde hoy puede manejar si se siente bien. No maneje ni use maquinaria pesada "
            "mientras tome cualquier analgésico. Si no se siente estable, pregunte antes a su "
            "médico y no maneje."
        ),
        "two_week_followup": (
            "¿No tiene cita para el control de 2 semanas? Llame para pedirla para "
            "alrededor del {{ two_week_date }}. En ese control revisamos su herida y su avance."
        ),
        "recovery_2_weeks": (
            "Si su médico le recomienda fisioterapia, suele empezar por estas fechas. La mayor "
            "parte de las personas vuelve a sus actividades normales, incluido el trabajo, en "
            "{{ normal_activity_weeks }} semanas. Hasta que su médico le diga otra cosa, siga "
            "sin levantar objetos pesados ni hacer actividades intensas."
        ),
        "activity_6_weeks": (
            "La mayor parte de las personas puede volver al ejercicio y a la actividad intensa "
            "entre 6 y 8 semanas después del MILD. Consulte antes con su médico."
        ),
        "three_month_followup": (
            "¿No tiene cita para el control de 3 meses? Llame para pedirla para "
            "alrededor del {{ three_month_date }}. En ese control revisamos el alivio del dolor y "
            "su movilidad."
        ),
        "wound_check_visit": (
            "Le recordamos su cita para revisar la herida: el {{ appointment_date }} a las "
            "{{ appointment_time }}. Responda C para confirmar."
        ),
        "two_week_visit": (
            "Le recordamos su control de 2 semanas: el {{ appointment_date }} a las "
            "{{ appointment_time }}. Responda C para confirmar."
        ),
        "three_month_visit": (
            "Le recordamos su control de 3 meses: el {{ appointment_date }} a las "
            "{{ appointment_time }}. Responda C para confirmar."
        ),
        "procedure_moved": (
            "Su procedimiento MILD ha cambiado al {{ procedure_date }} a las "
            "{{ procedure_time }}.{% if mention_fasting %} No coma ni beba nada desde las "
            "{{ fasting_start_time }} {{ fasting_start_day }}.{% endif %}"
        ),
        "procedure_cancelled": (
            "Su procedimiento MILD del {{ procedure_date }} queda cancelado. No tenga en "
            "cuenta las indicaciones anteriores; nos pondremos en contacto con usted. Si ha "
            "dejado de tomar un anticoagulante por el procedimiento, llame para saber si ya "
            "puede volver a tomarlo."
        ),
        "question_pain": (
            "Una pregunta breve para saber de usted: del 0 (sin dolor) al 10 (el peor dolor "
            "imaginable), ¿qué tan fuerte fue su peor dolor de espalda o de pierna en las "
            "24 horas pasadas? Responda con una cifra."
        ),
        "question_pain_again": (
            "¿Su peor dolor de espalda o de pierna en las 24 horas pasadas, del 0 (nada) al "
            "10 (el peor)? Responda con una cifra."
        ),
        "question_walking": (
            "Y, aproximadamente, ¿qué tiempo puede caminar sin tener que parar? Responda con "
            "los minutos, por ejemplo 20."
        ),
        "question_walking_again": (
            "Aproximadamente, ¿qué tiempo puede caminar sin tener que parar? Responda con los "
            "minutos, por ejemplo 20."
        ),
        "opt_out_notice": "Responda ALTO para no recibir mensajes.",
        "consent_request": (
            "{{ clinic_name }} quiere enviarle mensajes de texto sobre su procedimiento MILD. "
            "Responda SI para recibirlos, o ALTO para no recibir mensajes."
        ),
    },
}
