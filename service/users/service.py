"""Accounts: create, change a password, disable. The CLI and the console both call these."""

import re
from datetime import datetime

from sqlmodel import Session, col, select, update

from service.errors import Conflict, InvalidInput, NotFound
from service.users.models import ConsoleSession, Role, User
from service.users.passwords import check_password_rules, hash_password, verify_password

# Deliberately loose: one @, something either side, a dot in the domain. The real
# check is that the person can sign in with it.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(
    session: Session, *, email: str, name: str, role: str, password: str, now: datetime
) -> User:
    """A new active account; the email must be free. Flushed, not committed."""
    email = normalise_email(email)
    name = name.strip()
    if not _EMAIL.match(email) or len(email) > 254:
        raise InvalidInput("enter an email address like name@example.org", field="email")
    if not name:
        raise InvalidInput("enter the person's name", field="name")
    if len(name) > 200:
        raise InvalidInput("the name must be at most 200 characters", field="name")
    try:
        role = Role(role).value
    except ValueError:
        raise InvalidInput(
            f"role must be one of {', '.join(r.value for r in Role)}", field="role"
        ) from None
    check_password_rules(password, name=name, email=email)
    if find_user_by_email(session, email) is not None:
        raise Conflict("an account with this email already exists", field="email")
    user = User(
        email=email,
        name=name,
        role=role,
        active=True,
        password_hash=hash_password(password),
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def find_user_by_email(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == normalise_email(email))).first()


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}", field="user_id")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.active).desc(), col(User.name))))


def set_password(session: Session, user: User, password: str, now: datetime) -> None:
    """A new password ends the person's open sessions: whoever knew the old one is out."""
    check_password_rules(password, name=user.name, email=user.email)
    user.password_hash = hash_password(password)
    session.add(user)
    end_all_sessions(session, user, now)


def change_own_password(
    session: Session, user: User, current: str, new: str, now: datetime
) -> None:
    """A person's own change: the current password first, then as `set_password` (every
    session ends, this one too: they sign in again with the new one)."""
    if not verify_password(current, user.password_hash):
        raise InvalidInput("the current password is wrong", field="current_password")
    if new == current:
        raise InvalidInput("choose a password different from the current one", field="password")
    set_password(session, user, new, now)


def disable_user(session: Session, user: User, now: datetime) -> bool:
    """Disabled at once: every open session ends. False when already disabled."""
    if not user.active:
        return False
    if user.role == Role.admin and _active_admins(session) <= 1:
        raise Conflict("this is the last active admin; make another admin first", field="user_id")
    user.active = False
    user.disabled_at = now
    session.add(user)
    end_all_sessions(session, user, now)
    return True


def enable_user(session: Session, user: User, now: datetime) -> bool:
    """A disabled person may sign in again (with their password). False when active."""
    if user.active:
        return False
    user.active = True
    user.disabled_at = None
    session.add(user)
    return True


def end_all_sessions(session: Session, user: User, now: datetime) -> None:
    session.execute(
        update(ConsoleSession)
        .where(col(ConsoleSession.user_id) == user.id, col(ConsoleSession.ended_at).is_(None))
        .values(ended_at=now)
    )


def _active_admins(session: Session) -> int:
    query = select(User.id).where(User.role == Role.admin, col(User.active).is_(True))
    return len(list(session.exec(query)))
