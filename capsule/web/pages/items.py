"""One opened item: its page with the inclusion proof, its sealed document, its attachments.

All public, and all answered with the locked page (423) until the capsule is opened, whoever
asks. Opened content never changes: strong ETags, a year of caching, 304 when unchanged (the
same headers as the API's `…/items` calls).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get
from litestar.params import FromPath
from litestar.response import Stream

from capsule.core import merkle
from capsule.core.errors import FormatError, LockedError, NotFoundError, TamperError
from capsule.persistence.services import sealing
from capsule.web.api.caching import (
    cache_headers,
    etag_matches,
    immutable_bytes,
    not_modified,
    strong_etag,
)
from capsule.web.api.contents import ATTACHMENT_CSP, INLINE, readable
from capsule.web.auth import PUBLIC
from capsule.web.deps import ClockDep, DbDep
from capsule.web.pages.caching import NO_CSRF, immutable_page
from capsule.web.pages.common import locked_page
from capsule.web.pages.contents import shown
from capsule.web.pages.seal_facts import seal_facts
from capsule.web.pages.services import CapsulesDep, OpeningDep


class ItemPages(Controller):
    path = "/c/{slug:str}/items/{index:int}"
    opt = {PUBLIC: True, **NO_CSRF}
    include_in_schema = False

    @get("/")
    async def item(self, slug: FromPath[str], index: FromPath[int],
                   request: Request[Any, Any, Any], capsules: CapsulesDep, opening: OpeningDep,
                   clock: ClockDep, db: DbDep) -> Response[Any]:
        capsule = await readable(slug, request, capsules, opening, clock)  # auto-opens when due
        try:
            row = await opening.item(slug, index)
        except LockedError:
            return locked_page(capsule, clock.now())
        proof = await sealing.inclusion_proof(db, slug, index)
        seal = await seal_facts(db, capsule)
        assert seal is not None  # opened, so sealed
        try:  # the root and size come from the signed certificate, never from the proof
            merkle.verify_inclusion(proof.leaf, index, seal.items, proof.path,
                                    bytes.fromhex(seal.content_root))
            proof_ok = True
        except (TamperError, FormatError):
            proof_ok = False
        return immutable_page("public/item.html", capsule=capsule, item=shown(row), proof=proof,
                              proof_ok=proof_ok)

    @get("/document.json")
    async def document(self, slug: FromPath[str], index: FromPath[int],
                       request: Request[Any, Any, Any], capsules: CapsulesDep, opening: OpeningDep,
                       clock: ClockDep) -> Response[Any]:
        """The item's canonical document exactly as sealed: its SHA-256 is the commitment."""
        capsule = await readable(slug, request, capsules, opening, clock)
        try:
            row = await opening.item(slug, index)
        except LockedError:
            return locked_page(capsule, clock.now())
        if not row.verified:
            raise NotFoundError(f"item {index} did not verify; its document is not shown")
        return immutable_bytes(request, row.document, "application/json", headers={
            "Content-Disposition": f'attachment; filename="{slug}-item-{index}.json"'})

    @get("/attachments/{position:int}")
    async def attachment(self, slug: FromPath[str], index: FromPath[int],
                         position: FromPath[int], request: Request[Any, Any, Any],
                         capsules: CapsulesDep, opening: OpeningDep,
                         clock: ClockDep) -> Response[Any]:
        capsule = await readable(slug, request, capsules, opening, clock)
        try:
            row = await opening.item(slug, index)
        except LockedError:
            return locked_page(capsule, clock.now())
        item = shown(row)
        if not item.verified or not 0 <= position < len(item.attachments):
            raise NotFoundError(f"item {index} has no attachment {position} to show")
        meta = item.attachments[position]
        etag = strong_etag(meta.sha256)  # the plaintext's SHA-256, sealed in the document
        if etag_matches(request, etag):
            return not_modified(etag)
        _, chunks = await opening.attachment(slug, index, position)
        disposition = "inline" if meta.media_type in INLINE else "attachment"
        # (Litestar adds "; charset=utf-8" to text/plain itself.)
        return Stream(chunks, media_type=meta.media_type, headers={
            **cache_headers(etag),
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(meta.name, safe='')}",
            "Content-Length": str(meta.size),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": ATTACHMENT_CSP,
        })
