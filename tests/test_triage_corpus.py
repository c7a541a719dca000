"""The warning-sign matcher, measured on the labelled corpus, and the kinds of wording it reads."""

import pytest

from bench.triage import FALSE_ALARM_TARGET, PARTS, RECALL_TARGET, load, measure
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


# Issue 19's unseen rounds 5 and 6 measure below the recall target (first runs 0.911 and
# 0.897; misses listed in bench/RESULTS.md). They are never tuned on, so the gap stays
# visible. Round 4 was seen (its misses taught the fifth change).
_BELOW_TARGET = pytest.mark.xfail(strict=True, reason="held out, below target, not tuned on")


@pytest.mark.parametrize(
    "part",
    [
        pytest.param(p, marks=_BELOW_TARGET) if p in ("heldout_round5", "heldout_round6") else p
        for p in PARTS
    ],
)
def test_the_matcher_catches_warning_signs_without_crying_wolf(part):
    score = measure(part, load(part))
    assert score.recall >= RECALL_TARGET, score.missed
    assert score.false_alarms <= FALSE_ALARM_TARGET, score.flagged_routine


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
    ],
)
def test_kinds_of_wording(reply, urgent):
    assert mentions_warning_sign(reply) is urgent, warning_signs(reply)
