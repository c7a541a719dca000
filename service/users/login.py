"""Logging in: the password check behind the throttle, and what is logged about it."""

import logging
from datetime import datetime

from sqlmodel import Session

from service.config import Settings
from service.errors import NotAuthenticated, TooManyAttempts
from service.users import throttle
from service.users.models import User
from service.users.passwords import verify_password
from service.users.service import find_user_by_email

log = logging.getLogger("reminders.login")

WRONG = "the email or password is wrong"


def mask_email(email: str) -> str:
    """'dana@clinic.org' -> 'd***@clinic.org': enough to spot an attack, not a list of staff."""
    local, _, domain = email.strip().lower().partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def log_in(
    session: Session, email: str, password: str, address: str, now: datetime, settings: Settings
) -> User:
    """The active user with this email and password. A failure is counted and committed
    before raising, so it holds however the caller ends its transaction."""
    keys = [throttle.account_key(email), throttle.address_key(address)]
    if throttle.is_throttled(session, keys, now, settings):
        log.warning("login refused, too many failures: %s from %s", mask_email(email), address)
        raise TooManyAttempts(
            f"too many failed logins; try again in {settings.login_throttle_minutes} minutes",
            retry_after_seconds=settings.login_throttle_minutes * 60,
            field="email",
        )
    user = find_user_by_email(session, email)
    usable = user if user is not None and user.active else None
    if not verify_password(password, usable.password_hash if usable else None) or usable is None:
        throttle.record_failure(session, keys, now, settings)
        session.commit()
        log.warning("login failed: %s from %s", mask_email(email), address)
        raise NotAuthenticated(WRONG, field="email")
    throttle.clear(session, keys[0])
    log.info("login: user %s from %s", usable.id, address)
    return usable
