"""`capsule demo`: the Almaty "Time Capsule – 2026" of the Year of Volunteers, through the real
services (so everything is encrypted on arrival and audit-logged, as for real data).

On 5 March 2026 Almaty opened its Year of Volunteers; at the ceremony the organizers laid a time
capsule with the volunteer movement's strategic goals and priorities and an appeal from the
leaders of volunteer organizations (see ../shared/seed/). The demo rebuilds it: an organizer
login and API token, six organizations invited, eight contributions (Kazakh, some Russian, one
English), some accepted and some waiting for moderation.

Two more capsules show the other states at once: one sealed at a small ceremony and counting
down (it opens three weeks after the demo was seeded), and one of 2025 that was sealed then and
opened on 5 March 2026, driven through the same services by a manual clock.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from capsule.config import Settings
from capsule.core.clock import Clock, ManualClock
from capsule.core.errors import ConflictError, NotFoundError
from capsule.core.service_keys import ServiceKeys, load_service_keys
from capsule.persistence.database import Database
from capsule.persistence.services.capsules import CapsuleService, CapsuleSpec
from capsule.persistence.services.contributions import ContributionService
from capsule.persistence.services.demo_items import (
    DIGITAL,
    FRONT_OFFICE,
    ITEMS,
    OPENED_ITEMS,
    RESCUE,
    SEALED_ITEMS,
    SILVER,
    SPORT,
    YOUTH,
    DemoItem,
)
from capsule.persistence.services.invitations import InvitationService
from capsule.persistence.services.moderation import ModerationService
from capsule.persistence.services.opening import OpeningService
from capsule.persistence.services.sealing import SealService
from capsule.persistence.services.users import Organizer, UserService

ORGANIZER_EMAIL: Final = "organizer@demo.capsule.kz"
ALMATY: Final = ZoneInfo("Asia/Almaty")
SLUG: Final = "uaqyt-kapsulasy-2026"
SEALED_SLUG: Final = "zhas-eriktiler-hat"
OPENED_SLUG: Final = "almaty-eriktileri-2025"

@dataclass
class _Upload:
    filename: str
    data: bytes
    declared_type: str = "text/plain"

    async def chunks(self) -> AsyncIterator[bytes]:
        yield self.data


@dataclass(frozen=True)
class Demo:
    """What every seeder works with."""

    db: Database
    clock: Clock
    keys: ServiceKeys
    settings: Settings
    organizer: Organizer

    def capsules(self) -> CapsuleService:
        return CapsuleService(self.db, self.clock, self.keys)

    def invitations(self) -> InvitationService:
        return InvitationService(self.db, self.clock, self.keys)

    def contributions(self) -> ContributionService:
        return ContributionService(self.db, self.clock, self.keys, max_upload_bytes=self.settings.max_upload_bytes)

    def moderation(self) -> ModerationService:
        return ModerationService(self.db, self.clock, self.keys, max_upload_bytes=self.settings.max_upload_bytes)


async def seed_almaty_collecting(demo: Demo) -> list[str]:
    """«Уақыт капсуласы – 2026», collecting, opening 5 March 2036 at noon in Almaty."""
    capsules = demo.capsules()
    try:
        await capsules.get(SLUG)
        return [f"capsule {SLUG} exists already; not seeded again"]
    except NotFoundError:
        pass
    now = demo.clock.now()
    # A deadline two months on, at the end of that day in Almaty (relative, so the demo works any year).
    closes = datetime.combine((now + timedelta(days=60)).astimezone(ALMATY).date(), time(23, 59), ALMATY)
    opening = datetime(2036, 3, 5, 12, 0, tzinfo=ALMATY)
    await capsules.create(CapsuleSpec(
        title="Уақыт капсуласы – 2026", slug=SLUG, opening_at=opening, timezone="Asia/Almaty",
        submissions_close_at=closes if closes < opening else None, moderation=True,
        description="Алматыдағы Еріктілер жылы – 2026 ашылған күні салынған капсула: еріктілер қозғалысын "
                    "дамытудың стратегиялық мақсаттары мен басымдықтары және еріктілер ұйымдары "
                    "жетекшілерінің үндеуі. 2036 жылы ашылады.",
        translations={
            "ru": {"title": "Капсула времени – 2026",
                   "description": "Капсула, заложенная в день открытия Года волонтёров – 2026 в Алматы: "
                                  "стратегические цели и приоритеты волонтёрского движения и обращение "
                                  "руководителей волонтёрских организаций. Откроется в 2036 году."},
            "en": {"title": "Time Capsule – 2026",
                   "description": "Laid in Almaty on the opening day of the Year of Volunteers – 2026: the "
                                  "volunteer movement's strategic goals and priorities and an appeal from the "
                                  "leaders of volunteer organizations. It opens in 2036."},
        },
    ), demo.organizer.id)
    await capsules.publish(SLUG)
    base = demo.settings.base_url
    links: dict[str, str] = {}
    for organization in (FRONT_OFFICE, YOUTH, SILVER, RESCUE, SPORT, DIGITAL):
        invitation = await demo.invitations().create(SLUG, organization)
        links[organization] = invitation.token
    accepted = 0
    for item in ITEMS:
        uploads = [_Upload(*item.attachment)] if item.attachment else []
        receipt = await demo.contributions().submit(SLUG, links[item.organization], item.fields, uploads)
        if item.accept:
            await demo.moderation().decide(SLUG, receipt.id, "accept")
            accepted += 1
    return [
        "«Уақыт капсуласы – 2026» — collecting, opens 2036-03-05 12:00 Asia/Almaty",
        f"  capsule page: {base}/c/{SLUG}",
        f"  contributions: {len(ITEMS)} ({accepted} accepted, {len(ITEMS) - accepted} waiting for moderation)",
        "  invitation links (one per organization):",
        *(f"    {organization}: {base}/c/{SLUG}/contribute?invite={token}" for organization, token in links.items()),
    ]


async def _exists(demo: Demo, slug: str) -> bool:
    try:
        await demo.capsules().get(slug)
    except NotFoundError:
        return False
    return True


async def _fill(demo: Demo, slug: str, items: tuple[DemoItem, ...], clock: ManualClock | None = None) -> int:
    """Invite each organization once, submit and accept every item (a minute apart on `clock`)."""
    tokens: dict[str, str] = {}
    for item in items:
        if item.organization not in tokens:
            tokens[item.organization] = (await demo.invitations().create(slug, item.organization)).token
        if clock is not None:
            clock.advance(minutes=1)
        uploads = [_Upload(*item.attachment)] if item.attachment else []
        receipt = await demo.contributions().submit(slug, tokens[item.organization], item.fields, uploads)
        await demo.moderation().decide(slug, receipt.id, "accept")
    return len(items)


async def seed_sealed_countdown(demo: Demo) -> list[str]:
    """A small capsule sealed today (server lock) that opens three weeks from now: the countdown."""
    if await _exists(demo, SEALED_SLUG):
        return [f"capsule {SEALED_SLUG} exists already; not seeded again"]
    opening = datetime.combine((demo.clock.now() + timedelta(days=21)).astimezone(ALMATY).date(), time(12, 0), ALMATY)
    await demo.capsules().create(CapsuleSpec(
        title="Жас еріктілердің хаты", slug=SEALED_SLUG, opening_at=opening, timezone="Asia/Almaty", moderation=True,
        description="Еріктілер мектебінің түлектері келесі түлектерге жазған хат: бүгін мөрленді, үш аптадан "
                    "кейін ашылады.",
        translations={
            "ru": {"title": "Письмо юных волонтёров",
                   "description": "Письмо выпускников школы волонтёров следующим выпускникам: запечатано сегодня, "
                                  "откроется через три недели."},
            "en": {"title": "A letter from young volunteers",
                   "description": "A letter from this year's graduates of the volunteer school to the next ones: "
                                  "sealed today, it opens in three weeks."},
        },
    ), demo.organizer.id)
    await demo.capsules().publish(SEALED_SLUG)
    count = await _fill(demo, SEALED_SLUG, SEALED_ITEMS)
    outcome = await SealService(demo.db, demo.clock, demo.keys).seal(SEALED_SLUG)
    base = demo.settings.base_url
    return [
        f"«Жас еріктілердің хаты» — sealed, {count} contributions, opens {opening:%Y-%m-%d %H:%M} Asia/Almaty",
        f"  capsule page: {base}/c/{SEALED_SLUG}",
        f"  fingerprint:  {outcome.fingerprint}",
        f"  certificate:  {base}/api/v1/capsules/{SEALED_SLUG}/certificate",
    ]


# Laid on 5 March 2025, opened a year later, at the opening of the Year of Volunteers.
OPENED_LAID: Final = datetime(2025, 3, 5, 11, 0, tzinfo=ALMATY)
OPENED_AT: Final = datetime(2026, 3, 5, 12, 0, tzinfo=ALMATY)


async def seed_opened(demo: Demo) -> list[str]:
    """A capsule of 2025, sealed then and opened on 5 March 2026 (on a manual clock, since the
    services refuse an opening date in the past at creation), n of n verified."""
    if await _exists(demo, OPENED_SLUG):
        return [f"capsule {OPENED_SLUG} exists already; not seeded again"]
    now = demo.clock.now()
    # Relative dates when the demo runs before those days (the demo works any year).
    laid, opens = (OPENED_LAID, OPENED_AT) if now > OPENED_AT else (now - timedelta(days=400), now - timedelta(days=35))
    clock = ManualClock(laid)
    past = replace(demo, clock=clock)
    await past.capsules().create(CapsuleSpec(
        title="Алматы еріктілері – 2025", slug=OPENED_SLUG, opening_at=opens, timezone="Asia/Almaty",
        moderation=True, description="2025 жылы салынған, Еріктілер жылы – 2026 ашылған күні ашылған капсула.",
        translations={
            "ru": {"title": "Волонтёры Алматы – 2025",
                   "description": "Капсула, заложенная в 2025 году и вскрытая в день открытия Года волонтёров – 2026."},
            "en": {"title": "Almaty volunteers – 2025",
                   "description": "A capsule laid in 2025 and opened on the opening day of the Year of Volunteers – 2026."},
        },
    ), demo.organizer.id)
    await past.capsules().publish(OPENED_SLUG)
    count = await _fill(past, OPENED_SLUG, OPENED_ITEMS, clock)
    clock.advance(hours=2)
    outcome = await SealService(demo.db, clock, demo.keys).seal(OPENED_SLUG)
    clock.set(opens)
    report = await OpeningService(demo.db, clock, demo.keys).open(OPENED_SLUG)
    base = demo.settings.base_url
    return [
        f"«Алматы еріктілері – 2025» — opened {opens:%Y-%m-%d}, {report.verified} of {count} verified",
        f"  capsule page: {base}/c/{OPENED_SLUG}",
        f"  fingerprint:  {outcome.fingerprint}",
        f"  contents:     {base}/api/v1/capsules/{OPENED_SLUG}/items",
    ]


Seeder = Callable[[Demo], Awaitable[list[str]]]
# One per demo capsule, in the order they are seeded and printed.
SEEDERS: Final[tuple[Seeder, ...]] = (seed_almaty_collecting, seed_sealed_countdown, seed_opened)


async def _organizer(db: Database, clock: Clock) -> tuple[Organizer, list[str]]:
    users = UserService(db, clock)
    password = secrets.token_urlsafe(12)
    try:
        await users.add(ORGANIZER_EMAIL, password, "Demo organizer")
        shown = f"  password:  {password}   (shown only now; a demo account: change or remove it)"
    except ConflictError:
        shown = "  password:  unchanged (the account existed already)"
    token = await users.create_token(ORGANIZER_EMAIL, "demo")
    return await users.by_token(token), [f"  organizer: {ORGANIZER_EMAIL}", shown, f"  API token: {token}"]


async def seed_demo(db: Database, clock: Clock, settings: Settings, *, only_if_empty: bool = False) -> list[str]:
    """Seed the demo capsules and an organizer; the lines to print (login, token, links).

    With `only_if_empty`, nothing happens when any capsule exists (the first run of `make run`).

    Raises:
        ConfigError: the service keys are missing or unreadable (run `capsule keys init`).
    """
    keys = load_service_keys(settings.keys_path, settings.master_key_bytes())
    if only_if_empty and await CapsuleService(db, clock, keys).count() > 0:
        return ["demo: the database already holds capsules; nothing seeded"]
    organizer, login = await _organizer(db, clock)
    demo = Demo(db=db, clock=clock, keys=keys, settings=settings, organizer=organizer)
    lines = ["Demo data (the Year of Volunteers – 2026, Almaty):", f"  sign in:   {settings.base_url}/login", *login]
    for seeder in SEEDERS:
        lines += await seeder(demo)
    return lines
