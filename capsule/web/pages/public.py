"""What anyone sees: the list of capsules, one capsule's page (its dates, who could open it
early, its seal, its log, and once opened its contents), and the seal's QR code."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from capsule.core.errors import NotFoundError
from capsule.core.lifecycle import State
from capsule.web import qr
from capsule.web.api.caching import immutable_bytes
from capsule.web.api.contents import readable
from capsule.web.auth import PUBLIC
from capsule.web.deps import ClockDep, DbDep, SettingsDep
from capsule.web.pages import common, contents
from capsule.web.pages.caching import NO_CSRF, immutable_page
from capsule.web.pages.seal_facts import lock_facts, seal_facts
from capsule.web.pages.services import CapsulesDep, OpeningDep, ViewsDep


class PublicPages(Controller):
    opt = {PUBLIC: True}
    include_in_schema = False

    @get("/")
    async def home(self, capsules: CapsulesDep, views: ViewsDep, clock: ClockDep) -> Template:
        listed = await capsules.list_public()
        counts = await views.counts([c.id for c in listed])
        groups = {state: [c for c in listed if c.state == state] for state in State}
        return common.page("public/home.html", groups=groups, counts=counts, now=clock.now())

    @get("/c/{slug:str}", opt=NO_CSRF)
    async def capsule(self, slug: FromPath[str], request: Request[Any, Any, Any], views: ViewsDep,
                      capsules: CapsulesDep, opening: OpeningDep, clock: ClockDep, db: DbDep,
                      q: FromQuery[str | None] = None, kind: FromQuery[str | None] = None,
                      page: FromQuery[str | None] = None,
                      fingerprint: FromQuery[str | None] = None) -> Template:
        # First, a capsule that opens by itself and whose date has come opens (auto-open).
        await readable(slug, request, capsules, opening, clock)
        shown = await views.capsule_page(slug)
        seal = await seal_facts(db, shown.capsule)
        context: dict[str, Any] = {
            "capsule": shown.capsule, "counts": shown.counts, "log": shown.log, "now": clock.now(),
            "seal": seal, "locks": seal.locks if seal else lock_facts(shown.capsule),
            "scanned": _scanned(fingerprint, seal.digits if seal else None),
        }
        if shown.capsule.state != State.OPENED:
            return common.page("public/capsule.html", listing=None, report=None, **context)
        listing = await contents.listing(opening, slug, contents.clean_query(q), kind,
                                         contents.page_number(page))
        return immutable_page("public/capsule.html", listing=listing,
                              report=await opening.report(slug), **context)

    @get("/c/{slug:str}/fingerprint.svg", opt=NO_CSRF)
    async def fingerprint_qr(self, slug: FromPath[str], request: Request[Any, Any, Any], db: DbDep,
                             capsules: CapsulesDep, settings: SettingsDep) -> Response[bytes]:
        """The seal fingerprint as a QR code: the capsule's page, with the fingerprint to check."""
        seal = await seal_facts(db, await capsules.get(slug))
        if seal is None:
            raise NotFoundError(f"capsule {slug!r} is not sealed", slug=slug)
        link = f"{settings.base_url}/c/{slug}?fingerprint={seal.digits}"
        body = qr.svg(link, title=seal.fingerprint)
        return immutable_bytes(request, body, "image/svg+xml")


def _scanned(given: str | None, sealed: str | None) -> str | None:
    """`match` or `mismatch` when the visitor came with a fingerprint (the QR code of the
    ceremony), None otherwise."""
    if not given or sealed is None:
        return None
    return "match" if qr.fingerprint_digits(given) == sealed else "mismatch"
