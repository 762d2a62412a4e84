"""Organizer pages: a capsule's invitation links (list, create, copy, revoke)."""

from __future__ import annotations

from typing import Any, Final
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from capsule.core.errors import NotFoundError, ValidationError
from capsule.i18n import N_, gettext
from capsule.persistence.services.invitations import MAX_LIMIT, NAME_MAX, ORGANIZATION_MAX
from capsule.web.auth import requires_organizer
from capsule.web.deps import SettingsDep
from capsule.web.pages.common import NO_STORE, ORGANIZER_ERRORS, form_data, page
from capsule.web.pages.services import CapsulesDep, InvitationsDep

ERRORS: Final = {
    "organization": N_("Please name the organization (at most %(max)s characters)."),
    "name": N_("The name may have at most %(max)s characters."),
    "email": N_("The email may have at most 254 characters."),
    "max_contributions": N_("Enter a whole number from 1 to %(limit)s, "
                            "or leave it empty for no limit."),
}
DONE: Final = {
    "created": N_("The invitation was created. Copy its link and send it to the leader."),
    "revoked": N_("The invitation was revoked: its link no longer works."),
}


class InvitationPages(Controller):
    path = "/organize/c/{slug:str}/invitations"
    guards = [requires_organizer]
    cache_control = NO_STORE
    exception_handlers = ORGANIZER_ERRORS
    include_in_schema = False

    @get("/")
    async def index(self, slug: FromPath[str], capsules: CapsulesDep, invitations: InvitationsDep,
                    settings: SettingsDep, done: FromQuery[str | None] = None,
                    new: FromQuery[UUID | None] = None) -> Template:
        return await _index(slug, capsules, invitations, settings.base_url, done=done, new=new)

    @post("/", status_code=200)
    async def create(self, slug: FromPath[str], request: Request[Any, Any, Any],
                     capsules: CapsulesDep, invitations: InvitationsDep,
                     settings: SettingsDep) -> Template | Redirect:
        values = await form_data(request)
        errors: dict[str, str] = {}
        limit: int | None = None
        raw_limit = values.get("max_contributions", "").strip()
        if raw_limit:
            try:
                limit = int(raw_limit)
            except ValueError:
                errors["max_contributions"] = _message("max_contributions")
        if not errors:
            try:
                created = await invitations.create(
                    slug, values.get("organization", ""), values.get("name", ""),
                    values.get("email", ""), limit)
            except ValidationError as exc:
                errors[exc.field or "organization"] = _message(exc.field or "organization")
            else:
                return Redirect(path=f"/organize/c/{slug}/invitations", status_code=303,
                                query_params={"done": "created", "new": str(created.id)})
        return await _index(slug, capsules, invitations, settings.base_url, values=values,
                            errors=errors, status_code=422)

    @get("/{invitation_id:uuid}/revoke")
    async def revoke_confirm(self, slug: FromPath[str], invitation_id: FromPath[UUID],
                             capsules: CapsulesDep, invitations: InvitationsDep) -> Template:
        capsule = await capsules.get(slug)
        invitation = next((i for i in await invitations.list(slug) if i.id == invitation_id), None)
        if invitation is None:
            raise NotFoundError(f"no invitation {invitation_id}")
        return page("invitations/revoke.html", capsule=capsule, invitation=invitation)

    @post("/{invitation_id:uuid}/revoke", status_code=303)
    async def revoke(self, slug: FromPath[str], invitation_id: FromPath[UUID],
                     invitations: InvitationsDep) -> Redirect:
        await invitations.revoke(slug, invitation_id)
        return Redirect(path=f"/organize/c/{slug}/invitations", query_params={"done": "revoked"},
                        status_code=303)


def invitation_link(base_url: str, slug: str, token: str) -> str:
    return f"{base_url}/c/{slug}/contribute?invite={token}"


def _message(name: str) -> str:
    return gettext(ERRORS.get(name, ERRORS["organization"]),
                   max=NAME_MAX if name == "name" else ORGANIZATION_MAX, limit=MAX_LIMIT)


async def _index(slug: str, capsules: Any, invitations: Any, base_url: str, *,
                 done: str | None = None, new: UUID | None = None,
                 values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                 status_code: int = 200) -> Template:
    capsule = await capsules.get(slug)
    listed = await invitations.list(slug)
    links = {i.id: invitation_link(base_url, slug, i.token) for i in listed}
    return page("invitations/index.html", status_code=status_code, capsule=capsule,
                invitations=listed, links=links, notice=DONE.get(done or ""), new=new,
                values=values or {}, errors=errors or {}, max_limit=MAX_LIMIT)
