"""`reminders user create|set-password|disable`: the first admin is made here."""

import argparse
import getpass
import sys
from datetime import UTC, datetime

from service.config import Settings
from service.db import make_engine, session_scope
from service.errors import DomainError
from service.users.service import create_user, disable_user, find_user_by_email, set_password


def read_password(from_stdin: bool) -> str:
    """From standard input when piped (or asked to), else asked for twice, unechoed."""
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Same password again: ") != first:
        raise DomainError("the two passwords differ", field="password")
    return first


def run_user_command(settings: Settings, args: argparse.Namespace) -> int:
    """Exit status 0 when done; 1 with the reason on standard error."""
    engine = make_engine(settings.database_url)
    now = datetime.now(UTC)
    try:
        with session_scope(engine) as session:
            if args.user_command == "create":
                user = create_user(
                    session,
                    email=args.email,
                    name=args.name,
                    role=args.role,
                    password=read_password(args.password_stdin),
                    now=now,
                )
                print(f"created {user.role} {user.email} (id {user.id})")
                return 0
            person = find_user_by_email(session, args.email)
            if person is None:
                raise DomainError(f"no user with email {args.email}", field="email")
            if args.user_command == "set-password":
                set_password(session, person, read_password(args.password_stdin), now)
                print(f"password changed for {person.email}; their sessions have ended")
            else:
                changed = disable_user(session, person, now)
                print(f"{person.email} {'disabled' if changed else 'was already disabled'}")
            return 0
    except DomainError as exc:
        print(f"{exc.field + ': ' if exc.field else ''}{exc.message}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
