"""The services, by name, for every page handler (`capsules: CapsulesDep`, ...)."""

from __future__ import annotations

from typing import Final

from litestar.di import NamedDependency, Provide

from capsule.persistence.services.capsules import CapsuleService
from capsule.persistence.services.contributions import ContributionService
from capsule.persistence.services.invitations import InvitationService
from capsule.persistence.services.moderation import ModerationService
from capsule.persistence.services.opening import OpeningService
from capsule.persistence.services.sealing import SealService
from capsule.persistence.services.views import ViewService
from capsule.web import deps

CapsulesDep = NamedDependency[CapsuleService]
ViewsDep = NamedDependency[ViewService]
InvitationsDep = NamedDependency[InvitationService]
ContributionsDep = NamedDependency[ContributionService]
ModerationDep = NamedDependency[ModerationService]
OpeningDep = NamedDependency[OpeningService]
SealingDep = NamedDependency[SealService]


DEPENDENCIES: Final = {
    "capsules": Provide(deps.capsule_service, sync_to_thread=False),
    "views": Provide(deps.view_service, sync_to_thread=False),
    "invitations": Provide(deps.invitation_service, sync_to_thread=False),
    "contributions": Provide(deps.contribution_service, sync_to_thread=False),
    "moderation": Provide(deps.moderation_service, sync_to_thread=False),
    # Only the organizer's opening page fetches a drand beacon (see opening.py), so no public
    # request makes the service call out to the internet.
    "opening": Provide(deps.offline_opening_service, sync_to_thread=False),
    "sealing": Provide(deps.seal_service, sync_to_thread=False),
}
