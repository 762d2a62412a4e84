"""`/api/v1/capsules/{slug}/…` of the ceremony: seal (organizers), then for everyone the signed
certificate, its signature, the manifest, inclusion proofs and the sealed archive.

The seal's response is the only place custodian shares ever appear: it is `no-store`, and
nothing on the way logs a body (the access log writes method, path, status and time only).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Stream

from capsule.archive_texts import archive_texts
from capsule.core.archive_write import write_sealed_archive
from capsule.core.certificate import signature_text
from capsule.core.errors import CapsuleError
from capsule.persistence.services import archives, sealing
from capsule.persistence.services.capsules import by_slug
from capsule.persistence.database import Database
from capsule.web.api.caching import immutable_bytes, immutable_json
from capsule.web.api.capsules import visible
from capsule.web.api.contributions import content_disposition
from capsule.web.api.deps import SERVICES, CapsuleServiceDep, OpeningServiceDep, SealServiceDep
from capsule.web.api.docs import errors
from capsule.web.api.pipe import piped
from capsule.web.api.progress import ProgressFeed, read_progress
from capsule.web.api.seal_schemas import ProofOut, SealOut, SealProgressOut, SealRequest
from capsule.web.auth import PUBLIC, requires_organizer
from capsule.web.deps import ClockDep, DbDep, KeysDep, SettingsDep


async def _seal_of(db: Database, slug: str) -> sealing.SealView:
    async with db.read() as session:
        return await sealing.seal_of(session, (await by_slug(session, slug)).id)


class SealApi(Controller):
    path = "/api/v1/capsules/{slug:str}"
    tags = ["sealing"]
    dependencies = SERVICES

    @post("/seal", guards=[requires_organizer], status_code=200, cache_control=CacheControlHeader(no_store=True),
          responses=errors(401, 404, 409))
    async def seal_capsule(self, slug: FromPath[str], request: Request[Any, Any, Any], seal_service: SealServiceDep,
                           settings: SettingsDep, clock: ClockDep,
                           data: JSONBody[SealRequest | None] = None) -> SealOut:
        """Seal a collecting capsule in one step (the ceremony): the certificate is signed and its
        fingerprint returned. 409 while contributions are pending (`params.pending` lists them)
        unless `exclude_pending`, and for a capsule already sealed. With a custodians lock the
        shares are in this response and nowhere else, ever."""
        feed = ProgressFeed(request.app.stores.get("progress"), slug, clock)
        try:
            outcome = await seal_service.seal(slug, exclude_pending=bool(data and data.exclude_pending),
                                              progress=feed)
        except Exception as exc:  # the ceremony page must not show "running" for an hour
            await feed.close("failed", error=exc.code if isinstance(exc, CapsuleError) else "internal")
            raise
        await feed.close("done")
        api = f"{settings.base_url}/api/v1/capsules/{outcome.slug}"
        return SealOut(slug=outcome.slug, fingerprint=outcome.fingerprint, certificate_url=f"{api}/certificate",
                       signature_url=f"{api}/certificate.sig", archive_url=f"{api}/archive", items=outcome.items,
                       excluded=outcome.excluded,
                       custodian_shares=list(outcome.custodian_shares) if outcome.custodian_shares else None)

    @get("/seal/progress", guards=[requires_organizer], cache=False,
         cache_control=CacheControlHeader(no_store=True), responses=errors(401, 404))
    async def seal_progress(self, slug: FromPath[str], request: Request[Any, Any, Any],
                            capsule_service: CapsuleServiceDep) -> SealProgressOut:
        """How far a running seal is (any worker's): phase and items done, for large capsules."""
        capsule = await capsule_service.get(slug)
        progress = await read_progress(request.app.stores.get("progress"), slug)
        if progress is None:
            return SealProgressOut(state="done" if capsule.state in ("sealed", "opened") else "idle")
        return progress

    @get("/certificate", opt={PUBLIC: True}, media_type=MediaType.JSON, responses=errors(404))
    async def certificate(self, slug: FromPath[str], request: Request[Any, Any, Any], db: DbDep) -> Response[bytes]:
        """The seal certificate: the exact signed bytes (canonical JSON, FORMAT §6). Its
        fingerprint is the first 20 bytes of their SHA-256."""
        seal = await _seal_of(db, slug)
        return immutable_bytes(request, seal.certificate, MediaType.JSON)

    @get("/certificate.sig", opt={PUBLIC: True}, media_type=MediaType.TEXT, responses=errors(404))
    async def certificate_signature(self, slug: FromPath[str], request: Request[Any, Any, Any],
                                    db: DbDep) -> Response[bytes]:
        """The Ed25519 signature of the certificate's bytes: base64 and a newline (FORMAT §6),
        by the key published at /.well-known/capsule/signing-key."""
        seal = await _seal_of(db, slug)
        return immutable_bytes(request, signature_text(seal.signature), MediaType.TEXT)

    @get("/manifest", opt={PUBLIC: True}, media_type=MediaType.JSON, responses=errors(404))
    async def manifest(self, slug: FromPath[str], request: Request[Any, Any, Any], db: DbDep) -> Response[bytes]:
        """The manifest: the exact bytes whose SHA-256 the certificate names (FORMAT §5)."""
        seal = await _seal_of(db, slug)
        return immutable_bytes(request, seal.manifest, MediaType.JSON)

    @get("/items/{index:int}/proof", opt={PUBLIC: True}, responses=errors(404))
    async def inclusion_proof(self, slug: FromPath[str], index: FromPath[int], request: Request[Any, Any, Any],
                              db: DbDep) -> Response[ProofOut]:
        """RFC 9162 inclusion proof of sealed item `index` (hex), from the moment of sealing."""
        proof = await sealing.inclusion_proof(db, slug, index)
        return immutable_json(request, ProofOut(index=proof.index, tree_size=proof.tree_size, leaf=proof.leaf.hex(),
                                                path=[h.hex() for h in proof.path], root=proof.root.hex()))

    @get("/archive", opt={PUBLIC: True}, media_type="application/zip", responses=errors(401, 404, 423))
    async def archive(
        self, slug: FromPath[str], request: Request[Any, Any, Any], db: DbDep, keys: KeysDep, clock: ClockDep,
        capsule_service: CapsuleServiceDep, opening_service: OpeningServiceDep,
        opened: Annotated[bool, QueryParameter(description="1: the opened archive, with every decrypted "
                                                           "document (423 before the opening)")] = False,
    ) -> Stream:
        """The sealed archive (a BagIt zip, FORMAT §9) for mirrors: certificate, signature, manifest,
        ciphertext, audit log; `capsule verify` checks it offline. With `?opened=1`, once opened,
        the opened archive (decrypted documents and an offline index.html). Streamed."""
        await visible(await capsule_service.get(slug), request)
        if opened:
            await opening_service.open_if_due(slug)
            await opening_service.contents(slug, limit=1)  # 423 unless opened
            body = piped(lambda out: archives.write_opened(db, keys, slug, out, clock))
        else:
            parts = await archives.sealed_parts(db, keys, slug, clock)  # 404 unless sealed
            body = piped(lambda out: asyncio.to_thread(write_sealed_archive, out, parts, archive_texts()))
        name = f"capsule-{slug}-{'opened' if opened else 'sealed'}.zip"
        return Stream(body, media_type="application/zip", headers={"Content-Disposition": content_disposition(name)})
