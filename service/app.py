"""The FastAPI application: routers, and every failure mapped to one clear answer."""

import hmac
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import Engine, text
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlmodel import Session
from starlette.datastructures import State
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.api_keys.endpoints import router as api_keys_router
from service.audit.endpoints import router as audit_router
from service.auth.throttle import FailedAuthThrottle
from service.checkins.endpoints import router as check_ins_router
from service.config import Settings
from service.console import install_console
from service.console.routing import not_found_page, wants_a_page
from service.conversation.endpoints import router as inbox_router
from service.conversation.inbound_webhook import router as inbound_webhook_router
from service.db import make_engine
from service.delivery.receipt_webhook import router as receipt_webhook_router
from service.edge.access_log import AccessLog
from service.edge.body_limit import BodySizeLimit
from service.edge.headers import SecurityHeaders
from service.edge.proxy import TrustedProxies
from service.edge.query import refuse_unknown_query_parameters
from service.errors import DomainError, NotAuthenticated, TooManyAttempts
from service.intake.fhir.chart_endpoints import router as fhir_chart_router
from service.intake.fhir.endpoints import router as fhir_router
from service.intake.fhir.update_endpoints import router as fhir_update_router
from service.intake.spreadsheet.endpoints import router as imports_router
from service.metrics import render_metrics
from service.openapi import install_openapi
from service.patients.endpoints import router as patients_router
from service.plan_admin.endpoints import router as plan_router
from service.procedures.appointment_endpoints import router as appointments_router
from service.procedures.endpoints import router as procedures_router
from service.procedures.worklist import router as worklist_router
from service.records.endpoints import router as patient_records_router
from service.templates.endpoints import router as templates_router
from service.workers.heartbeat import alive_workers, freshness_limit

log = logging.getLogger("reminders.api")

# What a client is told to wait when the database is down or locked: a restart or a
# failover takes seconds, and a retry storm would only slow it.
RETRY_AFTER_SECONDS = 5


def _utc_now() -> datetime:
    return datetime.now(UTC)


def app_from_settings() -> FastAPI:
    """The app for `uvicorn --factory service.app:app_from_settings`, built from the
    environment: how `reminders api` starts each process when API_WORKERS > 1."""
    from service.config import get_settings
    from service.logging import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level)
    return create_app(settings)


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Callable[[], datetime] = _utc_now,
) -> FastAPI:
    return bind(build_app(settings), settings, engine=engine, clock=clock)


# The only settings the app's routes and middleware are built from; every other one is
# read from `app.state.settings` when a request needs it.
BUILT_FROM = (
    "max_body_bytes",
    "max_webhook_body_bytes",
    "max_import_bytes",
    "forwarded_allow_ips_text",
)


def bind(
    app: FastAPI,
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Callable[[], datetime] = _utc_now,
) -> FastAPI:
    """Give `app` its settings, database and clock, in a fresh `app.state`: nothing built
    on first use under other settings (the SMS gateway) survives a re-bind. The routes
    stay: FastAPI prepares them on an app's first request, ~0.14 s that a process pays
    once (and the test suite once per worker instead of once per test)."""
    app.state = State()
    app.state.settings = settings
    app.state.engine = engine or make_engine(
        settings.database_url, busy_timeout_seconds=settings.sqlite_busy_timeout_seconds
    )
    app.state.clock = clock
    app.state.auth_throttle = FailedAuthThrottle(settings.auth_failures_per_minute)
    return app


