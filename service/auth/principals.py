"""Who is acting, typed by what they may do (Polar's auth subjects): `StaffPrincipal` and
`AdminPrincipal`, for the API (an API key) and the console (a signed-in person) alike.

A route or page names the principal it needs in its signature (`StaffKey`, `AdminKey`,
`ConsoleUser`, `ConsoleAdmin` are these types behind a dependency), so who may call it is
checked by the type checker as well as at run time: only `staff_principal` makes an
`AdminPrincipal`, from an admin key or person; a staff one asking for an admin route gets 403.
"""

from dataclasses import dataclass

from service.auth.models import ApiKey
from service.users.models import Role, User


@dataclass(frozen=True)
class StaffPrincipal:
    """Someone who may do what staff do: an API key or a person (admins are staff too)."""

    # The key or the person, as the domain services and the audit take them. No `name` of
    # its own on purpose: a principal is never mistaken for an actor, so each call site
    # passes `.subject` and the audit keeps the key's or the person's id.
    subject: ApiKey | User

    @property
    def is_admin(self) -> bool:
        return self.subject.role == Role.admin


@dataclass(frozen=True)
class AdminPrincipal(StaffPrincipal):
    """An admin key or an admin person; accepted wherever a `StaffPrincipal` is."""


def staff_principal(subject: ApiKey | User) -> StaffPrincipal:
    return AdminPrincipal(subject) if subject.role == Role.admin else StaffPrincipal(subject)


def as_admin(principal: StaffPrincipal) -> AdminPrincipal | None:
    """The same principal as an admin; None when it is not one (the adapter answers 403)."""
    return principal if isinstance(principal, AdminPrincipal) else None
