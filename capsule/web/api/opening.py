"""`/api/v1/capsules/{slug}/…` of the opening: open (organizers), custodian shares (anyone
holding one), and the published opening record.

Before the opening date every one of these answers 423 with `params.opens_at`, whoever asks.
After it, a capsule whose locks still hold (too few shares, no drand beacon yet) is 423 too,
with `params.waiting` naming what is missing.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath, JSONBody
from sqlalchemy import select

import msgspec

from capsule.core.canonical import b64
from capsule.core.clock import utc_text
from capsule.core.errors import ValidationError
from capsule.core.lifecycle import State
from capsule.core.opening import Report
from capsule.persistence import models as m
from capsule.web.api.bodies import JSON_MAX
from capsule.web.api.caching import immutable_json
from capsule.web.api.contents import readable
from capsule.web.api.deps import SERVICES, CapsuleServiceDep, OpeningServiceDep
from capsule.web.api.docs import errors
from capsule.web.api.seal_schemas import OpeningOut, OpenRequest, ReportOut, ShareEnter, ShareProgressOut
from capsule.web.auth import PUBLIC, LoginLimiter, requires_organizer
from capsule.web.deps import ClockDep, DbDep

# A share is 33 words from a 1024-word list with a checksum: guessing is hopeless, but a
# client hammering the call is refused all the same (429), per address and minute.
SHARES_PER_MINUTE: Final = 10


def _signature(text: str | None) -> bytes | None:
    if not text:
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ValidationError("drand_signature: hex digits, an even number of them",
                              field="drand_signature") from None


class OpeningApi(Controller):
    path = "/api/v1/capsules/{slug:str}"
    tags = ["opening"]
    dependencies = SERVICES

    @post("/open", guards=[requires_organizer], status_code=200, request_max_body_size=JSON_MAX,
          responses=errors(401, 404, 409, 413, 422, 423))
    async def open_capsule(self, slug: FromPath[str], opening_service: OpeningServiceDep,
                           data: JSONBody[OpenRequest | None] = None) -> ReportOut:
        """Open a sealed capsule after its date: every item is decrypted and checked, the report
        and the private key are published. `shares`: custodian shares (all at once; one at a
        time: POST …/shares); `drand_signature`: the round's beacon, pasted for an air-gapped
        opening (otherwise fetched from the relays). 423 before the date, or while a lock still
        holds (`params.waiting`); opening an opened capsule returns its report."""
        data = data or OpenRequest()
        report = await opening_service.open(slug, mnemonics=data.shares,
                                            drand_signature=_signature(data.drand_signature))
        return ReportOut.of(report)

    @get("/shares", opt={PUBLIC: True}, cache=False, responses=errors(401, 404, 409))
    async def share_progress(self, slug: FromPath[str], request: Request[Any, Any, Any],
                             capsule_service: CapsuleServiceDep, opening_service: OpeningServiceDep,
                             clock: ClockDep) -> ShareProgressOut:
        """How many custodian shares were entered of the threshold (409 without a custodians lock)."""
        capsule = await readable(slug, request, capsule_service, opening_service, clock)
        progress = await opening_service.shares_entered(slug)
        return ShareProgressOut(entered=progress.entered, threshold=progress.threshold,
                                opened=capsule.state == State.OPENED)

    @post("/shares", opt={PUBLIC: True}, status_code=200, request_max_body_size=JSON_MAX,
          cache_control=CacheControlHeader(no_store=True), responses=errors(404, 409, 413, 422, 423, 429))
    async def enter_share(self, slug: FromPath[str], data: JSONBody[ShareEnter], request: Request[Any, Any, Any],
                          opening_service: OpeningServiceDep, clock: ClockDep) -> ShareProgressOut:
        """One custodian's share (its words), after the opening date; once `threshold` are in,
        the capsule opens and the report comes back. Each refusal has its code (422):
        `share.word` (a word not in the list, `params.word`), `share.checksum` (a word mistyped,
        missing or extra), `share.foreign` (another capsule's), `share.duplicate` (entered
        already). 423 before the date; 429 after too many tries."""
        limiter = LoginLimiter(request.app.stores.get("rate_limit"), SHARES_PER_MINUTE, prefix="shares",
                               attempts="share attempts")
        await limiter.check(request, int(clock.now().timestamp() // 60))
        progress = await opening_service.enter_share(slug, data.share)
        return ShareProgressOut(entered=progress.entered, threshold=progress.threshold,
                                opened=progress.report is not None,
                                report=ReportOut.of(progress.report) if progress.report else None)

    @get("/opening", opt={PUBLIC: True}, responses=errors(401, 404, 423))
    async def opening_record(self, slug: FromPath[str], request: Request[Any, Any, Any], db: DbDep,
                             capsule_service: CapsuleServiceDep, opening_service: OpeningServiceDep,
                             clock: ClockDep) -> Response[OpeningOut]:
        """The published opening record: when, the verification report, and the capsule's
        private key (base64), so anyone holding a copy of the sealed archive can open and
        check it offline. 423 until the capsule is opened."""
        capsule = await readable(slug, request, capsule_service, opening_service, clock)
        await opening_service.contents(slug, limit=1)  # 423 unless opened
        async with db.read() as session:
            opening = (await session.execute(select(m.Opening).where(m.Opening.capsule_id == capsule.id))).scalar_one()
        report = msgspec.convert(opening.report, Report)
        return immutable_json(request, OpeningOut(slug=slug, opened_at=utc_text(opening.opened_at),
                                                  private_key=b64(opening.private_key), report=ReportOut.of(report)))
