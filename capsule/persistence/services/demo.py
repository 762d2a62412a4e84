"""`capsule demo`: the Almaty "Time Capsule – 2026" of the Year of Volunteers, through the real
services (so everything is encrypted on arrival and audit-logged, as for real data).

On 5 March 2026 Almaty opened its Year of Volunteers; at the ceremony the organizers laid a time
capsule with the volunteer movement's strategic goals and priorities and an appeal from the
leaders of volunteer organizations (see ../shared/seed/). The demo rebuilds it: an organizer
login and API token, six organizations invited, eight contributions (Kazakh, some Russian, one
English), some accepted and some waiting for moderation.

Each demo capsule is one seeder in SEEDERS; a sealed and an opened capsule are added there.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from capsule.config import Settings
from capsule.core.clock import Clock
from capsule.core.errors import ConflictError, NotFoundError
from capsule.core.service_keys import ServiceKeys, load_service_keys
from capsule.persistence.database import Database
from capsule.persistence.services.capsules import CapsuleService, CapsuleSpec
from capsule.persistence.services.contributions import ContributionService
from capsule.persistence.services.invitations import InvitationService
from capsule.persistence.services.moderation import ModerationService
from capsule.persistence.services.uploads import ContributionFields
from capsule.persistence.services.users import Organizer, UserService

ORGANIZER_EMAIL: Final = "organizer@demo.capsule.kz"
ALMATY: Final = ZoneInfo("Asia/Almaty")
SLUG: Final = "uaqyt-kapsulasy-2026"

# The organizations at the forum and fair of 5 March 2026 (DESIGN §1; the article in seed/).
FRONT_OFFICE: Final = "Алматы қаласы Еріктілер фронт-кеңсесі"
YOUTH: Final = "«Жас Алматы» жастар еріктілер тобы"
SILVER: Final = "«Күміс еріктілер» қауымдастығы"
RESCUE: Final = "Төтенше жағдайлардағы еріктілер жасағы"
SPORT: Final = "«Спорт еріктілері» клубы"
DIGITAL: Final = "«Цифрлық бастамалар» еріктілер тобы"


@dataclass(frozen=True)
class DemoItem:
    organization: str  # whose invitation
    fields: ContributionFields
    accept: bool
    attachment: tuple[str, bytes] | None = None


def _item(org: str, kind: str, lang: str, author: str, role: str, title: str, body: str, *, accept: bool,
          attachment: tuple[str, bytes] | None = None) -> DemoItem:
    return DemoItem(org, ContributionFields(kind=kind, title=title, body=body, author_name=author, author_role=role,
                                            organization=org, language=lang), accept, attachment)


ITEMS: Final = (
    _item(FRONT_OFFICE, "goal", "kk", "Дәурен Омаров", "Фронт-кеңсе үйлестірушісі",
          "2036 жылға қарай — әр ауданда еріктілер орталығы",
          "Алматының барлық сегіз ауданында еріктілер орталығы жұмыс істесін: оқыту, кеңес беру, "
          "құрал-жабдық және ұйымдар арасындағы байланыс бір жерде.\n"
          "Еріктілік қызмет қаланың әлеуметтік, экологиялық және қалалық бастамаларының тұрақты "
          "серіктесіне айналсын.", accept=True),
    _item(YOUTH, "priority", "kk", "Аружан Сәрсенова", "Топ жетекшісі",
          "Мектеп оқушылары мен студенттерді еріктілікке тарту",
          "Әр мектеп пен колледжде еріктілер клубы ашылсын. Жастардың қоғамға қызметі — "
          "азаматтық белсенділіктің ең жақсы мектебі.\n"
          "Басымдық: жылына кемінде 20 000 жас ерікті, олардың әрқайсысына тәлімгер.", accept=True),
    _item(SILVER, "goal", "ru", "Галина Ким", "Председатель совета",
          "Серебряные волонтёры — наставники молодёжи",
          "Люди старшего возраста — не только те, кому помогают, но и те, кто помогает сам. "
          "Мы хотим, чтобы к 2036 году в каждом волонтёрском центре работали «серебряные» "
          "наставники, передающие опыт молодым.", accept=False),
    _item(RESCUE, "priority", "kk", "Ерлан Жұмабаев", "Жасақ командирі",
          "Төтенше жағдайларға дайын 10 000 ерікті",
          "Жер сілкінісі, су тасқыны, өрт — Алматы үшін бұл нақты қауіптер. Әр ауданда алғашқы "
          "көмекке және эвакуацияға үйретілген еріктілер жасағы болсын, жаттығулар жыл сайын "
          "өткізілсін.", accept=True),
    _item(SPORT, "priority", "ru", "Мадина Ахметова", "Руководитель клуба",
          "Волонтёры больших спортивных событий",
          "Каждое крупное соревнование в Алматы — от марафона до зимних игр — должно опираться на "
          "подготовленных волонтёров: единые стандарты обучения, страхование и признание их труда.",
          accept=False),
    _item(DIGITAL, "goal", "en", "Timur Bekmukhanov", "Product lead",
          "One open platform for every volunteer in Almaty",
          "By 2036 every volunteer opportunity in the city should be one click away: an open, "
          "accessible platform in Kazakh, Russian and English that respects privacy and lets "
          "organizations share their needs and volunteers their time.", accept=True),
    _item(FRONT_OFFICE, "appeal", "kk", "Еріктілер ұйымдарының жетекшілері", "Алматы, 2026 жылғы 5 наурыз",
          "2036 жылдың еріктілеріне үндеу",
          "Құрметті болашақ еріктілер!\n"
          "Біз бұл хатты Еріктілер жылы – 2026 ашылған күні жаздық. Бүгін бізді мыңдаған жанашыр "
          "тұрғын біріктіріп отыр. Сіздер бұл капсуланы ашқанда, біз армандаған қала — бір-біріне "
          "қол ұшын беретін, қамқор әрі белсенді қала — шындыққа айналған болсын.\n"
          "Игі істі жалғастырыңыздар. Қоғамға қызмет ету — біздің ортақ борышымыз.", accept=True,
          attachment=("үндеуге қол қойғандар.txt",
                      "Үндеуге қол қойған ұйымдар:\n".encode() + "\n".join(
                          (FRONT_OFFICE, YOUTH, SILVER, RESCUE, SPORT, DIGITAL)).encode() + b"\n")),
    _item(YOUTH, "goal", "kk", "Нұрсұлтан Әлиев", "Ерікті",
          "Экологиялық еріктілік: Іле Алатауын таза сақтайық",
          "Тау соқпақтарын тазалау, ағаш отырғызу және өзендерді күтіп ұстау жыл сайынғы қалалық "
          "дәстүрге айналсын. Мақсат — 2036 жылға қарай миллион ағаш.", accept=False),
)


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


Seeder = Callable[[Demo], Awaitable[list[str]]]
# One per demo capsule, in the order they are seeded and printed.
SEEDERS: Final[tuple[Seeder, ...]] = (seed_almaty_collecting,)


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
