"""`/api/v1/capsules/{slug}/items…`: the contents, for everyone, once the capsule is opened
(423 with the date before). Opened content never changes: every answer carries a strong ETag
of its content and may be cached for a year.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Final, Literal
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Stream
from sqlalchemy import select

from capsule.core.clock import Clock
from capsule.core.envelope import commitment_of, parse_document
from capsule.core.lifecycle import State
from capsule.persistence import models as m
from capsule.persistence.database import Database
from capsule.persistence.services.capsules import CapsuleService
from capsule.persistence.services.opening import PAGE_MAX, OpeningService
from capsule.web.api.caching import cache_headers, etag_matches, immutable_json, not_modified, strong_etag
from capsule.web.api.capsules import visible
from capsule.web.api.contributions import content_disposition
from capsule.web.api.deps import SERVICES, CapsuleServiceDep, OpeningServiceDep
from capsule.web.api.docs import errors
from capsule.web.api.seal_schemas import ItemAttachmentOut, ItemListOut, ItemOut
from capsule.web.auth import PUBLIC
from capsule.web.deps import ClockDep, DbDep, SettingsDep

# Shown in the browser; everything else (PDF, text) is downloaded.
INLINE: Final = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})
# An attachment is never a page of ours: no scripts, no plugins, no framing, whatever it holds.
ATTACHMENT_CSP: Final = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


async def readable(slug: str, request: Request[Any, Any, Any], capsule_service: CapsuleService,
                   opening_service: OpeningService, clock: Clock) -> m.Capsule:
    """The capsule (drafts stay 404 for the public); a sealed one past its date that may open
    itself (auto-open, server lock) opens now, on this first public read."""
    capsule = await visible(await capsule_service.get(slug), request)
    if capsule.state == State.SEALED and clock.now() >= capsule.opening_at and capsule.auto_open:
        await opening_service.open_if_due(slug)
        capsule = await capsule_service.get(slug)
    return capsule


async def _commitments(db: Database, capsule_id: UUID, indexes: Sequence[int]) -> dict[int, str]:
    """Sealed commitments of items that did not verify (their document is not kept)."""
    if not indexes:
        return {}
    async with db.read() as session:
        rows = await session.execute(select(m.Contribution.sealed_index, m.Contribution.commitment).where(
            m.Contribution.capsule_id == capsule_id, m.Contribution.sealed_index.in_(list(indexes))))
        return {index: commitment.hex() for index, commitment in rows}


def item_out(row: m.OpenedItem, api: str, commitment: str) -> ItemOut:
    url = f"{api}/items/{row.index}"
    if not row.verified:
        return ItemOut(index=row.index, kind=row.kind, verified=False, commitment=commitment, proof_url=f"{url}/proof",
                       failure=row.failure_code)
    document = parse_document(row.document)
    return ItemOut(
        index=row.index, kind=row.kind, verified=True, commitment=commitment, proof_url=f"{url}/proof",
        title=row.title, body=row.body, author_name=row.author, author_role=row.role, organization=row.organization,
        language=row.language, submitted_at=document.submitted_at,
        attachments=[ItemAttachmentOut(name=a.name, media_type=a.media_type, size=a.size, sha256=a.sha256,
                                       url=f"{url}/attachments/{n}") for n, a in enumerate(document.attachments)],
    )


async def items_out(db: Database, capsule_id: UUID, rows: Sequence[m.OpenedItem], api: str) -> list[ItemOut]:
    failed = await _commitments(db, capsule_id, [row.index for row in rows if not row.verified])
    return [item_out(row, api, commitment_of(row.document).hex() if row.verified else failed.get(row.index, ""))
            for row in rows]


class ContentsApi(Controller):
    path = "/api/v1/capsules/{slug:str}/items"
    tags = ["contents"]
    dependencies = SERVICES
    opt = {PUBLIC: True}  # once opened the contents are public; before, every call is 423

    @get("/", responses=errors(401, 404, 422, 423))
    async def list_items(
        self, slug: FromPath[str], request: Request[Any, Any, Any], capsule_service: CapsuleServiceDep,
        opening_service: OpeningServiceDep, clock: ClockDep, db: DbDep, settings: SettingsDep,
        kind: Annotated[Literal["goal", "priority", "appeal"] | None,
                        QueryParameter(description="one kind only")] = None,
        q: Annotated[str, QueryParameter(max_length=200, description="every word must match (title, text, author, "
                                                                      "organization; case-insensitive)")] = "",
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_MAX)] = 50,
    ) -> Response[ItemListOut]:
        """The opened items in sealed order, each with `verified` (and for one that failed, its
        `failure` code and no content); filtered by `kind` and a search `q`; paginated. 423 with
        `params.opens_at` before the opening."""
        capsule = await readable(slug, request, capsule_service, opening_service, clock)
        rows, total = await opening_service.contents(slug, kind=kind, query=q, offset=offset, limit=limit)
        api = f"{settings.base_url}/api/v1/capsules/{slug}"
        return immutable_json(request, ItemListOut(items=await items_out(db, capsule.id, rows, api), total=total,
                                                   offset=offset, limit=limit))

    @get("/{index:int}", responses=errors(401, 404, 423))
    async def show_item(self, slug: FromPath[str], index: FromPath[int], request: Request[Any, Any, Any],
                        capsule_service: CapsuleServiceDep, opening_service: OpeningServiceDep, clock: ClockDep,
                        db: DbDep, settings: SettingsDep) -> Response[ItemOut]:
        """One opened item (423 before the opening)."""
        capsule = await readable(slug, request, capsule_service, opening_service, clock)
        row = await opening_service.item(slug, index)
        [out] = await items_out(db, capsule.id, [row], f"{settings.base_url}/api/v1/capsules/{slug}")
        return immutable_json(request, out)

    @get("/{index:int}/attachments/{n:int}", responses=errors(401, 404, 423))
    async def item_attachment(self, slug: FromPath[str], index: FromPath[int], n: FromPath[int],
                              request: Request[Any, Any, Any], capsule_service: CapsuleServiceDep,
                              opening_service: OpeningServiceDep, clock: ClockDep) -> Response[Any]:
        """Attachment `n` of an opened item, decrypted as it streams; images are shown inline,
        other files downloaded. Its ETag is the SHA-256 of the file the document lists."""
        await readable(slug, request, capsule_service, opening_service, clock)
        meta, chunks = await opening_service.attachment(slug, index, n)
        etag = strong_etag(meta.sha256)
        if etag_matches(request, etag):
            await chunks.aclose()  # type: ignore[attr-defined]  # never started: nothing decrypted
            return not_modified(etag)
        media_type = meta.media_type + ("; charset=utf-8" if meta.media_type == "text/plain" else "")
        return Stream(chunks, media_type=media_type, headers={
            **cache_headers(etag),
            "Content-Disposition": content_disposition(
                meta.name, "inline" if meta.media_type in INLINE else "attachment"),
            "Content-Length": str(meta.size),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": ATTACHMENT_CSP,
        })
