"""/docs and /redoc render with every request outside 127.0.0.1 blocked (a clinic
network without internet): their assets come from an installed package."""

from urllib.parse import urlsplit

import pytest


@pytest.fixture
def offline_page(page):
    """The page, with any request to a host other than 127.0.0.1 refused and recorded."""
    asked_outside: list[str] = []

    def only_loopback(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            asked_outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_loopback)
    page.asked_outside = asked_outside
    return page


def test_api_docs_render_without_internet(offline_page, console_app):
    offline_page.goto("/docs")
    operation = offline_page.locator(".opblock-summary-path", has_text="/v1/patients").first
    operation.wait_for(state="visible")
    assert offline_page.locator(".opblock").count() > 20
    assert offline_page.asked_outside == []


def test_redoc_renders_without_internet(offline_page, console_app):
    offline_page.goto("/redoc")
    # ReDoc lays out the whole API in the browser: slow on a loaded machine.
    heading = offline_page.get_by_role("heading", name="mild-reminders").first
    heading.wait_for(state="visible", timeout=30_000)
    assert offline_page.locator("[data-section-id]").count() > 20
    # Not even ReDoc's "powered by" logo: the page's policy keeps it from asking.
    assert offline_page.asked_outside == []
