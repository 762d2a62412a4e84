"""The organizers' opening page: after the date, open the capsule with what its locks need
(the server lock, the drand beacon fetched or pasted, the custodians' shares entered on their
own page), then the verification report. Before the date: the locked page (423).
"""

from __future__ import annotations

import re
from typing import Any, Final

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from capsule.core import errors as e
from capsule.core.lifecycle import State
from capsule.i18n import gettext
from capsule.persistence.services.beacons import BeaconClient
from capsule.persistence.services.opening import OpeningService
from capsule.web.auth import requires_organizer
from capsule.web.deps import ClockDep, DbDep, KeysDep, SettingsDep
from capsule.web.errors import message_for, status_of
from capsule.web.pages.common import NO_STORE, ORGANIZER_ERRORS, form_data, locked_page, page
from capsule.web.pages.seal_facts import seal_facts
from capsule.web.pages.services import CapsulesDep, OpeningDep

_HEX: Final = re.compile(r"[0-9a-fA-F]+")
SIGNATURE_MAX: Final = 1000  # a quicknet signature is 96 hex digits; anything far longer is not one


class OpeningPages(Controller):
    path = "/organize/c/{slug:str}/open"
    guards = [requires_organizer]
    cache_control = NO_STORE
    exception_handlers = ORGANIZER_ERRORS
    include_in_schema = False

    @get("/")
    async def opening_page(self, slug: FromPath[str], capsules: CapsulesDep, opening: OpeningDep,
                           clock: ClockDep, db: DbDep, settings: SettingsDep,
                           done: FromQuery[str | None] = None) -> Template:
        return await _page(await capsules.get(slug), opening, clock, db, settings.base_url,
                           opened_now=done == "opened")

    @post("/", status_code=303)
    async def open_capsule(self, slug: FromPath[str], request: Request[Any, Any, Any],
                           capsules: CapsulesDep, opening: OpeningDep, clock: ClockDep, db: DbDep,
                           keys: KeysDep, settings: SettingsDep) -> Template | Redirect:
        capsule = await capsules.get(slug)
        if capsule.state != State.SEALED or clock.now() < capsule.opening_at:  # opened, or locked
            return await _page(capsule, opening, clock, db, settings.base_url)
        values = await form_data(request)
        seal = await seal_facts(db, capsule)
        assert seal is not None
        types = {lock.type for lock in seal.locks}
        every = capsule.lock_policy == "all"
        beacons = (BeaconClient(settings.drand_urls, settings.drand_timeout)
                   if "drand" in types and (values.get("action") == "drand" or every) else None)
        try:
            await OpeningService(db, clock, keys, beacons=beacons).open(
                slug, drand_signature=_signature(values.get("signature", "")),
                # With "all", the custodians' shares entered on their page are needed too.
                use_entered_shares="custodians" in types and every)
        except (e.LockedError, e.ShareError, e.TamperError, e.FormatError) as exc:
            return await _page(capsule, opening, clock, db, settings.base_url, error=_why(exc),
                               status_code=status_of(exc))
        return Redirect(path=f"/organize/c/{slug}/open", query_params={"done": "opened"},
                        status_code=303)


async def _page(capsule: Any, opening: Any, clock: Any, db: Any, base_url: str, *,
                opened_now: bool = False, error: str | None = None,
                status_code: int = 200) -> Template:
    if capsule.state in (State.DRAFT, State.COLLECTING):
        raise e.TransitionError(f"capsule is {capsule.state}, not sealed", state=capsule.state)
    if capsule.state == State.SEALED and clock.now() < capsule.opening_at:
        return locked_page(capsule, clock.now(), organizer_nav=True)
    seal = await seal_facts(db, capsule)
    assert seal is not None
    custodians = next((lock for lock in seal.locks if lock.type == "custodians"), None)
    waiting = custodians is not None and capsule.state == State.SEALED
    return page("opening/organizer.html", status_code=status_code, capsule=capsule, seal=seal,
                types={lock.type for lock in seal.locks}, custodians=custodians,
                entered=await opening.shares_entered(capsule.slug) if waiting else None,
                report=await opening.report(capsule.slug), opened_now=opened_now, error=error,
                custodians_url=f"{base_url}/c/{capsule.slug}/open/custodians")


def _signature(text: str) -> bytes | None:
    """A pasted drand signature (hex), or None when the field was left empty.

    Raises:
        FormatError: not hex digits.
    """
    text = "".join(text[:SIGNATURE_MAX].split())
    if not text:
        return None
    if not _HEX.fullmatch(text) or len(text) % 2:
        raise e.FormatError("the signature must be hexadecimal digits", field="signature")
    return bytes.fromhex(text)


def _why(exc: e.CapsuleError) -> str:
    """Why the opening did not happen, in the organizer's language."""
    if isinstance(exc, e.FormatError):
        return gettext("The signature must be the hexadecimal digits "
                       "of the beacon's “signature” field.")
    if isinstance(exc, e.LockedError) and not isinstance(exc, e.BeaconUnavailableError):
        waiting = exc.params.get("waiting") or []
        if "custodians" in waiting:
            return gettext("The custodians have not entered enough key shares yet.")
        if "drand" in waiting:
            return gettext("The drand beacon is needed: fetch it, or paste its signature.")
    return message_for(exc.code, exc.params)
