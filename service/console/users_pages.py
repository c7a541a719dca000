"""/users (admin): the people who sign in; add, disable, reset a password."""

from fastapi import Request
from fastapi.responses import Response

from service.console.deps import ConsoleAdmin
from service.console.rendering import render
from service.console.routing import console_router
from service.deps import SessionDep
from service.users.service import list_users

router = console_router()


@router.get("/users")
def users_page(request: Request, admin: ConsoleAdmin, db: SessionDep) -> Response:
    return render(request, "users.html", {"title": "Users", "people": list_users(db)})
