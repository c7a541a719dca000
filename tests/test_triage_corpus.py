"""The warning-sign matcher, measured on the labelled corpus, and the kinds of wording it reads."""

import pytest

from bench.triage import CORPUS, FALSE_ALARM_TARGET, PARTS, RECALL_TARGET, load, measure
from service.conversation.triage import mentions_warning_sign, warning_signs


def test_the_corpus_is_broad_enough_to_mean_something():
    replies = [r for part in PARTS for r in load(part)]
    assert len(replies) >= 300
    routine = sum(not r.urgent for r in replies)
    # About half routine; the issue-19 paraphrases add more ways of saying a sign.
    assert 0.35 <= routine / len(replies) <= 0.6
    for language in ("en", "es"):
        mine = [r for r in replies if r.language == language]
        assert sum(r.urgent for r in mine) >= 40 and sum(not r.urgent for r in mine) >= 40
    assert len({r.text for r in replies}) == len(replies)  # no reply counted twice


# Every part but rounds 7, 8 and 11 is tuning data (see bench/triage.py): each keeps the
# targets (rounds 7, 8 and 11, never tuned on, measured 1.000 at their first run), and the
# session-5 parts, written to look for what the matcher missed, are held to catching all.
# A part's own ceiling on false alarms stays well under the budget the issue allows, so a
# change that floods the inbox shows here even while recall holds.
THRESHOLDS = {part: (RECALL_TARGET, FALSE_ALARM_TARGET) for part in PARTS} | {
    "paraphrases_session5": (1.0, FALSE_ALARM_TARGET),
    "seen_session5_heldout": (1.0, FALSE_ALARM_TARGET),
    "probes_session5": (1.0, FALSE_ALARM_TARGET),
    "probes_session5b": (1.0, FALSE_ALARM_TARGET),
    "probes_session5c": (1.0, FALSE_ALARM_TARGET),
    "probes_session5d": (1.0, FALSE_ALARM_TARGET),
    "probes_session5e": (1.0, FALSE_ALARM_TARGET),
    "probes_session5f": (1.0, FALSE_ALARM_TARGET),
    "probes_session5g": (1.0, FALSE_ALARM_TARGET),
    "probes_session5h": (1.0, FALSE_ALARM_TARGET),
    "probes_session5i": (1.0, FALSE_ALARM_TARGET),
    "probes_session5j": (1.0, FALSE_ALARM_TARGET),
    "probes_session5k": (1.0, FALSE_ALARM_TARGET),
    "probes_session5l": (1.0, FALSE_ALARM_TARGET),
    "probes_session5m": (1.0, FALSE_ALARM_TARGET),
    "probes_session5n": (1.0, FALSE_ALARM_TARGET),
    "probes_session5o": (1.0, FALSE_ALARM_TARGET),
    "probes_session5p": (1.0, FALSE_ALARM_TARGET),
    "probes_session5q": (1.0, FALSE_ALARM_TARGET),
}


@pytest.mark.parametrize("part", PARTS)
def test_the_matcher_catches_warning_signs_without_crying_wolf(part):
    score = measure(part, load(part))
    recall_floor, false_alarm_ceiling = THRESHOLDS[part]
    assert score.recall >= recall_floor, score.missed
    assert score.false_alarms <= false_alarm_ceiling, score.flagged_routine


def test_every_part_is_listed_and_none_is_left_out():
    on_disk = {path.stem for path in CORPUS.glob("*.tsv")}
    assert on_disk == set(PARTS) == set(THRESHOLDS)


