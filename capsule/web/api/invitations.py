"""`/api/v1/capsules/{slug}/invitations`: personal links for organization leaders (organizers)."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete, get, post
from litestar.params import FromPath, JSONBody

from capsule.web.api.bodies import JSON_MAX
from capsule.web.api.docs import errors
from capsule.web.api.deps import SERVICES, InvitationServiceDep
from capsule.web.api.schemas import InvitationCreate, InvitationListOut, InvitationOut
from capsule.web.auth import requires_organizer
from capsule.web.deps import SettingsDep


class InvitationApi(Controller):
    path = "/api/v1/capsules/{slug:str}/invitations"
    tags = ["invitations"]
    guards = [requires_organizer]
    dependencies = SERVICES

    @post("/", status_code=201, request_max_body_size=JSON_MAX, responses=errors(400, 401, 404, 409, 413, 422))
    async def create_invitation(self, slug: FromPath[str], data: JSONBody[InvitationCreate],
                                invitation_service: InvitationServiceDep,
                                settings: SettingsDep) -> InvitationOut:
        """A personal link (`url`, holding `token`) for one leader; works once the capsule collects."""
        view = await invitation_service.create(slug, data.organization, data.name, data.email, data.max_contributions)
        return InvitationOut.of(view, settings.base_url, slug)

    @get("/", responses=errors(401, 404))
    async def list_invitations(self, slug: FromPath[str], invitation_service: InvitationServiceDep,
                               settings: SettingsDep) -> InvitationListOut:
        """Every invitation of the capsule, with its link (links can be copied again any time)."""
        views = await invitation_service.list(slug)
        return InvitationListOut(invitations=[InvitationOut.of(v, settings.base_url, slug) for v in views])

    @delete("/{invitation_id:uuid}", status_code=200, responses=errors(401, 404))
    async def revoke_invitation(self, slug: FromPath[str], invitation_id: FromPath[UUID],
                                invitation_service: InvitationServiceDep,
                                settings: SettingsDep) -> InvitationOut:
        """Revoke a link; what was already submitted with it stays."""
        return InvitationOut.of(await invitation_service.revoke(slug, invitation_id), settings.base_url, slug)
