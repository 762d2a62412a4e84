"""Services the API handlers ask for by name, and who is asking when it is optional."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from capsule.core.errors import AuthError
from capsule.persistence.services.capsules import CapsuleService
from capsule.persistence.services.contributions import ContributionService
from capsule.persistence.services.invitations import InvitationService
from capsule.persistence.services.beacons import BeaconClient
from capsule.persistence.services.moderation import ModerationService
from capsule.persistence.services.opening import OpeningService
from capsule.persistence.services.sealing import SealService
from capsule.persistence.services.users import Organizer, UserService
from capsule.persistence.services.views import ViewService
from capsule.web.auth import authenticate
from capsule.web.deps import runtime

CapsuleServiceDep = NamedDependency[CapsuleService]
InvitationServiceDep = NamedDependency[InvitationService]
ContributionServiceDep = NamedDependency[ContributionService]
ModerationServiceDep = NamedDependency[ModerationService]
ViewServiceDep = NamedDependency[ViewService]
SealServiceDep = NamedDependency[SealService]
OpeningServiceDep = NamedDependency[OpeningService]


def provide_capsule_service(state: State) -> CapsuleService:
    r = runtime(state)
    return CapsuleService(r.db, r.clock, r.keys)


def provide_invitation_service(state: State) -> InvitationService:
    r = runtime(state)
    return InvitationService(r.db, r.clock, r.keys)


def provide_contribution_service(state: State) -> ContributionService:
    r = runtime(state)
    return ContributionService(r.db, r.clock, r.keys, max_upload_bytes=r.settings.max_upload_bytes)


def provide_moderation_service(state: State) -> ModerationService:
    r = runtime(state)
    return ModerationService(r.db, r.clock, r.keys, max_upload_bytes=r.settings.max_upload_bytes)


def provide_view_service(state: State) -> ViewService:
    r = runtime(state)
    return ViewService(r.db, r.clock, r.keys)


def provide_seal_service(state: State) -> SealService:
    r = runtime(state)
    return SealService(r.db, r.clock, r.keys)


def provide_opening_service(state: State) -> OpeningService:
    r = runtime(state)
    # The drand relays: a drand lock fetches its beacon when the capsule is opened.
    return OpeningService(r.db, r.clock, r.keys,
                          beacons=BeaconClient(r.settings.drand_urls, r.settings.drand_timeout))


SERVICES = {
    "capsule_service": Provide(provide_capsule_service, sync_to_thread=False),
    "invitation_service": Provide(provide_invitation_service, sync_to_thread=False),
    "contribution_service": Provide(provide_contribution_service, sync_to_thread=False),
    "moderation_service": Provide(provide_moderation_service, sync_to_thread=False),
    "view_service": Provide(provide_view_service, sync_to_thread=False),
    "seal_service": Provide(provide_seal_service, sync_to_thread=False),
    "opening_service": Provide(provide_opening_service, sync_to_thread=False),
}


def organizer_of(request: Request[Any, Any, Any]) -> Organizer:
    """The organizer the guard let in (`requires_organizer` puts them on the request state)."""
    return request.state.organizer  # type: ignore[no-any-return]


async def maybe_organizer(request: Request[Any, Any, Any]) -> Organizer | None:
    """On a public route: the organizer, when a valid bearer token came along, else nobody.

    Raises:
        AuthError: a bearer token was given and is not valid (a client should know).
    """
    r = runtime(request.app.state)
    if request.headers.get("authorization") is None:
        return None
    organizer = await authenticate(request, UserService(r.db, r.clock))
    if organizer is None:  # pragma: no cover - authenticate raises for a bad header
        raise AuthError("invalid API token")
    return organizer