@pytest.mark.parametrize(
    ("reply", "urgent"),
    [
        ("temp 100.4", True),
        ("temp 100.3", False),
        ("38.0 C", True),
        ("37.9°C", False),
        ("tengo 38,4", True),
        ("101°F", True),
        ("99 F", False),
        ("no fever", False),
        ("No fever, but my legs are numb", True),
        ("no, I do have a fever", True),
        ("I have no idea why I'm bleeding", True),
        ("a little sore", False),
        ("a spot of blood on the gauze", False),
        ("pain 9/10", True),
        ("pain 3/10", False),
        ("feverr", True),
        ("numbnes in my leg", True),
        ("next week", False),
        ("never mind, found it", False),
        ("I fell asleep early", False),
        ("blood thinner question", False),
        # Issue 19, erring towards a person: what a leaking patient wears, a swelling said
        # as its shape, an event said without a body part, reassurance only where it is said.
        ("wearing a pad just in case now", True),
        ("mi esposo usa pañal desde ayer", True),
        ("there's a lump by the stitches", True),
        ("pain is better, but i had to wear a pad", True),
        ("something happened last night, please call", True),
        ("im worried about my husband", True),
        ("pain meds are not helping", True),
        ("my neck is stiff and my head pounds", True),
        ("sore but manageable", False),
        ("the ice packs help a lot", False),
        ("no numbness, no weakness", False),
        ("not worried, all good", False),
        ("thanks, see you thursday", False),
        ("4 in my back, 3 in my leg", False),  # a check-in's pain scores, read as numbers
        ("tres en la espalda, dos en la pierna", False),  # in words
        ("i walk at 7am", False),
        ("about twenty minutes", False),
        # Issue 19, sixth change: a body part or symptom with a change or a loss, in either
        # language and as people type, unless clearly negated. A loss is never softened
        # ("a bit"); "no siento" is a loss of feeling; a cut ("cortada") is a wound.
        ("the wound came apart a bit", True),
        ("no siento nada cuando me limpio", True),
        ("le sale agua amarilla a la cortada", True),
        ("la erida se abrio", True),  # a silent h, as typed
        ("ise pipi en la cama sin sentir", True),
        ("my leg buckled going down the stairs", True),
        ("no my legs are dead", True),  # a "no" that answers, typed without a comma
        ("my legs feel different today not in a good way", True),
        ("its numb where you sit on a saddle", True),
        ("it opened up last night", True),  # a loss without the part
        ("pain is going down both legs now", True),
        ("i havent pooped in 5 days and my belly is hard", True),
        ("el pie izquierdo no lo levanto bien", True),
        ("getting worse not better", True),
        # What the body does, said not to happen, is a loss; a symptom said not to
        # happen is reassurance.
        ("he is not peeing", True),
        ("no camina bien", True),
        ("no pain when I pee", False),
        ("no trouble walking", False),
        # Clearly routine: thanks, a question about time, parking or food, "feeling good",
        # "no problems", a symptom said to be absent, a change for the better.
        ("thanks so much", False),
        ("what time do i come in", False),
        ("where do i park", False),
        ("i cant find parking", False),
        ("can i eat before", False),
        ("feeling good", False),
        ("no problems", False),
        ("no bladder problems", False),
        ("no tengo problemas para orinar", False),
        ("no siento dolor", False),
        ("I dont feel any numbness", False),
        ("legs are not numb", False),
        ("my legs feel different, so much better than before", False),
        ("the numbness in my foot is going away", False),
        ("i lost my appointment card", False),
        # Round 9's kinds (triage_context): a sign that is not there now is set aside only
        # when clearly so; the sign beside it, or said to be there after all, is read.
        ("what if I get a fever, who do I call?", False),
        # The incision as patients see it: a small hole where the instruments went in.
        ("the little hole in my back split open", True),
        ("el hoyito donde me picaron se abrio y sale agua", True),
        ("the hole where they went in is healing nicely", False),
        # The gravest signs stay with a person even as a hypothetical.
        ("if I ever cant hold my urine, ER or you?", True),
        ("what if my legs go weak, who do I call?", True),
        ("si se me duermen las piernas, a quien llamo?", True),
        ("leaflet says call if you cant pee and I cant", True),
        ("what does it mean if I can't pee", True),
        ("my friend had the same surgery and her legs went numb, mine are numb too", True),
        ("my legs are numb, and my knee hurts like always", True),
        ("my legs are numb, I had a fever before the procedure", True),
        ("the wound healed, but my legs are numb", True),
        ("the wound closed but is red", True),
        ("it stopped but came back", True),
        ("pain about a 4, ice helps", False),
        ("que hago si no puedo orinar desde ayer?", True),
        ("y si me sale pus? ya me esta saliendo algo amarillo", True),
        ("I had a fall last week, all good now", True),
        ("you said to call if I get a fever, so here I am, 101", True),
        ("dijeron que llame si me da fiebre, pues me dio", True),  # a fall is never set aside
    ],
)
def test_kinds_of_wording(reply, urgent):
    assert mentions_warning_sign(reply) is urgent, warning_signs(reply)


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        ("no siento nada cuando me limpio", "bladder_bowel"),
        ("my leg buckled going down the stairs", "numbness_weakness"),
        ("the wound came apart a bit", "infection"),
        ("se me abrio un poquito la herida", "infection"),
    ],
)
def test_a_sign_caught_by_its_change_is_answered_for_its_kind(reply, kind):
    # The answer says what to do for the kind (service/conversation/answers.py): loss of
    # feeling in the saddle area or legs -> the emergency room now; a wound -> the clinic.
    assert kind in warning_signs(reply)
