"""Request-scoped dependencies shared by every domain's endpoints."""

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request, Response
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from service.config import Settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request: its unit of work, committed if the endpoint returns,
    rolled back if it raises.

    A 2xx means committed: `SessionDep` runs this with `scope="function"`, so the commit
    happens after the endpoint has returned and its response is built, but before a
    byte of the response is sent; a commit that fails (a lost connection, a locked
    database) becomes the error response (503 or 500), never a 200 for work that was
    not kept. With FastAPI's default (request) scope the commit ran after the response
    had gone out: a read-audit row could be lost behind a 200.

    Domain services never commit or roll back this transaction; an adapter may end it
    early (e.g. before calling the SMS provider) and the dependency commits what is left.

    Async so that FastAPI does not hop to a worker thread just to open and close it:
    creating a session does no I/O, and only a transaction still open at the end (an
    endpoint that read without committing, or one that failed) needs a thread to end it.
    """
    session = Session(request.app.state.engine, expire_on_commit=False)
    try:
        yield session
        if session.in_transaction():
            await run_in_threadpool(session.commit)
    except BaseException:
        if session.in_transaction():
            await run_in_threadpool(session.rollback)
        raise
    finally:
        # Nothing is checked out any more, so closing is bookkeeping only.
        session.close()


# The dependencies below do no I/O: async, so they run on the event loop, not in a thread.
async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    # For a use case that owns its units of work (a text sent with no transaction open).
    engine: Engine = request.app.state.engine
    return engine


async def get_now(request: Request) -> datetime:
    # The app's clock is injectable so tests can pass `now` instead of reading the wall clock.
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
EngineDep = Annotated[Engine, Depends(get_engine)]
NowDep = Annotated[datetime, Depends(get_now)]

# Ids are 32-bit integers in the database; a larger one can only be "not found",
# so it is refused up front instead of overflowing the driver.
ResourceId = Annotated[int, Path(ge=1, le=2_147_483_647, description="A positive id")]


def json_answer(model: BaseModel, status_code: int = 200) -> Response:
    """`model` as the JSON body, serialized here, in the endpoint's worker thread.

    A sync endpoint that returns a model has FastAPI validate it again in a second hop
    to a worker thread (fastapi.routing.serialize_response) before writing it; the
    busiest routes (enrolling, booking) return this instead: the same JSON, the route's
    `response_model` still describing it in the OpenAPI document, one hop fewer."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")
