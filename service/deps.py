"""Request-scoped dependencies shared by every domain's endpoints."""

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlmodel import Session

from service.config import Settings


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_now(request: Request) -> datetime:
    # The app's clock is injectable so tests can pass `now` instead of reading the wall clock.
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
NowDep = Annotated[datetime, Depends(get_now)]

# Ids are 32-bit integers in the database; a larger one can only be "not found",
# so it is refused up front instead of overflowing the driver.
ResourceId = Annotated[int, Path(ge=1, le=2_147_483_647, description="A positive id")]
