"""`/api/v1/capsules/{slug}/contributions`: submit (invitation holders), moderate (organizers)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.response import Stream

from capsule.core.errors import InvitationError
from capsule.core.lifecycle import Status
from capsule.web.api.bodies import JSON_MAX, read_contribution
from capsule.web.api.docs import SubmitOperation, errors
from capsule.web.api.contribution_schemas import (
    ContentOut,
    ContributionDecide,
    ContributionListOut,
    ContributionOut,
    ContributionSubmit,
    ReceiptOut,
)
from capsule.web.api.deps import SERVICES, ContributionServiceDep, ModerationServiceDep
from capsule.web.auth import PUBLIC, requires_organizer
from capsule.web.deps import SettingsDep

READABLE = (Status.PENDING, Status.ACCEPTED, Status.REJECTED)


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """`attachment` (or `inline`) with an ASCII fallback and the exact UTF-8 name (RFC 6266 / RFC 8187)."""
    # Old clients get a plain ASCII name; the exact one rides in filename* (percent-encoded).
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in "._- ") else "_" for c in filename) or "file"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


class ContributionApi(Controller):
    path = "/api/v1/capsules/{slug:str}/contributions"
    tags = ["contributions"]
    dependencies = SERVICES

    @post("/", status_code=201, operation_class=SubmitOperation,
          responses=errors(400, 403, 404, 409, 413, 415, 422),
          # Authorized by the invitation token in X-Invitation, not by an organizer login.
          opt={PUBLIC: True})
    async def submit_contribution(
        self, slug: FromPath[str], request: Request[Any, Any, Any], contribution_service: ContributionServiceDep,
        settings: SettingsDep,
        x_invitation: Annotated[str | None, HeaderParameter(name="X-Invitation",
                                                            description="the invitation token (inv_…)")] = None,
        idempotency_key: Annotated[str | None, HeaderParameter(
            name="Idempotency-Key", description="1-64 printable characters; a retry with the same key "
                                                  "returns the same receipt")] = None,
    ) -> ReceiptOut:
        """Submit a contribution: JSON, or multipart/form-data with the text fields first and then up
        to 5 files named `attachments`. Everything is encrypted as it arrives; the receipt's token
        is the only way back to it."""
        if not x_invitation:
            raise InvitationError("send the invitation token in the X-Invitation header", reason="missing")
        fields, uploads = await read_contribution(request, settings, ContributionSubmit)
        try:
            receipt = await contribution_service.submit(slug, x_invitation, fields.to_service(), uploads,
                                                        submit_key=idempotency_key)
        finally:
            await uploads.aclose()  # a refusal may come before the files were read
        return ReceiptOut.of(receipt, settings.base_url)

    @get("/", guards=[requires_organizer], responses=errors(401, 404, 409))
    async def list_contributions(
        self, slug: FromPath[str], moderation_service: ModerationServiceDep, settings: SettingsDep,
        content: Annotated[bool, QueryParameter(description="1: decrypt each for moderation (an audit event)")] = False,
        status: FromQuery[Literal["pending", "accepted", "rejected", "withdrawn", "sealed", "excluded"] | None] = None,
    ) -> ContributionListOut:
        """The moderation queue, oldest first: metadata only, or with `?content=1` the decrypted
        text (before sealing; every such read is logged publicly, without the content)."""
        queue = await moderation_service.queue(slug, Status(status) if status else None)
        documents = {}
        readable = [item.id for item in queue if item.status in READABLE]
        if content:  # also with nothing readable: once sealed, the service refuses (409)
            documents = {read.item.id: read.document for read in await moderation_service.read(slug, readable)}
        base = f"{settings.base_url}/api/v1/capsules/{slug}/contributions"
        return ContributionListOut(contributions=[
            ContributionOut.of(item, ContentOut.of(documents[item.id], f"{base}/{item.id}/attachments")
                               if item.id in documents else None)
            for item in queue
        ])

    @get("/{contribution_id:uuid}/attachments/{index:int}", guards=[requires_organizer],
         responses=errors(401, 404, 409))
    async def download_attachment(self, slug: FromPath[str], contribution_id: FromPath[UUID], index: FromPath[int],
                                  moderation_service: ModerationServiceDep) -> Stream:
        """One attachment, decrypted as it streams (before sealing; an audit event)."""
        meta, chunks = await moderation_service.attachment(slug, contribution_id, index)
        return Stream(chunks, media_type=meta.media_type, headers={
            "Content-Disposition": content_disposition(meta.name),
            "Content-Length": str(meta.size),
            # Uploaded bytes are never rendered by the browser in our origin.
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        })

    @post("/{contribution_id:uuid}/decision", guards=[requires_organizer], status_code=200,
          request_max_body_size=JSON_MAX, responses=errors(400, 401, 404, 409, 413, 422))
    async def decide_contribution(self, slug: FromPath[str], contribution_id: FromPath[UUID],
                                  data: JSONBody[ContributionDecide],
                                  moderation_service: ModerationServiceDep) -> ContributionOut:
        """Accept or reject while collecting (either can be changed until sealing); the note goes
        to the contributor's receipt, never to the public log."""
        return ContributionOut.of(await moderation_service.decide(slug, contribution_id, data.decision, data.note))
