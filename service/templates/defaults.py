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
}
