import re
import unicodedata

import jinja2.sandbox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.templates.constructs import TEXT_METHODS, USER_FILTERS
from service.templates.sandbox import (
    SAMPLE_VARIABLES,
    TEMPLATE_VARIABLES,
    TemplateInvalid,
    TemplateProblem,
    normalize_whitespace,
    render_template,
    validate_template,
)

GOOD = (
    "Hi {{ given_name }}, your MILD procedure at {{ clinic_name }} is {{ procedure_date }} "
    "at {{ procedure_time }}.\n"
    "{% if fasting_start_time %}Nothing to eat or drink from {{ fasting_start_time }} "
    "{{ fasting_start_day }}.{% endif %}\n"
    "Questions? Call {{ clinic_phone }}."
)


def test_variables_are_documented_and_sampled():
    assert set(TEMPLATE_VARIABLES) == set(SAMPLE_VARIABLES)
    assert {
        "given_name", "family_name", "clinic_name", "clinic_phone", "procedure_date",
        "procedure_time", "fasting_start_time", "fasting_start_day", "fasting_hours",
        "appointment_date", "appointment_time", "appointment_kind", "wound_check_from_day",
        "wound_check_to_day",
    } <= set(TEMPLATE_VARIABLES)  # fmt: skip
    assert all(description.strip() for description in TEMPLATE_VARIABLES.values())


def test_template_using_every_variable_is_fine():
    # mention_fasting is a yes/no value: it belongs in an {% if %}, not in the words.
    words = [name for name in TEMPLATE_VARIABLES if name != "mention_fasting"]
    body = " ".join(f"{{{{ {name} }}}}" for name in words)
    body += "{% if mention_fasting %}!{% endif %}"
    assert validate_template(body) == []
    rendered = render_template(body, SAMPLE_VARIABLES)
    assert rendered == " ".join(str(SAMPLE_VARIABLES[name]) for name in words) + "!"


def test_good_template_validates_and_renders_with_samples():
    assert validate_template(GOOD) == []
    assert render_template(GOOD, SAMPLE_VARIABLES) == (
        "Hi Maria, your MILD procedure at Valley Spine Center is Tuesday, March 16 at 7:00 AM.\n"
        "Nothing to eat or drink from 11:00 PM on Monday, March 15.\n"
        "Questions? Call (555) 201-4477."
    )


def test_filters_conditionals_and_numbers_are_allowed():
    body = (
        "{{ given_name|upper }}: wound check {{ wound_check_from_day }}-{{ wound_check_to_day }}"
        " days after. Fast {{ fasting_hours }}h ({{ fasting_hours * 60 }} min)."
        "{% if appointment_kind == 'wound check' %} See you!{% endif %}"
    )
    assert validate_template(body) == []
    assert render_template(body, SAMPLE_VARIABLES) == (
        "MARIA: wound check 7-10 days after. Fast 8h (480 min). See you!"
    )


def test_syntax_error_reports_its_line():
    problems = validate_template("Hi {{ given_name }},\nsee you {{ procedure_date }\nBye.")
    assert len(problems) == 1
    assert problems[0].line == 2
    assert "syntax error" in problems[0].message


def test_unclosed_block_is_a_syntax_error():
    problems = validate_template("Hi\n{% if given_name %}\nthere")
    assert len(problems) == 1
    assert "syntax error" in problems[0].message
    assert problems[0].line is not None


def test_unknown_variable_reported_at_its_first_use():
    body = (
        "Hi {{ given_name }},\n{% if true %}\nsee you {{ proceduredate }}\n{% endif %}\n"
        "{{ proceduredate }}"
    )
    assert validate_template(body) == [TemplateProblem(3, "unknown variable 'proceduredate'")]


def test_each_unknown_variable_reported_once_in_line_order():
    body = "{{ zeta }}\n{{ alpha }} {{ zeta }}\n{{ given_name }}"
    assert validate_template(body) == [
        TemplateProblem(1, "unknown variable 'zeta'"),
        TemplateProblem(2, "unknown variable 'alpha'"),
    ]


def test_unknown_variable_in_an_untaken_branch_is_still_reported():
    problems = validate_template("{% if false %}{{ nope }}{% endif %}")
    assert problems == [TemplateProblem(1, "unknown variable 'nope'")]


