"""Organizer pages: the moderation queue, reading one contribution, its attachments, decisions."""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Stream, Template

from capsule.core.errors import ValidationError
from capsule.i18n import N_, gettext
from capsule.persistence.services.moderation import NOTE_MAX
from capsule.web.auth import requires_organizer
from capsule.web.pages.common import NO_STORE, CapsulesDep, ModerationDep, form_data, page

TABS: Final = ("pending", "accepted", "rejected", "withdrawn")
DONE: Final = {
    "accept": N_("The contribution was accepted."),
    "reject": N_("The contribution was not accepted; the contributor sees your note on their receipt."),
}


class ModerationPages(Controller):
    path = "/organize/c/{slug:str}/contributions"
    guards = [requires_organizer]
    cache_control = NO_STORE
    include_in_schema = False

    @get("/")
    async def queue(self, slug: FromPath[str], capsules: CapsulesDep, moderation: ModerationDep,
                    status: FromQuery[str | None] = None, done: FromQuery[str | None] = None) -> Template:
        capsule = await capsules.get(slug)
        shown = status if status in TABS else None
        items = await moderation.queue(slug)
        counts = {tab: sum(1 for i in items if i.status == tab) for tab in TABS}
        if shown:
            items = [i for i in items if i.status == shown]
        return page("moderation/queue.html", capsule=capsule, items=items, counts=counts, tabs=TABS,
                    shown=shown, notice=DONE.get(done or ""))

    @get("/{contribution_id:uuid}")
    async def read(self, slug: FromPath[str], contribution_id: FromPath[UUID], capsules: CapsulesDep, moderation: ModerationDep) -> Template:
        capsule = await capsules.get(slug)
        [item] = await moderation.read(slug, [contribution_id])  # audit-logged: an organizer read it
        return page("moderation/read.html", capsule=capsule, item=item.item, document=item.document,
                    note="", error=None, note_max=NOTE_MAX)

    @post("/{contribution_id:uuid}/decision", status_code=303)
    async def decide(self, slug: FromPath[str], contribution_id: FromPath[UUID], request: Request[Any, Any, Any],
                     capsules: CapsulesDep, moderation: ModerationDep) -> Template | Redirect:
        values = await form_data(request)
        decision = values.get("decision", "")
        try:
            await moderation.decide(slug, contribution_id, decision, values.get("note", ""))
        except ValidationError as exc:
            capsule = await capsules.get(slug)
            [item] = await moderation.read(slug, [contribution_id])
            message = (gettext("The note may have at most %(max)s characters.", max=NOTE_MAX)
                       if exc.field == "note" else gettext("Choose to accept or not to accept."))
            return page("moderation/read.html", status_code=422, capsule=capsule, item=item.item,
                        document=item.document, note=values.get("note", ""), error=message, note_max=NOTE_MAX)
        return Redirect(path=f"/organize/c/{slug}/contributions", query_params={"done": decision}, status_code=303)

    @get("/{contribution_id:uuid}/attachments/{index:int}")
    async def attachment(self, slug: FromPath[str], contribution_id: FromPath[UUID], index: FromPath[int], moderation: ModerationDep) -> Stream:
        meta, chunks = await moderation.attachment(slug, contribution_id, index)
        media_type = "text/plain; charset=utf-8" if meta.media_type == "text/plain" else meta.media_type
        return Stream(chunks, media_type=media_type, headers={
            # Always a download, never shown inline on our origin (an SVG or HTML could script).
            "content-disposition": f"attachment; filename*=UTF-8''{quote(meta.name, safe='')}",
            "x-content-type-options": "nosniff",
            "content-length": str(meta.size),
        })