def build_app(settings: Settings) -> FastAPI:
    """The routes and middleware (from the `BUILT_FROM` settings), not yet bound."""
    # Like FastAPI(...), but /docs and /redoc load Swagger UI and ReDoc from the installed
    # package instead of a CDN: they work on a clinic network without internet.
    app = FastAPIOffline(
        title="mild-reminders",
        version="0.1.0",
        description="Texts patients through their recovery from a MILD procedure. "
        "Every /v1 call needs `Authorization: Bearer <api key>`.",
        dependencies=[Depends(refuse_unknown_query_parameters)],
    )

    for router in (
        patients_router,
        patient_records_router,
        procedures_router,
        appointments_router,
        worklist_router,
        check_ins_router,
    ):
        app.include_router(router)
    for router in (templates_router, plan_router, api_keys_router, audit_router):
        app.include_router(router)
    # Twilio calls these: authenticated by X-Twilio-Signature, not by an API key.
    app.include_router(receipt_webhook_router)
    app.include_router(inbound_webhook_router)
    app.include_router(inbox_router)
    # FHIR R4 (the clinic's EHR): a thin adapter over the same services.
    app.include_router(fhir_router)
    app.include_router(fhir_update_router)
    app.include_router(fhir_chart_router)
    # Spreadsheets exported from the practice-management system (preview, then import).
    app.include_router(imports_router)
    # The clinic's console: HTML pages for people signed in with their own account.
    install_console(app)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/metrics", tags=["health"], response_class=Response, responses={401: {}})
    def metrics(request: Request) -> Response:
        """Prometheus text format: reminders by status and the worker's lag (no patient data).
        With METRICS_TOKEN set, it needs `Authorization: Bearer <METRICS_TOKEN>`."""
        require_metrics_token(app.state.settings, request.headers.get("authorization"))
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
            limit = freshness_limit(app.state.settings)
            alive = alive_workers(app.state.engine, app.state.clock(), limit)
            workers = f"{alive} alive"
        except Exception as exc:
            log.warning("worker heartbeats unreadable: %s", type(exc).__name__)
            workers = "unknown"
        return JSONResponse({"status": "ok", "database": "up", "workers": workers})

    _install_error_handlers(app)
    # Last added runs first: the access log sees every answer (a 413 too), and no byte
    # of an oversized body is read before it is refused.
    app.add_middleware(
        BodySizeLimit,
        api_limit=settings.max_body_bytes,
        webhook_limit=settings.max_webhook_body_bytes,
        import_limit=settings.max_import_bytes,
    )
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog)
    # Outermost: everything after it (the log, the throttles) sees the real client.
    app.add_middleware(TrustedProxies, allowed=settings.forwarded_allow_ips)
    install_openapi(app)
    return app


def require_metrics_token(settings: Settings, authorization: str | None) -> None:
    """With METRICS_TOKEN set, /metrics answers only to `Bearer <METRICS_TOKEN>`."""
    if settings.metrics_token is None:
        return
    expected = f"Bearer {settings.metrics_token.get_secret_value()}"
    if not hmac.compare_digest((authorization or "").encode(), expected.encode()):
        raise NotAuthenticated(
            "send 'Authorization: Bearer <METRICS_TOKEN>'", field="Authorization"
        )


def _problem(
    status: int,
    message: str,
    errors: list[dict[str, Any]],
    headers: Mapping[str, str] | None = None,
    extra: dict[str, object] | None = None,
) -> JSONResponse:
    return JSONResponse(
        {"detail": message, "errors": errors, **(extra or {})}, status_code=status, headers=headers
    )


def _unreadable_body() -> JSONResponse:
    message = "the body is not valid JSON in UTF-8"
    return _problem(400, f"body: {message}", [{"field": "body", "message": message}])


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else {}
        if isinstance(exc, TooManyAttempts):
            headers["Retry-After"] = str(exc.retry_after_seconds)
        response = _problem(
            exc.status_code,
            f"{exc.field}: {exc.message}" if exc.field else exc.message,
            [{"field": exc.field, "message": exc.message}],
            extra=exc.extra,
        )
        if headers:
            response.headers.update(headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        if any(error.get("type") == "json_invalid" for error in exc.errors()):
            return _unreadable_body()
        errors = []
        for error in exc.errors():
            location = [str(part) for part in error.get("loc", ())]
            field = ".".join(location[1:]) if len(location) > 1 else (location or ["body"])[0]
            errors.append({"field": field, "message": str(error.get("msg", "is invalid"))})
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return _problem(422, summary, errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and wants_a_page(request):
            return not_found_page(request)  # a person's browser, not an API client
        # FastAPI answers 400 itself when the body cannot even be decoded (bad UTF-8).
        if exc.status_code == 400 and "parsing the body" in str(exc.detail):
            return _unreadable_body()
        return _problem(exc.status_code, str(exc.detail), [], headers=exc.headers)

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(DisconnectionError)
    @app.exception_handler(SQLAlchemyTimeoutError)
    async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        # Handled here, not re-raised: one log line per failure, and the client's
        # keep-alive connection stays usable for its retry.
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        log.warning(
            "database unavailable on %s %s: %s: %s",
            request.method,
            request.url.path,
            type(getattr(exc, "orig", None) or exc).__name__,
            (reason[0] if reason else "")[:200],
        )
        return _problem(
            503,
            "the database is unavailable or busy; nothing was changed, try again shortly",
            [],
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return _problem(500, "internal error; nothing was changed", [])
