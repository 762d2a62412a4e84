"""Dependencies every handler can ask for by name: settings, clock, db, keys."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from capsule.config import Settings
from capsule.core.clock import Clock
from capsule.core.service_keys import ServiceKeys
from capsule.persistence.database import Database
from capsule.persistence.services.beacons import BeaconClient
from capsule.persistence.services.capsules import CapsuleService
from capsule.persistence.services.contributions import ContributionService
from capsule.persistence.services.invitations import InvitationService
from capsule.persistence.services.moderation import ModerationService
from capsule.persistence.services.opening import OpeningService
from capsule.persistence.services.sealing import SealService
from capsule.persistence.services.views import ViewService

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


# -- the services, made once here for the API and the pages ------------------------------------


def capsule_service(state: State) -> CapsuleService:
    r = runtime(state)
    return CapsuleService(r.db, r.clock, r.keys)


def invitation_service(state: State) -> InvitationService:
    r = runtime(state)
    return InvitationService(r.db, r.clock, r.keys)


def contribution_service(state: State) -> ContributionService:
    r = runtime(state)
    return ContributionService(r.db, r.clock, r.keys, max_upload_bytes=r.settings.max_upload_bytes)


def moderation_service(state: State) -> ModerationService:
    r = runtime(state)
    return ModerationService(r.db, r.clock, r.keys, max_upload_bytes=r.settings.max_upload_bytes)


def view_service(state: State) -> ViewService:
    r = runtime(state)
    return ViewService(r.db, r.clock, r.keys)


def seal_service(state: State) -> SealService:
    r = runtime(state)
    return SealService(r.db, r.clock, r.keys)


def opening_service(state: State) -> OpeningService:
    """With the drand relays: a drand lock fetches its beacon when the capsule is opened."""
    r = runtime(state)
    return OpeningService(r.db, r.clock, r.keys, beacons=BeaconClient(r.settings.drand_urls, r.settings.drand_timeout))


def offline_opening_service(state: State) -> OpeningService:
    """Without relays, for public pages: no anonymous request makes the service call out."""
    r = runtime(state)
    return OpeningService(r.db, r.clock, r.keys)