def test_template_local_names_are_not_unknown():
    body = "{% set who = given_name %}{% for ch in who %}{{ loop.index }}{{ ch }}{% endfor %}"
    assert validate_template(body) == []


def test_allowed_can_be_narrowed_or_extended():
    assert validate_template("{{ given_name }}", allowed=["clinic_name"]) == [
        TemplateProblem(1, "unknown variable 'given_name'")
    ]
    assert validate_template("{{ fragments }}", allowed={"fragments"}) == []


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ given_name.__class__ }}",
        "{{ given_name['__class__'] }}",
        "{{ given_name|attr('__class__') }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ [].append(1) }}",
        "{% set d = {} %}{{ d.update({'a': 1}) }}",
        "{% for x in range(10**9) %}x{% endfor %}",
        "{{ lipsum(10**6) }}",
        "{{ 'a' * 10**9 }}",
        "{{ [0] * 10**9 }}",
        "{{ 10**10**10 }}",
        "{{ '{0.__class__}'.format(given_name) }}",
        "{{ given_name.nonexistent }}",
        "{{ given_name + 1 }}",
        "{{ fasting_hours|length }}",
        "{{ 1 / 0 }}",
        "{{ given_name|nosuchfilter }}",
        "{% if given_name is nosuchtest %}x{% endif %}",
        "{% include 'other.txt' %}",
        "{% extends 'base.txt' %}",
        "{% import 'macros.txt' as m %}",
        "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
    ],
)
def test_unsafe_or_broken_templates_are_refused_without_crashing(body):
    problems = validate_template(body)
    assert problems
    assert all(isinstance(p, TemplateProblem) and p.message for p in problems)
    with pytest.raises(TemplateInvalid):
        render_template(body, SAMPLE_VARIABLES)


_METHODS = ", ".join(sorted(TEXT_METHODS))
_FILTERS = ", ".join(USER_FILTERS)


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("x\n{{ given_name.__class__ }}", 2, "access to '__class__' is not allowed"),
        ("{{ [].append(1) }}", 1, "'.append' is not supported; text methods: " + _METHODS),
        (
            "\n\n{{ given_name.nonexistent }}",
            3,
            "'.nonexistent' is not supported; text methods: " + _METHODS,
        ),
        ("{{ 'a' * 10**9 }}", 1, "not allowed: repeating to more than 2000 items"),
        ("{{ 10**10**10 }}", 1, "not allowed: number too large"),
        (
            "a\n{{ given_name|nosuchfilter }}",
            2,
            "no filter named 'nosuchfilter'; filters: " + _FILTERS,
        ),
    ],
)
def test_refusals_say_what_and_where(body, line, message):
    assert validate_template(body) == [TemplateProblem(line, message)]


@pytest.mark.parametrize(
    ("body", "tag"),
    [
        ("{% include 'other.txt' %}", "include"),
        ("{% extends 'base.txt' %}", "extends"),
        ("{% import 'm.txt' as m %}", "import"),
        ("{% from 'm.txt' import x %}", "from"),
    ],
)
def test_other_templates_cannot_be_pulled_in(body, tag):
    assert validate_template(body) == [TemplateProblem(1, f"{{% {tag} %}} is not supported")]


def test_private_access_in_an_untaken_branch_is_still_reported():
    body = "{% if false %}\n{{ given_name.__class__.__mro__ }}\n{% endif %}"
    assert {p.line for p in validate_template(body)} == {2}


def test_template_globals_are_gone():
    # Jinja's defaults (range, lipsum, cycler, joiner, namespace, dict) are not offered:
    # each is an unknown variable like any other.
    for name in ("range", "lipsum", "cycler", "joiner", "namespace", "dict"):
        assert validate_template(f"{{{{ {name} }}}}") == [
            TemplateProblem(1, f"unknown variable '{name}'")
        ]


def test_jinja_sandbox_caps_range_itself():
    # Were `range` ever offered again, the sandbox refuses huge ranges with OverflowError
    # (not SecurityError); validate_template reports any such error as a problem.
    with pytest.raises(OverflowError, match="MAX_RANGE"):
        jinja2.sandbox.safe_range(10**9)
    assert len(jinja2.sandbox.safe_range(100)) == 100


