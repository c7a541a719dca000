"""The FastAPI application: routers, and every failure mapped to one clear answer."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import Engine, text
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from scheduler.heartbeat import alive_workers, freshness_limit
from service.audit.endpoints import router as audit_router
from service.auth.endpoints import router as api_keys_router
from service.config import Settings
from service.console import install_console
from service.conversation.alerts import router as alerts_router
from service.conversation.inbound_webhook import router as inbound_webhook_router
from service.db import make_engine
from service.delivery.receipt_webhook import router as receipt_webhook_router
from service.errors import DomainError
from service.messaging.endpoints import router as messages_router
from service.metrics import render_metrics
from service.patients.endpoints import router as patients_router
from service.plan_admin.endpoints import router as plan_router
from service.procedures.appointment_endpoints import router as appointments_router
from service.procedures.endpoints import router as procedures_router
from service.procedures.worklist import router as worklist_router
from service.templates.endpoints import router as templates_router

log = logging.getLogger("reminders.api")


def _utc_now() -> datetime:
    return datetime.now(UTC)


def app_from_settings() -> FastAPI:
    """The app for `uvicorn --factory service.app:app_from_settings`, built from the
    environment: how `reminders api` starts each process when API_WORKERS > 1."""
    from service.config import get_settings
    from service.logging import configure_logging

    configure_logging()
    return create_app(get_settings())


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Callable[[], datetime] = _utc_now,
) -> FastAPI:
    # Like FastAPI(...), but /docs and /redoc load Swagger UI and ReDoc from the installed
    # package instead of a CDN: they work on a clinic network without internet.
    app = FastAPIOffline(
        title="mild-reminders",
        version="0.1.0",
        description="Texts patients through their recovery from a MILD procedure. "
        "Every /v1 call needs `Authorization: Bearer <api key>`.",
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.database_url)
    app.state.clock = clock

    for router in (
        patients_router,
        procedures_router,
        appointments_router,
        worklist_router,
        messages_router,
    ):
        app.include_router(router)
    for router in (templates_router, plan_router, api_keys_router, audit_router):
        app.include_router(router)
    # Twilio calls these: authenticated by X-Twilio-Signature, not by an API key.
    app.include_router(receipt_webhook_router)
    app.include_router(inbound_webhook_router)
    app.include_router(alerts_router)
    # The clinic's console: HTML pages for people signed in with their own account.
    install_console(app)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", tags=["health"], response_class=Response)
    def metrics() -> Response:
        """Prometheus text format: reminders by status and the worker's lag (no patient data)."""
        return Response(
            render_metrics(app.state.engine, app.state.clock), media_type=CONTENT_TYPE_LATEST
        )

    @app.get("/readyz", tags=["health"])
    def readyz() -> JSONResponse:
        try:
            with Session(app.state.engine) as session:
                session.execute(text("SELECT 1"))
        except Exception as exc:
            log.warning("database not ready: %s", type(exc).__name__)
            return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
        # Informational: the API serves whether or not a worker is running.
        try:
            alive = alive_workers(app.state.engine, app.state.clock(), freshness_limit(settings))
            workers = f"{alive} alive"
        except Exception as exc:
            log.warning("worker heartbeats unreadable: %s", type(exc).__name__)
            workers = "unknown"
        return JSONResponse({"status": "ok", "database": "up", "workers": workers})

    _install_error_handlers(app)
    return app


def _problem(status: int, message: str, errors: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse({"detail": message, "errors": errors}, status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        response = _problem(
            exc.status_code,
            f"{exc.field}: {exc.message}" if exc.field else exc.message,
            [{"field": exc.field, "message": exc.message}],
        )
        if headers:
            response.headers.update(headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for error in exc.errors():
            location = [str(part) for part in error.get("loc", ())]
            field = ".".join(location[1:]) if len(location) > 1 else (location or ["body"])[0]
            message = str(error.get("msg", "is invalid"))
            if error.get("type") == "json_invalid":
                message = "the body is not valid JSON"
            errors.append({"field": field, "message": message})
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return _problem(422, summary, errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _problem(exc.status_code, str(exc.detail), [])

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _problem(500, "internal error; nothing was changed", [])
