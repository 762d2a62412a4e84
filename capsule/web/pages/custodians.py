"""The custodians' page: after the opening date each custodian enters the words of their card,
one at a time, from any device. A share is its own credential, so the page is public; it is
protected by CSRF and a per-address limit, and it never shows the words back.

The service keeps each accepted share (encrypted) until enough are in, so the count survives
a restart; then the capsule opens and the shares are erased. The per-address limit is the
API's (`POST /api/v1/capsules/{slug}/shares`): one budget, whichever way shares come.
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from capsule.core import errors as e
from capsule.core.lifecycle import State
from capsule.i18n import N_, gettext
from capsule.web.api.opening import SHARES_PER_MINUTE
from capsule.web.auth import PUBLIC, LoginLimiter
from capsule.web.deps import ClockDep, DbDep
from capsule.web.errors import message_for, status_of
from capsule.web.pages.common import NO_STORE, form_data, locked_page, page
from capsule.web.pages.seal_facts import lock_facts, seal_facts
from capsule.web.pages.services import CapsulesDep, OpeningDep

WORDS_MAX: Final = 2000  # 33 words of at most 8 letters, with room for stray spaces
DONE: Final = {
    "entered": N_("Thank you: your share was accepted. You may close this page."),
    "opened": N_("Thank you: yours was the last share needed. The capsule is open."),
}


class CustodianPages(Controller):
    path = "/c/{slug:str}/open/custodians"
    opt = {PUBLIC: True}
    cache_control = NO_STORE
    include_in_schema = False

    @get("/")
    async def form(self, slug: FromPath[str], capsules: CapsulesDep, opening: OpeningDep,
                   clock: ClockDep, db: DbDep, done: FromQuery[str | None] = None) -> Template:
        return await _form(await capsules.get(slug), opening, clock, db,
                           notice=DONE.get(done or ""))

    @post("/", status_code=303)
    async def enter(self, slug: FromPath[str], request: Request[Any, Any, Any],
                    capsules: CapsulesDep, opening: OpeningDep, clock: ClockDep,
                    db: DbDep) -> Template | Redirect:
        capsule = await capsules.get(slug)
        words = (await form_data(request)).get("words", "")[:WORDS_MAX]
        limiter = LoginLimiter(request.app.stores.get("rate_limit"), SHARES_PER_MINUTE,
                               prefix="shares", attempts="share attempts")
        try:
            await limiter.check(request, int(clock.now().timestamp() // 60))
        except e.RateLimitError as exc:
            return await _form(capsule, opening, clock, db, error=message_for(exc.code),
                               status_code=429, headers={"Retry-After": "60"})
        if not words.strip():
            return await _form(capsule, opening, clock, db, status_code=422,
                               error=gettext("Please type the words of your card."))
        try:
            progress = await opening.enter_share(slug, words)
        except e.ShareError as exc:
            return await _form(capsule, opening, clock, db, status_code=status_of(exc),
                               error=message_for(exc.code, exc.params))
        except (e.LockedError, e.TransitionError):  # before the date, or already open: say so
            return await _form(await capsules.get(slug), opening, clock, db)
        return Redirect(path=f"/c/{slug}/open/custodians", status_code=303,
                        query_params={"done": "opened" if progress.report else "entered"})


async def _form(capsule: Any, opening: Any, clock: Any, db: Any, *, notice: str | None = None,
                error: str | None = None, status_code: int = 200,
                headers: dict[str, str] | None = None) -> Template:
    seal = await seal_facts(db, capsule)
    locks = seal.locks if seal else lock_facts(capsule)
    lock = next((lock for lock in locks if lock.type == "custodians"), None)
    if capsule.state == State.DRAFT or lock is None:
        raise e.NotFoundError(f"capsule {capsule.slug!r} has no custodians", slug=capsule.slug)
    now = clock.now()
    if capsule.state == State.COLLECTING or (capsule.state == State.SEALED
                                              and now < capsule.opening_at):
        return locked_page(capsule, now)
    entered = await opening.shares_entered(capsule.slug) if capsule.state == State.SEALED else None
    return page("opening/custodians.html", status_code=status_code, headers=headers,
                capsule=capsule, lock=lock, entered=entered, notice=notice, error=error)
