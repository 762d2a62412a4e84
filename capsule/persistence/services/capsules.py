"""Capsules before sealing: create, edit while a draft, publish to collecting.

Every active organizer may manage every capsule of this service (one organizing team);
every change is an audit-log event.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Final
from uuid import UUID, uuid4

import msgspec
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from capsule.core import keys as capsule_keys
from capsule.core import locks
from capsule.core.audit import Actor, EventType
from capsule.core.clock import Clock, check_aware, truncate, utc_text
from capsule.core.errors import ConflictError, NotFoundError, TransitionError, ValidationError
from capsule.core.lifecycle import Action, State, advance
from capsule.core.service_keys import ServiceKeys
from capsule.persistence import audit_log
from capsule.persistence import models as m
from capsule.persistence.database import Database

TITLE_MAX: Final = 200
DESCRIPTION_MAX: Final = 5000
SLUG: Final = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
LANGUAGES: Final = ("kk", "ru", "en")

# ASCII slugs from Kazakh and Russian titles ("Уақыт капсуласы – 2026" → "uaqyt-kapsulasy-2026").
_TRANSLIT: Final = str.maketrans({
    "а": "a", "ә": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "e",
    "ж": "zh", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n",
    "ң": "n", "о": "o", "ө": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "u",
    "ү": "u", "ф": "f", "х": "kh", "һ": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ъ": "", "ы": "y", "і": "i", "ь": "", "э": "e", "ю": "iu", "я": "ia",
})


@dataclass(frozen=True)
class CapsuleSpec:
    """What an organizer chooses for a capsule (create, or edit while a draft)."""

    title: str
    opening_at: datetime
    description: str = ""
    slug: str | None = None
    timezone: str = "Asia/Almaty"
    submissions_close_at: datetime | None = None
    moderation: bool = True
    auto_open: bool = False
    lock_policy: str = "any"
    locks: tuple[dict[str, Any], ...] = ({"type": "server"},)
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


def slugify(title: str) -> str:
    text = unicodedata.normalize("NFKD", title.lower().translate(_TRANSLIT))
    text = "".join(c for c in text if c.isascii())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:64].strip("-")


def check_locks(config: tuple[dict[str, Any], ...] | list[dict[str, Any]], policy: str) -> tuple[dict[str, Any], ...]:
    """The lock configuration in its stored form, checked by the core's rules (DESIGN §4.5).

    Raises:
        ValidationError: unknown type or parameters, bad threshold or share count, bad policy.
    """
    try:
        specs = [msgspec.convert(lock, locks.LockSpec) for lock in config]
    except msgspec.ValidationError as exc:
        raise ValidationError(f"bad lock: {exc}", field="locks") from None
    locks.check_locks(specs, policy)
    return tuple(msgspec.to_builtins(spec) for spec in specs)


def check_spec(spec: CapsuleSpec, now: datetime) -> CapsuleSpec:
    """The spec, normalized; every rule an organizer can break is checked here.

    Raises:
        ValidationError: naming the field.
    """
    title = unicodedata.normalize("NFC", spec.title.strip())
    description = unicodedata.normalize("NFC", spec.description.strip())
    if not title:
        raise ValidationError("title is required", field="title")
    if len(title) > TITLE_MAX:
        raise ValidationError(f"title is longer than {TITLE_MAX} characters", field="title", max=TITLE_MAX)
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError(f"description is longer than {DESCRIPTION_MAX} characters", field="description", max=DESCRIPTION_MAX)
    try:
        zoneinfo.ZoneInfo(spec.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"unknown time zone {spec.timezone!r}", field="timezone") from None
    opening_at = truncate(check_aware(spec.opening_at))
    if opening_at <= now:
        raise ValidationError(f"opening date {utc_text(opening_at)} is not in the future", field="opening_at")
    closes_at = truncate(check_aware(spec.submissions_close_at)) if spec.submissions_close_at else None
    if closes_at is not None and not now < closes_at <= opening_at:
        raise ValidationError("the submission deadline must be in the future and not after the opening date",
                              field="submissions_close_at")
    slug = spec.slug.strip().lower() if spec.slug else slugify(title)
    if not SLUG.match(slug):
        raise ValidationError(
            f"slug {slug!r} must be 3-64 characters of a-z, 0-9 and '-', starting and ending with a letter or digit",
            field="slug",
        )
    translations = {}
    for lang, texts in (spec.translations or {}).items():
        if lang not in LANGUAGES or not isinstance(texts, dict) or set(texts) - {"title", "description"}:
            raise ValidationError(f"translations take kk, ru or en with a title and description, got {lang!r}",
                                  field="translations")
        entry = {k: unicodedata.normalize("NFC", str(v).strip()) for k, v in texts.items() if str(v).strip()}
        if len(entry.get("title", "")) > TITLE_MAX or len(entry.get("description", "")) > DESCRIPTION_MAX:
            raise ValidationError(f"the {lang} translation is too long", field="translations")
        if entry:
            translations[lang] = entry
    return replace(spec, title=title, description=description, slug=slug, opening_at=opening_at,
                   submissions_close_at=closes_at, locks=check_locks(spec.locks, spec.lock_policy),
                   translations=translations)


async def lock_capsule(session: AsyncSession, capsule_id: UUID) -> m.Capsule:
    """The capsule row, locked until the transaction ends (PostgreSQL: SELECT … FOR UPDATE;
    SQLite: the write transaction already holds the database's one write lock), freshly read.
    Read everything that depends on the capsule's state after this call, not before.

    Raises:
        NotFoundError: no such capsule.
    """
    return await _locked(session, m.Capsule.id == capsule_id, f"no capsule {capsule_id}")


async def lock_by_slug(session: AsyncSession, slug: str) -> m.Capsule:
    """`lock_capsule`, found by its slug (one query).

    Raises:
        NotFoundError: no such capsule.
    """
    return await _locked(session, m.Capsule.slug == slug, f"no capsule {slug!r}", slug=slug)


async def _locked(session: AsyncSession, where: Any, missing: str, **params: Any) -> m.Capsule:
    capsule = (await session.execute(
        select(m.Capsule).where(where).with_for_update()
        # The session may already hold this capsule, read before we waited for the lock; the
        # identity map would keep those stale values (e.g. "collecting" after a seal committed).
        .execution_options(populate_existing=True)
    )).scalar_one_or_none()
    if capsule is None:
        raise NotFoundError(missing, **params)
    return capsule


async def by_slug(session: AsyncSession, slug: str) -> m.Capsule:
    capsule = (await session.execute(select(m.Capsule).where(m.Capsule.slug == slug))).scalar_one_or_none()
    if capsule is None:
        raise NotFoundError(f"no capsule {slug!r}", slug=slug)
    return capsule


class CapsuleService:
    def __init__(self, db: Database, clock: Clock, keys: ServiceKeys) -> None:
        self.db = db
        self.clock = clock
        self.keys = keys

    async def create(self, spec: CapsuleSpec, created_by: UUID | None) -> m.Capsule:
        """A new capsule in `draft`, with its HPKE key pair (DESIGN §4.2).

        Raises:
            ValidationError: a field is not acceptable.
            ConflictError: the slug is taken.
        """
        now = self.clock.now()
        spec = check_spec(spec, now)
        pair = capsule_keys.generate_capsule_key()
        capsule_id = uuid4()  # known before the insert: the prekey's AAD binds it (FORMAT §2.3)
        capsule = m.Capsule(
            id=capsule_id, slug=spec.slug, title=spec.title, description=spec.description, translations=spec.translations,
            timezone=spec.timezone, state=State.DRAFT, opening_at=spec.opening_at,
            submissions_close_at=spec.submissions_close_at, moderation=spec.moderation, auto_open=spec.auto_open,
            lock_policy=spec.lock_policy, locks=list(spec.locks), public_key=pair.public,
            created_by=created_by, created_at=now, updated_at=now,
            # The private key exists in memory only here, and is stored only wrapped.
            prekey=capsule_keys.wrap_prekey(self.keys.master, capsule_id, pair.private),
        )
        try:
            async with self.db.write() as session:
                session.add(capsule)
                await session.flush()
                await audit_log.append(session, capsule.id, now, EventType.CAPSULE_CREATED, Actor.ORGANIZER, {
                    "opening_at": utc_text(spec.opening_at),
                    **({"submissions_close_at": utc_text(spec.submissions_close_at)} if spec.submissions_close_at else {}),
                    "lock_policy": spec.lock_policy,
                    "locks": [lock["type"] for lock in spec.locks],
                })
        except IntegrityError:
            raise ConflictError(f"the slug {spec.slug!r} is already taken", field="slug", slug=spec.slug) from None
        return capsule

    async def update(self, slug: str, spec: CapsuleSpec) -> m.Capsule:
        """Change a draft's settings (the key pair stays).

        Raises:
            TransitionError: the capsule is no longer a draft.
            ValidationError, ConflictError: as for `create`.
        """
        now = self.clock.now()
        spec = check_spec(spec, now)
        try:
            async with self.db.write() as session:
                capsule = await lock_by_slug(session, slug)
                advance(State(capsule.state), Action.EDIT)
                values = dict(
                    slug=spec.slug, title=spec.title, description=spec.description, translations=spec.translations,
                    timezone=spec.timezone, opening_at=spec.opening_at, submissions_close_at=spec.submissions_close_at,
                    moderation=spec.moderation, auto_open=spec.auto_open, lock_policy=spec.lock_policy,
                    locks=list(spec.locks),
                )
                changed = sorted(k for k, v in values.items() if getattr(capsule, k) != v)
                for key, value in values.items():
                    setattr(capsule, key, value)
                capsule.updated_at = now
                await session.flush()
                if changed:
                    await audit_log.append(session, capsule.id, now, EventType.CAPSULE_UPDATED, Actor.ORGANIZER, {
                        "fields": changed, "opening_at": utc_text(spec.opening_at),
                        "lock_policy": spec.lock_policy, "locks": [lock["type"] for lock in spec.locks],
                    })
        except IntegrityError:
            raise ConflictError(f"the slug {spec.slug!r} is already taken", field="slug", slug=spec.slug) from None
        return capsule

    async def publish(self, slug: str) -> m.Capsule:
        """draft → collecting: invitations start to work.

        Raises:
            TransitionError: not a draft; ValidationError: the opening date has passed meanwhile.
        """
        now = self.clock.now()
        async with self.db.write() as session:
            capsule = await lock_by_slug(session, slug)
            advance(State(capsule.state), Action.PUBLISH)
            if capsule.opening_at <= now:
                raise ValidationError("the opening date has passed; change it before publishing", field="opening_at")
            won = await session.execute(
                update(m.Capsule).where(m.Capsule.id == capsule.id, m.Capsule.state == State.DRAFT)
                .values(state=State.COLLECTING, published_at=now, updated_at=now)
            )
            if won.rowcount != 1:
                raise TransitionError("capsule is no longer a draft")
            await audit_log.append(session, capsule.id, now, EventType.CAPSULE_PUBLISHED, Actor.ORGANIZER, {
                "opening_at": utc_text(capsule.opening_at),
                **({"submissions_close_at": utc_text(capsule.submissions_close_at)} if capsule.submissions_close_at else {}),
            })
        async with self.db.read() as session:
            return await by_slug(session, slug)

    async def get(self, slug: str) -> m.Capsule:
        async with self.db.read() as session:
            return await by_slug(session, slug)

    async def list_all(self) -> list[m.Capsule]:
        async with self.db.read() as session:
            return list((await session.execute(select(m.Capsule).order_by(m.Capsule.opening_at))).scalars())

    async def list_public(self) -> list[m.Capsule]:
        """Every capsule past its draft, soonest opening first."""
        async with self.db.read() as session:
            return list((await session.execute(
                select(m.Capsule).where(m.Capsule.state != State.DRAFT).order_by(m.Capsule.opening_at)
            )).scalars())

    async def count(self) -> int:
        async with self.db.read() as session:
            return (await session.execute(select(func.count()).select_from(m.Capsule))).scalar_one()

