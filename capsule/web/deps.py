"""Dependencies every handler can ask for by name: settings, clock, db, keys."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from capsule.config import Settings
from capsule.core.clock import Clock
from capsule.core.service_keys import ServiceKeys
from capsule.persistence.database import Database


# Handler parameters are injected by name (the parameter name equals the DI key); Litestar 3
# wants that spelled out, so handlers annotate e.g. `db: DbDep`.
SettingsDep = NamedDependency[Settings]
ClockDep = NamedDependency[Clock]
KeysDep = NamedDependency[ServiceKeys]
DbDep = NamedDependency[Database]


@dataclass(frozen=True)
class Runtime:
    """What one running app is made of; built once in `create_app`."""

    settings: Settings
    clock: Clock
    keys: ServiceKeys
    db: Database


def runtime(state: State) -> Runtime:
    return state.runtime  # type: ignore[no-any-return]


def provide_settings(state: State) -> Settings:
    return runtime(state).settings


def provide_clock(state: State) -> Clock:
    return runtime(state).clock


def provide_keys(state: State) -> ServiceKeys:
    return runtime(state).keys


def provide_db(state: State) -> Database:
    return runtime(state).db


DEPENDENCIES = {
    "settings": Provide(provide_settings, sync_to_thread=False),
    "clock": Provide(provide_clock, sync_to_thread=False),
    "keys": Provide(provide_keys, sync_to_thread=False),
    "db": Provide(provide_db, sync_to_thread=False),
}
