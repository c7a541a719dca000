"""The clinic's console: server-rendered pages over the same domain services as the API.

See README.md in this folder for how to add a page and write its browser story.
"""

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def install_console(app: FastAPI) -> None:
    """Mount the console's pages and its stylesheet on `app`."""
    from service.console.account_pages import router as account_router
    from service.console.api_keys_pages import router as api_keys_router
    from service.console.audit_pages import router as audit_router
    from service.console.auth_pages import router as auth_router
    from service.console.feed_pages import router as feeds_router
    from service.console.import_pages import router as imports_router
    from service.console.inbox_pages import router as inbox_router
    from service.console.outcomes_pages import router as outcomes_router
    from service.console.patients_pages import router as patients_router
    from service.console.plan_pages import router as plan_router
    from service.console.procedure_pages import router as procedures_router
    from service.console.question_pages import router as questions_router
    from service.console.record_pages import router as record_router
    from service.console.template_pages import router as template_router
    from service.console.today import router as today_router
    from service.console.users_pages import router as users_router
    from service.console.visit_pages import router as visits_router

    for router in (
        auth_router,
        account_router,
        today_router,
        users_router,
        api_keys_router,
        audit_router,
        feeds_router,
        imports_router,
        record_router,
        patients_router,
        procedures_router,
        visits_router,
    ):
        app.include_router(router)
    # The inbox, texts, plan, check-in questions and outcomes pages.
    for router in (inbox_router, template_router, plan_router, questions_router, outcomes_router):
        app.include_router(router)
    app.mount("/console-assets", StaticFiles(directory=STATIC), name="console-assets")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        # Browsers ask for /favicon.ico whatever the page says: our own SVG, no 404 logged.
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")