def test_repetition_within_the_cap_still_works():
    assert render_template("{{ '-' * 10 }}", {}) == "-" * 10
    assert render_template("{{ 2 ** 10 }}", {}) == "1024"


@pytest.mark.parametrize("body", ["", "   ", "\n\t\n"])
def test_empty_template_is_a_problem(body):
    assert validate_template(body) == [TemplateProblem(None, "the template is empty")]


def test_template_that_renders_to_blank_is_not_refused_by_validation():
    # Only the source is checked for emptiness; a conditional may legitimately be empty.
    assert validate_template("{% if false %}x{% endif %}") == []


def test_render_normalises_whitespace():
    body = (
        "\n\n   Hi   {{ given_name }},\t\tsee you\u00a0soon.  \n"
        "{% if true %}\n"
        "   Call {{ clinic_phone }}.   \n"
        "{% endif %}\n\n\n\n"
        "Bye.\r\n\n  \n"
    )
    assert render_template(body, SAMPLE_VARIABLES) == (
        "Hi Maria, see you soon.\n\nCall (555) 201-4477.\n\nBye."
    )


def test_render_keeps_single_newlines():
    assert render_template("a\nb\n\nc", {}) == "a\nb\n\nc"


def test_normalise_composes_accents():
    assert normalize_whitespace("despue\u0301s") == "después"


def _tidied_line_by_line(text: str) -> str:
    # The rule as the docstring states it, one line at a time: what the worker's
    # faster whole-text passes (and its shortcut for already tidy texts) must equal.
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


@settings(max_examples=500)
@given(st.text(alphabet=" \n\r\t\x0b\x1c\x85\xa0\u2028abé\u0301¿", max_size=16))
def test_tidy_or_not_a_text_comes_out_as_the_rule_says(text):
    assert normalize_whitespace(text) == _tidied_line_by_line(text)


def test_render_missing_variable_raises_with_line():
    with pytest.raises(TemplateInvalid) as caught:
        render_template("Hi\n{{ given_name }} {{ family_name }}", {"given_name": "Maria"})
    assert caught.value.problems == [TemplateProblem(2, "'family_name' is undefined")]
    assert str(caught.value) == "line 2: 'family_name' is undefined"


def test_render_syntax_error_raises():
    with pytest.raises(TemplateInvalid) as caught:
        render_template("a\n{{ oops }", {})
    assert caught.value.problems[0].line == 2


def test_render_sandbox_refusal_raises():
    with pytest.raises(TemplateInvalid, match="__class__"):
        render_template("{{ given_name.__class__ }}", SAMPLE_VARIABLES)


def test_render_accepts_variables_outside_the_documented_set():
    # The composer passes extras such as the rendered fragments of a frame.
    assert render_template("{{ fragments }}", {"fragments": "Hello."}) == "Hello."


def test_template_invalid_message_lists_every_problem():
    error = TemplateInvalid(
        [
            TemplateProblem(2, "unknown variable 'foo'"),
            TemplateProblem(None, "the template is empty"),
        ]
    )
    assert str(error) == "line 2: unknown variable 'foo'; the template is empty"


def test_rendering_same_body_twice_gives_same_text():
    first = render_template(GOOD, SAMPLE_VARIABLES)
    assert render_template(GOOD, {**SAMPLE_VARIABLES, "given_name": "Ana"}) == first.replace(
        "Maria", "Ana"
    )


_TOKENS = st.sampled_from(
    [
        "{{", "}}", "{%", "%}", "{#", "#}", "given_name", "fasting_hours", "foo", ".", "__class__",
        "append", "(", ")", "[", "]", "if", "else", "endif", "for", "in", "endfor", "set", "=",
        " ", "\n", "'", '"', "|", "upper", "length", "attr", "*", "**", "+", "/", "9", "0", ",",
        "range", "true", "none", "~", "-",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None)  # validation compiles and renders a few times
@given(st.lists(_TOKENS, max_size=25).map("".join))
def test_validation_never_crashes_and_agrees_with_render(body):
    problems = validate_template(body)
    assert all(isinstance(p, TemplateProblem) for p in problems)
    if not problems:
        # What validation accepts renders with the sample values.
        render_template(body, SAMPLE_VARIABLES)
