"""The services, by name, for every page handler (`capsules: CapsulesDep`, ...)."""

from __future__ import annotations

from typing import Final

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from capsule.persistence.services.capsules import CapsuleService
from capsule.persistence.services.contributions import ContributionService
from capsule.persistence.services.invitations import InvitationService
from capsule.persistence.services.moderation import ModerationService
from capsule.persistence.services.opening import OpeningService
from capsule.persistence.services.sealing import SealService
from capsule.persistence.services.views import ViewService
from capsule.web.deps import runtime

CapsulesDep = NamedDependency[CapsuleService]
ViewsDep = NamedDependency[ViewService]
InvitationsDep = NamedDependency[InvitationService]
ContributionsDep = NamedDependency[ContributionService]
ModerationDep = NamedDependency[ModerationService]
OpeningDep = NamedDependency[OpeningService]
SealingDep = NamedDependency[SealService]


def _capsules(state: State) -> CapsuleService:
    r = runtime(state)
    return CapsuleService(r.db, r.clock, r.keys)


def _views(state: State) -> ViewService:
    r = runtime(state)
    return ViewService(r.db, r.clock, r.keys)


def _invitations(state: State) -> InvitationService:
    r = runtime(state)
    return InvitationService(r.db, r.clock, r.keys)


def _contributions(state: State) -> ContributionService:
    r = runtime(state)
    return ContributionService(r.db, r.clock, r.keys, max_upload_bytes=r.settings.max_upload_bytes)


def _moderation(state: State) -> ModerationService:
    r = runtime(state)
    return ModerationService(r.db, r.clock, r.keys, max_upload_bytes=r.settings.max_upload_bytes)


def _opening(state: State) -> OpeningService:
    # No drand relays here: only the organizer's opening page fetches a beacon (see opening.py),
    # so no public request makes the service call out to the internet.
    r = runtime(state)
    return OpeningService(r.db, r.clock, r.keys)


def _sealing(state: State) -> SealService:
    r = runtime(state)
    return SealService(r.db, r.clock, r.keys)


DEPENDENCIES: Final = {
    "capsules": Provide(_capsules, sync_to_thread=False),
    "views": Provide(_views, sync_to_thread=False),
    "invitations": Provide(_invitations, sync_to_thread=False),
    "contributions": Provide(_contributions, sync_to_thread=False),
    "moderation": Provide(_moderation, sync_to_thread=False),
    "opening": Provide(_opening, sync_to_thread=False),
    "sealing": Provide(_sealing, sync_to_thread=False),
}
