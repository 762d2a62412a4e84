"""The sealing ceremony, on a projector: the live count, the seal behind a confirmation, then
the fingerprint in huge type with its QR code and, for a custodians lock, the cards to print.

The custodians' shares exist only in the seal's answer (`SealOutcome`): they are rendered
into that one response (no-store) and kept nowhere — not in the session, a file or a log.
A reload or a second seal gets the fingerprint again, never the shares.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Final

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from capsule.core.errors import CapsuleError, SealPendingError, TransitionError
from capsule.core.lifecycle import State, Status
from capsule.web.api.progress import ProgressFeed, read_progress
from capsule.web.auth import requires_organizer
from capsule.web.deps import ClockDep, DbDep, SettingsDep
from capsule.web.pages.cards import custodian_cards
from capsule.web.pages.common import NO_STORE, ORGANIZER_ERRORS, form_data, page
from capsule.web.pages.seal_facts import seal_facts
from capsule.web.pages.services import CapsulesDep, ModerationDep, SealingDep

# The app store a seal's progress goes through, the same the API's
# `GET /api/v1/capsules/{slug}/seal/progress` reads (whichever worker seals).
PROGRESS_STORE: Final = "progress"
PENDING_SHOWN: Final = 6


@dataclass(frozen=True)
class Tally:
    """What the hall sees before sealing: accepted contributions by kind and organization,
    and what still waits for review (metadata only: nothing is decrypted)."""

    by_kind: dict[str, int]
    by_organization: list[tuple[str, int]]
    pending: list[Any]

    @property
    def accepted(self) -> int:
        return sum(self.by_kind.values())


async def tally(moderation: Any, slug: str) -> Tally:
    items = await moderation.queue(slug)
    accepted = [item for item in items if item.status == Status.ACCEPTED]
    return Tally(by_kind=dict(Counter(item.kind for item in accepted)),
                 by_organization=Counter(item.organization for item in accepted).most_common(),
                 pending=[item for item in items if item.status == Status.PENDING])


class CeremonyPages(Controller):
    path = "/organize/c/{slug:str}/ceremony"
    guards = [requires_organizer]
    cache_control = NO_STORE
    exception_handlers = ORGANIZER_ERRORS
    include_in_schema = False

    @get("/")
    async def ceremony(self, slug: FromPath[str], capsules: CapsulesDep, moderation: ModerationDep,
                       db: DbDep) -> Template:
        return await _ceremony_page(await capsules.get(slug), moderation, db)

    @get("/live")
    async def live(self, slug: FromPath[str], capsules: CapsulesDep,
                   moderation: ModerationDep) -> Template:
        """The live part of the projector page, for the script that refreshes it."""
        capsule = await capsules.get(slug)
        return page("ceremony/_live.html", capsule=capsule, tally=await tally(moderation, slug))

    @get("/confirm")
    async def confirm(self, slug: FromPath[str], capsules: CapsulesDep, moderation: ModerationDep,
                      db: DbDep) -> Template:
        capsule = await capsules.get(slug)
        if capsule.state != State.COLLECTING:
            return await _ceremony_page(capsule, moderation, db)  # nothing left to confirm
        return _confirm_page(capsule, await tally(moderation, slug))

    @post("/seal", status_code=200)
    async def seal(self, slug: FromPath[str], request: Request[Any, Any, Any],
                   capsules: CapsulesDep, moderation: ModerationDep, sealing: SealingDep, db: DbDep,
                   clock: ClockDep, settings: SettingsDep) -> Template:
        values = await form_data(request)
        feed = ProgressFeed(request.app.stores.get(PROGRESS_STORE), slug, clock)
        try:
            outcome = await sealing.seal(
                slug, exclude_pending=values.get("exclude_pending") == "on", progress=feed)
        except CapsuleError as exc:
            await feed.close("failed", error=exc.code)
            capsule = await capsules.get(slug)
            if isinstance(exc, SealPendingError):  # and not told to seal without them
                return _confirm_page(capsule, await tally(moderation, slug), status_code=409,
                                     pending_count=int(exc.params.get("count", 0)))
            if isinstance(exc, TransitionError) and capsule.state in (State.SEALED, State.OPENED):
                return page("ceremony/sealed.html", status_code=409, capsule=capsule, cards=[],
                            seal=await seal_facts(db, capsule), excluded=None, refused=True)
            raise
        await feed.close("done")
        capsule = await capsules.get(slug)
        seal = await seal_facts(db, capsule)
        assert seal is not None
        cards, instructions = custodian_cards(capsule, seal, outcome.custodian_shares,
                                              settings.base_url)
        return page("ceremony/sealed.html", capsule=capsule, seal=seal, cards=cards,
                    instructions=instructions, excluded=outcome.excluded, refused=False)

    @get("/progress")
    async def progress(self, slug: FromPath[str],
                       request: Request[Any, Any, Any]) -> dict[str, Any]:
        """How far the seal of `slug` has come, as the API says it (`state`, `phase`, `done`,
        `total`), for the confirmation page's script: the API takes bearer tokens only, this
        page a session."""
        progress = await read_progress(request.app.stores.get(PROGRESS_STORE), slug)
        return msgspec.to_builtins(progress) if progress else {"state": "idle", "phase": None}


async def _ceremony_page(capsule: Any, moderation: Any, db: Any) -> Template:
    """The projector page: the live count before sealing, the fingerprint after it."""
    if capsule.state in (State.SEALED, State.OPENED):
        return page("ceremony/sealed.html", capsule=capsule, seal=await seal_facts(db, capsule),
                    cards=[], excluded=None, refused=False)
    return page("ceremony/index.html", capsule=capsule, tally=await tally(moderation, capsule.slug))


def _confirm_page(capsule: Any, counted: Tally, *, status_code: int = 200,
                  pending_count: int = 0) -> Template:
    custodians = next((lock for lock in capsule.locks if lock["type"] == "custodians"), None)
    return page("ceremony/confirm.html", status_code=status_code, capsule=capsule, tally=counted,
                refused_pending=pending_count, pending_shown=PENDING_SHOWN, custodians=custodians)
