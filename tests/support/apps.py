"""One app per shape in each test process, re-bound to each test's settings, database and
clock: FastAPI prepares an app's routes on its first request (~0.14 s), and most tests
would otherwise pay that for an app they use for a few requests."""

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy import Engine

from service.app import BUILT_FROM, bind, build_app
from service.config import Settings

_APPS: dict[tuple[object, ...], FastAPI] = {}


def bound_app(settings: Settings, engine: Engine, clock: Callable[[], datetime]) -> FastAPI:
    """The process's app of this shape, bound to a fresh state for this test. One test at
    a time per process uses it (xdist runs tests in processes, not threads)."""
    shape = tuple(getattr(settings, name) for name in BUILT_FROM)
    app = _APPS.get(shape)
    if app is None:
        app = _APPS[shape] = build_app(settings)
    return bind(app, settings, engine=engine, clock=clock)
