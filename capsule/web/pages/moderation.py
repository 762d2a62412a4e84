"""Organizer pages: the moderation queue, reading one contribution, its files, decisions."""

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
from capsule.web.pages.common import NO_STORE, ORGANIZER_ERRORS, form_data, page
from capsule.web.pages.services import CapsulesDep, ModerationDep

TABS: Final = ("pending", "accepted", "rejected", "withdrawn")
DONE: Final = {
    "accept": N_("The contribution was accepted."),
    "reject": N_("The contribution was not accepted; "
                 "the contributor sees your note on their receipt."),
}
Id = FromPath[UUID]


class ModerationPages(Controller):
    path = "/organize/c/{slug:str}/contributions"
    guards = [requires_organizer]
    cache_control = NO_STORE
    exception_handlers = ORGANIZER_ERRORS
    include_in_schema = False

    @get("/")
    async def queue(self, slug: FromPath[str], capsules: CapsulesDep, moderation: ModerationDep,
                    status: FromQuery[str | None] = None,
                    done: FromQuery[str | None] = None) -> Template:
        capsule = await capsules.get(slug)
        shown = status if status in TABS else None
        items = await moderation.queue(slug)  # metadata only: nothing is decrypted here
        counts = {tab: sum(1 for i in items if i.status == tab) for tab in TABS}
        if shown:
            items = [i for i in items if i.status == shown]
        return page("moderation/queue.html", capsule=capsule, items=items, counts=counts, tabs=TABS,
                    shown=shown, notice=DONE.get(done or ""))

    @get("/{contribution_id:uuid}")
    async def read(self, slug: FromPath[str], contribution_id: Id, capsules: CapsulesDep,
                   moderation: ModerationDep) -> Template:
        return await _reading(slug, contribution_id, capsules, moderation)

    @post("/{contribution_id:uuid}/decision", status_code=303)
    async def decide(self, slug: FromPath[str], contribution_id: Id,
                     request: Request[Any, Any, Any], capsules: CapsulesDep,
                     moderation: ModerationDep) -> Template | Redirect:
        values = await form_data(request)
        decision = values.get("decision", "")
        try:
            await moderation.decide(slug, contribution_id, decision, values.get("note", ""))
        except ValidationError as exc:
            message = (gettext("The note may have at most %(max)s characters.", max=NOTE_MAX)
                       if exc.field == "note" else gettext("Choose to accept or not to accept."))
            return await _reading(slug, contribution_id, capsules, moderation,
                                  note=values.get("note", ""), error=message)
        return Redirect(path=f"/organize/c/{slug}/contributions", query_params={"done": decision},
                        status_code=303)

    @get("/{contribution_id:uuid}/attachments/{index:int}")
    async def attachment(self, slug: FromPath[str], contribution_id: Id, index: FromPath[int],
                         moderation: ModerationDep) -> Stream:
        meta, chunks = await moderation.attachment(slug, contribution_id, index)  # audit-logged
        text = meta.media_type == "text/plain"
        return Stream(chunks, media_type="text/plain; charset=utf-8" if text else meta.media_type,
                      headers={
                          # Always a download, never shown inline on our origin.
                          "content-disposition": _attachment(meta.name),
                          "x-content-type-options": "nosniff",
                          "content-length": str(meta.size),
                      })


def _attachment(name: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(name, safe='')}"


async def _reading(slug: str, contribution_id: UUID, capsules: Any, moderation: Any, *,
                   note: str = "", error: str | None = None) -> Template:
    """One contribution, decrypted for review: each reading is an event of the public log."""
    capsule = await capsules.get(slug)
    [item] = await moderation.read(slug, [contribution_id])
    return page("moderation/read.html", status_code=422 if error else 200, capsule=capsule,
                item=item.item, document=item.document, note=note, error=error, note_max=NOTE_MAX)
