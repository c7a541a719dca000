"""`reminders`: serve, api, worker, migrate and api-key, all from one settings class."""

import argparse
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import Engine

from service.config import Settings, get_settings
from service.logging import configure_logging
from service.users.models import Role

log = logging.getLogger("reminders")

REPO_ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="reminders", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="the API and the worker in one process (make run)")
    commands.add_parser("api", help="the HTTP API only")
    worker = commands.add_parser(
        "worker", help="the dispatch worker only (same as python -m scheduler)"
    )
    worker.add_argument(
        "--check",
        action="store_true",
        help="exit 0 if some worker's heartbeat is fresh, else say why and exit 1",
    )
    commands.add_parser("hl7", help="the HL7 v2 MLLP listener (HL7_MLLP_PORT, default 2575)")
    commands.add_parser("migrate", help="apply database migrations")
    sheet = commands.add_parser(
        "import", help="import patients and procedure dates from a spreadsheet (CSV or XLSX)"
    )
    sheet.add_argument("file", type=Path)
    sheet.add_argument("--dry-run", action="store_true", help="preview only: nothing is written")
    sheet.add_argument("--result", type=Path, help="write every row's outcome to this CSV")
    keys = commands.add_parser("api-key", help="manage API keys")
    key_commands = keys.add_subparsers(dest="key_command", required=True)
    create = key_commands.add_parser("create", help="mint a key; its secret is printed last")
    create.add_argument("--role", choices=[role.value for role in Role], required=True)
    create.add_argument("--name", default="")
    _add_user_commands(commands)
    reply = commands.add_parser(
        "reply",
        help="with the console SMS gateway: take in a patient's text as Twilio would post it",
    )
    reply.add_argument("--from", dest="sender", required=True, help="the patient's number")
    reply.add_argument("words", help="what the patient wrote, in quotes")
    args = parser.parse_args(argv)

    try:
        settings = get_settings()
    except ValidationError as exc:
        sys.exit(f"configuration error: {_settings_problem(exc)}")
    configure_logging(settings.log_level)

    if args.command in ("user", "api-key", "reply"):
        from service.db_ready import database_not_ready

        problem = database_not_ready(settings)
        if problem is not None:
            sys.exit(f"reminders {args.command}: {problem}")
    if args.command == "migrate":
        migrate(settings)
    elif args.command == "reply":
        from service.conversation.simulated import run_reply_command

        sys.exit(run_reply_command(settings, args.sender, args.words))
    elif args.command == "user":
        from service.users.cli import run_user_command

        sys.exit(run_user_command(settings, args))
    elif args.command == "api-key":
        print(create_key(settings, args.role, args.name or f"{args.role} key"))
    elif args.command == "import":
        sys.exit(import_file(settings, args.file, args.dry_run, args.result))
    elif args.command == "hl7":
        run_hl7_listener(settings)
    elif args.command == "worker" and args.check:
        sys.exit(check_worker(settings))
    elif args.command == "worker":
        from scheduler.worker import run_worker

        run_worker(settings)
    else:
        serve(settings, with_worker=args.command == "serve")


def _add_user_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    users = commands.add_parser("user", help="manage the people who sign in to the console")
    user_commands = users.add_subparsers(dest="user_command", required=True)
    stdin_help = "read the password from standard input (else it is asked for)"
    create = user_commands.add_parser("create", help="add a person who can sign in")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--role", choices=[role.value for role in Role], required=True)
    create.add_argument("--password-stdin", action="store_true", help=stdin_help)
    password = user_commands.add_parser("set-password", help="set a new password")
    password.add_argument("--email", required=True)
    password.add_argument("--password-stdin", action="store_true", help=stdin_help)
    disable = user_commands.add_parser("disable", help="sign a person out and keep them out")
    disable.add_argument("--email", required=True)


def _settings_problem(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']).upper() or 'settings'}: {e['msg']}"
        for e in exc.errors()
    )


def migrate(settings: Settings) -> None:
    from alembic.config import Config

    from alembic import command
    from service.db import prepare_sqlite_file

    prepare_sqlite_file(settings.database_url)
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    command.upgrade(config, "head")
    log.info("database is at the latest migration")


