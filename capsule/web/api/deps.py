"""Services the API handlers ask for by name, and who is asking when it is optional."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide

from capsule.core.errors import AuthError
from capsule.persistence.services.capsules import CapsuleService
from capsule.persistence.services.contributions import ContributionService
from capsule.persistence.services.invitations import InvitationService
from capsule.persistence.services.moderation import ModerationService
from capsule.persistence.services.opening import OpeningService
from capsule.persistence.services.sealing import SealService
from capsule.persistence.services.users import Organizer, UserService
from capsule.persistence.services.views import ViewService
from capsule.web import deps
from capsule.web.auth import authenticate
from capsule.web.deps import runtime

CapsuleServiceDep = NamedDependency[CapsuleService]
InvitationServiceDep = NamedDependency[InvitationService]
ContributionServiceDep = NamedDependency[ContributionService]
ModerationServiceDep = NamedDependency[ModerationService]
ViewServiceDep = NamedDependency[ViewService]
SealServiceDep = NamedDependency[SealService]
OpeningServiceDep = NamedDependency[OpeningService]


SERVICES = {
    "capsule_service": Provide(deps.capsule_service, sync_to_thread=False),
    "invitation_service": Provide(deps.invitation_service, sync_to_thread=False),
    "contribution_service": Provide(deps.contribution_service, sync_to_thread=False),
    "moderation_service": Provide(deps.moderation_service, sync_to_thread=False),
    "view_service": Provide(deps.view_service, sync_to_thread=False),
    "seal_service": Provide(deps.seal_service, sync_to_thread=False),
    "opening_service": Provide(deps.opening_service, sync_to_thread=False),
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
