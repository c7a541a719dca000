import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.templates.segments import (
    GSM7_BASIC,
    GSM7_BASIC_TABLE,
    GSM7_EXTENSION,
    SegmentCount,
    count_segments,
)

GSM_BASIC_CHARS = sorted(GSM7_BASIC)


def test_default_alphabet_table_is_the_3gpp_one():
    assert len(GSM7_BASIC_TABLE) == 128
    assert len(set(GSM7_BASIC_TABLE)) == 128
    # Spot checks at their code points (3GPP TS 23.038 section 6.2.1).
    expected = {
        0x00: "@", 0x01: "£", 0x02: "$", 0x03: "¥", 0x04: "è", 0x05: "é", 0x06: "ù",
        0x07: "ì", 0x08: "ò", 0x09: "Ç", 0x0A: "\n", 0x0B: "Ø", 0x0C: "ø", 0x0D: "\r",
        0x0E: "Å", 0x0F: "å", 0x10: "Δ", 0x11: "_", 0x12: "Φ", 0x13: "Γ", 0x14: "Λ",
        0x15: "Ω", 0x16: "Π", 0x17: "Ψ", 0x18: "Σ", 0x19: "Θ", 0x1A: "Ξ", 0x1B: "\x1b",
        0x1C: "Æ", 0x1D: "æ", 0x1E: "ß", 0x1F: "É", 0x20: " ", 0x24: "¤", 0x40: "¡",
        0x41: "A", 0x5A: "Z", 0x5B: "Ä", 0x5C: "Ö", 0x5D: "Ñ", 0x5E: "Ü", 0x5F: "§",
        0x60: "¿", 0x61: "a", 0x7A: "z", 0x7B: "ä", 0x7C: "ö", 0x7D: "ñ", 0x7E: "ü",
        0x7F: "à",
    }  # fmt: skip
    for code, char in expected.items():
        assert GSM7_BASIC_TABLE[code] == char, hex(code)
    for code in range(0x21, 0x40):
        if code != 0x24:
            assert GSM7_BASIC_TABLE[code] == chr(code), hex(code)
    assert "\x1b" not in GSM7_BASIC  # the escape is not a character of its own
    assert set("\f^{}\\[~]|€") == GSM7_EXTENSION
    assert not GSM7_BASIC & GSM7_EXTENSION


@pytest.mark.parametrize("char", ["`", "¢", "á", "í", "ó", "ú", "ç", "\t", "\x1b", "\u00a0"])
def test_characters_outside_both_tables_force_ucs2(char):
    assert count_segments("hello " + char).encoding == "UCS-2"


def test_empty_text_costs_one_segment():
    assert count_segments("") == SegmentCount(characters=0, encoding="GSM-7", segments=1, units=0)


@pytest.mark.parametrize(
    ("length", "segments"), [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)]
)
def test_gsm7_segment_boundaries(length, segments):
    result = count_segments("a" * length)
    assert result == SegmentCount(length, "GSM-7", segments, length)


def test_extension_characters_cost_two_septets():
    assert count_segments("€" * 80) == SegmentCount(80, "GSM-7", 1, 160)
    assert count_segments("€" * 81) == SegmentCount(81, "GSM-7", 2, 162)
    assert count_segments("{x}").units == 5
    assert count_segments("a\fb").units == 4


def test_escape_pair_is_not_split_across_segments():
    # 152 plain septets leave one septet in the first part: '€' needs two, so it moves
    # to the second part. By septets alone, 152 + 2 + 152 = 306 would fit in two parts.
    text = "a" * 152 + "€" + "a" * 152
    assert count_segments(text).units == 306
    assert count_segments(text) == SegmentCount(305, "GSM-7", 3, 306)
    # One septet fewer after it and everything fits in two parts again.
    assert count_segments("a" * 152 + "€" + "a" * 151).segments == 2
    # With the pair landing whole at the end of the first part there is no waste.
    assert count_segments("a" * 151 + "€" + "a" * 153).segments == 2


@pytest.mark.parametrize(
    ("length", "segments"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)]
)
def test_ucs2_segment_boundaries(length, segments):
    result = count_segments("á" * length)
    assert result == SegmentCount(length, "UCS-2", segments, length)


def test_emoji_counts_two_utf16_units():
    result = count_segments("Hi 👋")
    assert result == SegmentCount(characters=4, encoding="UCS-2", segments=1, units=5)
    assert count_segments("👋" * 35) == SegmentCount(35, "UCS-2", 1, 70)
    assert count_segments("👋" * 36).segments == 2


def test_surrogate_pair_is_not_split_across_segments():
    # 66 units, then an emoji that would straddle units 67-68: it starts part two.
    text = "á" * 66 + "👋" + "á" * 66
    assert count_segments(text).units == 134
    assert count_segments(text).segments == 3
    assert count_segments("á" * 65 + "👋" + "á" * 67).segments == 2


def test_spanish_with_only_gsm_letters_stays_gsm7():
    result = count_segments("Nos vemos mañana a las 7:00. ¿Preguntas? Llame al ÑÜü é.")
    assert result.encoding == "GSM-7"


def test_despues_stays_gsm7_because_e_acute_is_in_the_basic_table():
    # é (0x05) is in the default alphabet; it is á í ó ú that are not.
    assert count_segments("Llame después de su procedimiento.").encoding == "GSM-7"


@pytest.mark.parametrize("text", ["Llámenos hoy.", "Su cita es el día 7.", "Sí", "Tómela", "Úselo"])
def test_spanish_accent_outside_gsm7_switches_to_ucs2(text):
    result = count_segments(text)
    assert result.encoding == "UCS-2"
    assert result.units == len(text)


def test_decomposed_accent_is_ucs2():
    # "é" as e + COMBINING ACUTE ACCENT: the combining mark is not GSM-7.
    assert count_segments("despue\u0301s").encoding == "UCS-2"


def test_characters_is_code_points():
    assert count_segments("a👋€").characters == 3


@given(st.text(), st.text(min_size=1))
def test_appending_never_lowers_the_segment_count(prefix, suffix):
    assert count_segments(prefix + suffix).segments >= count_segments(prefix).segments


@given(st.lists(st.sampled_from(GSM_BASIC_CHARS)).map("".join))
def test_basic_gsm7_text_follows_the_simple_formula(text):
    expected = 1 if len(text) <= 160 else math.ceil(len(text) / 153)
    result = count_segments(text)
    assert result.encoding == "GSM-7"
    assert result.units == len(text)
    assert result.segments == expected


@given(st.text(alphabet=st.sampled_from(GSM_BASIC_CHARS + sorted(GSM7_EXTENSION))))
def test_gsm7_parts_never_exceed_153_septets(text):
    result = count_segments(text)
    # Greedy packing wastes at most one septet per part, never more.
    if result.segments > 1:
        assert math.ceil(result.units / 153) <= result.segments
        assert result.segments <= math.ceil(result.units / 152)