def check_worker(settings: Settings) -> int:
    """`reminders worker --check`: 0 when some worker beat recently, else 1 with the reason."""
    from service.db import make_engine
    from service.workers.heartbeat import check_workers

    engine = make_engine(settings.database_url)
    try:
        ok, message = check_workers(engine, settings, datetime.now(UTC))
    except Exception as exc:
        ok, message = False, f"cannot read worker heartbeats: {type(exc).__name__}: {exc}"
    finally:
        engine.dispose()
    print(message, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


def create_key(settings: Settings, role: str, name: str) -> str:
    from service.auth.keys import create_api_key
    from service.db import make_engine, session_scope

    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        key, secret = create_api_key(session, role=role, name=name, now=datetime.now(UTC))
        print(f"created {role} key {key.id} ({name}); keep the secret, it is not shown again:")
    engine.dispose()
    return secret


def import_file(settings: Settings, path: Path, dry_run: bool, result: Path | None) -> int:
    from service.db import make_engine
    from service.intake.spreadsheet.cli import run_import

    engine = make_engine(settings.database_url)
    return run_import(
        engine, settings, path, dry_run=dry_run, result_path=result, now=lambda: datetime.now(UTC)
    )


def run_hl7_listener(settings: Settings) -> None:
    """`reminders hl7`: the MLLP listener alone, on HL7_MLLP_PORT (2575 when unset)."""
    import asyncio

    from service.db import make_engine
    from service.intake.hl7.handler import Hl7Feed
    from service.intake.hl7.listener import serve_forever

    engine = make_engine(
        settings.database_url, busy_timeout_seconds=settings.sqlite_busy_timeout_seconds
    )
    feed = Hl7Feed(engine, settings, lambda: datetime.now(UTC))
    try:
        asyncio.run(serve_forever(feed, settings, settings.hl7_mllp_port or 2575))
    except KeyboardInterrupt:
        pass
    finally:
        engine.dispose()


def _hl7_in_background(settings: Settings, engine: Engine) -> None:
    """`serve` with HL7_MLLP_PORT set: the listener in a thread of its own event loop."""
    import asyncio
    import threading

    from service.intake.hl7.handler import Hl7Feed
    from service.intake.hl7.listener import serve_forever

    feed = Hl7Feed(engine, settings, lambda: datetime.now(UTC))
    port = settings.hl7_mllp_port or 2575
    threading.Thread(
        target=lambda: asyncio.run(serve_forever(feed, settings, port)), name="hl7", daemon=True
    ).start()


def serve(settings: Settings, *, with_worker: bool) -> None:
    import uvicorn

    from service.app import create_app

    for warning in settings.placeholder_warnings():
        log.warning("%s", warning)
    # API_WORKERS > 1: each process builds its own app (service/api_processes.py);
    # `serve` keeps its in-process dispatch worker, so it stays one process.
    workers = 1 if with_worker else settings.api_workers
    app = create_app(settings) if workers == 1 else None
    scheduler = loop = None
    if with_worker and app is not None:
        from scheduler.worker import start_background_worker

        scheduler, loop = start_background_worker(settings, app.state.engine)
    if with_worker and app is not None and settings.hl7_mllp_port:
        _hl7_in_background(settings, app.state.engine)
    print(startup_banner(settings, workers), flush=True)
    try:
        if app is not None:
            uvicorn.run(
                app,
                host=settings.host,
                port=settings.port,
                log_level="info",
                # The app writes its own access log with query values masked, and
                # names no server software to strangers.
                access_log=False,
                server_header=False,
                # Forwarded headers are read by the app, from FORWARDED_ALLOW_IPS only.
                proxy_headers=False,
            )
        else:
            from service.api_processes import run_api_processes

            run_api_processes(settings.host, settings.port, workers)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=True)
        if loop is not None:
            # Record the texts in flight and hand back the rest, as `reminders worker` does.
            loop.finish()


def startup_banner(settings: Settings, workers: int) -> str:
    """What `serve` and `api` print first: where to go, never a password or token."""
    base = f"http://{settings.host}:{settings.port}"
    printed = " (texts are printed here)" if settings.sms_gateway == "console" else ""
    processes = f" ({workers} processes)" if workers > 1 else ""
    return (
        f"\nmild-reminders on {base}{processes}\n"
        f"  Console:    {base}/login (accounts: .venv/bin/reminders user create --help)\n"
        f"  API docs:   {base}/docs\n"
        f"  API key:    .venv/bin/reminders api-key create --role admin --name you\n"
        f"  Database:   {settings.database_url_for_display}\n"
        f"  SMS:        {settings.sms_gateway}{printed}\n"
    )
