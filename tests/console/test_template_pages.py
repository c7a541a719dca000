"""Browser stories: an admin rewords a text with the live preview, saves it, compares
and restores versions; staff read the words but cannot change them."""

import re

from playwright.sync_api import expect
from sqlmodel import Session, select

from service.templates.defaults import STEP_TEXTS
from service.templates.models import MessageTemplate
from tests.console.conftest import ADMIN, STAFF, assert_accessible, sign_in

NEW_WORDING = (
    "Your MILD procedure is {{ procedure_date }} at {{ procedure_time }}.\n"
    "Bring your photo ID and your insurance card."
)


def _versions(engine):
    with Session(engine) as session:
        return list(
            session.exec(
                select(MessageTemplate).where(
                    MessageTemplate.step == "prep_week", MessageTemplate.language == "en"
                )
            )
        )


def test_admin_rewords_a_text_with_the_live_preview_then_restores_the_old_one(page, console_app):
    sign_in(page, ADMIN)
    page.get_by_role("link", name="Texts").click()
    assert_accessible(page)
    page.get_by_role("link", name="Prep week in English").click()
    preview = page.locator("#preview-text")
    counts = page.locator("#preview-counts")
    assert preview.inner_text().startswith("Lakeside Spine: Hi Maria.")  # the clinic signs
    assert re.fullmatch(r"\d+ characters, GSM-7, 2 SMS segments \(at most 4\)", counts.inner_text())
    assert_accessible(page)

    # Typing updates the preview and the counts without leaving the page.
    box = page.get_by_label("Text of this step")
    box.fill(NEW_WORDING)
    expect(preview).to_contain_text("photo ID")
    assert "Your MILD procedure is Tuesday, March 16 at 7:00 AM." in preview.inner_text()
    expect(counts).to_contain_text("1 SMS segment ")
    assert "GSM-7" in counts.inner_text()

    box.fill(NEW_WORDING + " Ánimo.")  # one accent turns the whole text into UCS-2
    expect(counts).to_contain_text("UCS-2")
    assert "3 SMS segments" in counts.inner_text()  # 67 characters a segment in UCS-2

    box.fill(NEW_WORDING + "\nSee you, {{ nickname }}.")
    problem = page.locator("#preview-problem")
    problem.wait_for(state="visible")
    assert "Line 3: unknown variable 'nickname'" in problem.inner_text()
    assert preview.is_hidden()

    # Saving the mistake saves nothing and says where it is.
    page.get_by_role("button", name="Save as a new version").click()
    assert "Line 3: unknown variable 'nickname'" in page.locator("#body-error").inner_text()
    assert page.title().startswith("Error: ")
    assert box.input_value().endswith("{{ nickname }}.")
    assert _versions(console_app.engine) == []
    assert_accessible(page)

    box.fill(NEW_WORDING)
    page.get_by_role("button", name="Save as a new version").click()
    assert "Saved as version 1" in page.get_by_role("status").inner_text()
    first = page.locator("table").nth(1).locator("tbody tr").first
    assert "In force" in first.inner_text() and ADMIN.name in first.inner_text()

    page.get_by_role("link", name="Changes from version 0 to version 1").click()
    changes = page.locator(".diff")
    assert "insurance" in " ".join(changes.locator("ins").all_inner_texts())
    assert "blood thinners" in " ".join(changes.locator("del").all_inner_texts())
    assert_accessible(page)

    page.get_by_role("button", name="Restore version 0").click()
    assert "Version 0 restored as version 2" in page.get_by_role("status").inner_text()
    assert box.input_value() == STEP_TEXTS["en"]["prep_week"]
    saved = sorted(_versions(console_app.engine), key=lambda v: v.version)
    assert [(v.version, v.is_active, v.restored_from_version) for v in saved] == [
        (1, False, None),
        (2, True, 0),
    ]


def test_preview_without_javascript_renders_on_the_server_for_a_real_procedure(
    browser, console_app, console_clock
):
    from tests.support.clinic_api import api_client, enroll_and_book

    with api_client(console_app, console_clock()) as api:
        _, procedure = enroll_and_book(
            api,
            "Rosa",
            "Jiménez",
            "(213) 555-0199",
            "America/Los_Angeles",
            "2027-03-02T10:30:00",
            language="es",
        )
    # Reading the page goes through page.content(): Playwright's element queries need
    # scripts, which this browser has switched off.
    context = browser.new_context(base_url=console_app.base_url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_in(page, ADMIN)
        page.goto("/templates/prep_week/es")
        page.get_by_label("Text of this step").fill("Su cita es el {{ procedure_date }}.")
        page.get_by_label("Preview for a real procedure (optional)").fill(str(procedure))
        page.get_by_role("button", name="Preview").click()
        shown = page.content()
        assert (
            '<blockquote class="sms" id="preview-text" lang="es">Lakeside Spine: Hola, Rosa. '
            "Su cita es el martes 2 de marzo. ¿Dudas? Llame al (555) 201-3344.</blockquote>"
        ) in shown
        assert "Su cita es el {{ procedure_date }}.</textarea>" in shown  # kept as typed
        assert _versions(console_app.engine) == []  # a preview saves nothing

        page.get_by_label("Preview for a real procedure (optional)").fill("999999")
        page.get_by_role("button", name="Preview").click()
        shown = page.content()
        assert "No procedure with id 999999" in shown
        assert 'id="procedure_id-error"' in shown
    finally:
        context.close()


def test_staff_read_the_wording_but_get_no_form_and_their_posts_are_refused(page, console_app):
    sign_in(page, STAFF)
    page.goto("/templates")
    assert "Only admins can change texts" in page.locator("main").inner_text()
    page.get_by_role("link", name="Prep week in Spanish").click()
    assert "Hola, Maria." in page.locator("#preview-text").inner_text()
    # Staff read the text as the patient gets it: no template syntax.
    assert "{{" not in page.locator("main").inner_text()
    assert page.get_by_label("Text of this step").count() == 0
    assert page.get_by_role("button", name=re.compile("Restore")).count() == 0
    assert_accessible(page)

    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    for path in ("/templates/prep_week/es", "/templates/prep_week/es/restore/0"):
        refused = page.request.post(
            path, form={"csrf_token": token, "body": "Nada.", "action": "save"}
        )
        assert refused.status == 403
    assert _versions(console_app.engine) == []
