"""API v1 schemas of capsules, invitations and the audit log (DESIGN §5).

Inputs are named for their action and carry the services' limits, so a too-long field is a
422 naming it before any service runs; outputs end in `Out` and are built from service views,
never ORM objects, and never carry a private key, a prekey or a token hash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from capsule.core.canonical import b64
from capsule.core.clock import utc_text
from capsule.persistence import models as m
from capsule.persistence.services.capsules import DESCRIPTION_MAX, TITLE_MAX
from capsule.persistence.services.invitations import MAX_LIMIT, NAME_MAX, ORGANIZATION_MAX, InvitationView
from capsule.web.api.seal_info import SealInfo
from capsule.web.api.seal_schemas import LockOut, capsule_trust

Title = Annotated[str, Meta(max_length=TITLE_MAX, description="Shown on every page; 1-200 characters.")]
Description = Annotated[str, Meta(max_length=DESCRIPTION_MAX)]
# ISO 8601 *with* an offset ("2036-03-05T12:00:00+05:00"): a naive time is ambiguous (422).
AwareTime = Annotated[datetime, Meta(tz=True, description="ISO 8601 with an offset, e.g. 2036-03-05T12:00:00+05:00")]
Slug = Annotated[str, Meta(max_length=64, pattern=r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")]
Zone = Annotated[str, Meta(max_length=64, description="IANA time zone, e.g. Asia/Almaty")]
Language = Literal["kk", "ru", "en"]


# -- locks -------------------------------------------------------------------------------------


class ServerLockConfig(msgspec.Struct, tag="server", tag_field="type", forbid_unknown_fields=True):
    """The service keeps the opening secret and releases it at the date (trust: the operator)."""


class CustodiansLockConfig(msgspec.Struct, tag="custodians", tag_field="type", forbid_unknown_fields=True):
    """Any `threshold` of `shares` custodians together open it (shares are shown once, at sealing)."""

    threshold: Annotated[int, Meta(ge=2, le=16)]
    shares: Annotated[int, Meta(ge=2, le=16)]


class DrandLockConfig(msgspec.Struct, tag="drand", tag_field="type", forbid_unknown_fields=True):
    """Time-locked to the drand round of the opening date: nobody can open it earlier."""


LockConfig = ServerLockConfig | CustodiansLockConfig | DrandLockConfig
Locks = Annotated[list[LockConfig], Meta(min_length=1, max_length=3)]


class TranslationIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Title = ""
    description: Description = ""


# -- capsules ----------------------------------------------------------------------------------


class CapsuleCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    title: Title
    opening_at: AwareTime
    description: Description = ""
    submissions_close_at: AwareTime | None = None
    slug: Slug | None = None
    locks: Locks = msgspec.field(default_factory=lambda: [ServerLockConfig()])
    lock_policy: Literal["any", "all"] = "any"
    moderation: bool = True
    # Open by itself on the first visit after the date (only with the server lock, policy any).
    auto_open: bool = False
    # The zone dates are shown in; None: the service's CAPSULE_DEFAULT_TIMEZONE.
    timezone: Zone | None = None
    translations: dict[Language, TranslationIn] = {}


class CapsuleEdit(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The fields of `CapsuleCreate`, each optional: what is left out stays as it is."""

    title: Title | UnsetType = UNSET
    opening_at: AwareTime | UnsetType = UNSET
    description: Description | UnsetType = UNSET
    submissions_close_at: AwareTime | None | UnsetType = UNSET
    slug: Slug | UnsetType = UNSET
    locks: Locks | UnsetType = UNSET
    lock_policy: Literal["any", "all"] | UnsetType = UNSET
    moderation: bool | UnsetType = UNSET
    auto_open: bool | UnsetType = UNSET
    timezone: Zone | UnsetType = UNSET
    translations: dict[Language, TranslationIn] | UnsetType = UNSET


class CountsOut(msgspec.Struct):
    """Submitted contributions (drafts are nobody's business yet), by status and by kind."""

    total: int
    by_status: dict[str, int]
    by_kind: dict[str, int]


class CapsuleOut(msgspec.Struct, kw_only=True):
    slug: str
    url: str
    title: str
    description: str
    translations: dict[str, dict[str, str]]
    state: str
    timezone: str
    opening_at: str
    submissions_close_at: str | None
    moderation: bool
    auto_open: bool
    lock_policy: str
    # Each lock with its public parameters and who could open it early (`trust`); once sealed,
    # as the certificate says (the drand round included).
    locks: list[LockOut]
    # Who could open the whole capsule before its date (see `capsule_trust`).
    trust: str
    public_key: str  # base64 of the HPKE public key (ML-KEM-768 + X25519)
    created_at: str
    published_at: str | None
    sealed_at: str | None
    opened_at: str | None
    counts: CountsOut | None = None
    # Once sealed, from the signed certificate.
    fingerprint: str | None = None
    content_root: str | None = None
    items: int | None = None
    kinds: dict[str, int] | None = None
    certificate_url: str | None = None
    archive_url: str | None = None
    # Create and edit only: things the organizer should know, e.g. "drand_only".
    warnings: list[str] = []

    @classmethod
    def of(cls, capsule: m.Capsule, base_url: str, counts: CountsOut | None = None,
           seal: SealInfo | None = None) -> CapsuleOut:
        api = f"{base_url}/api/v1/capsules/{capsule.slug}"
        locks = ([LockOut.of_info(info) for info in seal.locks] if seal is not None
                 else [LockOut.of_config(lock, capsule.opening_at) for lock in capsule.locks])
        return cls(
            slug=capsule.slug, url=f"{base_url}/c/{capsule.slug}", title=capsule.title,
            description=capsule.description, translations=dict(capsule.translations or {}), state=capsule.state,
            timezone=capsule.timezone, opening_at=utc_text(capsule.opening_at),
            submissions_close_at=_when(capsule.submissions_close_at), moderation=capsule.moderation,
            auto_open=capsule.auto_open, lock_policy=capsule.lock_policy, locks=locks,
            trust=capsule_trust(capsule.lock_policy, [lock.type for lock in locks]),
            public_key=b64(capsule.public_key), created_at=utc_text(capsule.created_at),
            published_at=_when(capsule.published_at), sealed_at=_when(capsule.sealed_at),
            opened_at=_when(capsule.opened_at), counts=counts,
            fingerprint=seal.fingerprint if seal else None, content_root=seal.content_root if seal else None,
            items=seal.items if seal else None, kinds=dict(seal.kinds) if seal else None,
            certificate_url=f"{api}/certificate" if seal else None, archive_url=f"{api}/archive" if seal else None,
        )


class CapsuleListOut(msgspec.Struct):
    capsules: list[CapsuleOut]


# -- invitations -------------------------------------------------------------------------------


class InvitationCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    organization: Annotated[str, Meta(max_length=ORGANIZATION_MAX)]
    name: Annotated[str, Meta(max_length=NAME_MAX)] = ""
    email: Annotated[str, Meta(max_length=254)] = ""
    # How many contributions the link may make; None: no limit.
    max_contributions: Annotated[int, Meta(ge=1, le=MAX_LIMIT)] | None = None


class InvitationOut(msgspec.Struct, kw_only=True):
    id: UUID
    token: str  # the secret of the link: send it to the invited person only
    url: str
    organization: str
    name: str
    email: str
    max_contributions: int | None
    used_count: int
    revoked: bool

    @classmethod
    def of(cls, view: InvitationView, base_url: str, slug: str) -> InvitationOut:
        return cls(id=view.id, token=view.token, url=f"{base_url}/c/{slug}/contribute?invite={view.token}",
                   organization=view.organization, name=view.name, email=view.email,
                   max_contributions=view.max_contributions, used_count=view.used_count, revoked=view.revoked)


class InvitationListOut(msgspec.Struct):
    invitations: list[InvitationOut]


# -- the audit log -----------------------------------------------------------------------------


class AuditEventOut(msgspec.Struct, kw_only=True):
    seq: int
    at: str
    type: str
    actor: str
    data: dict[str, Any]
    # hex SHA-256(previous hash ‖ event), from 32 zero bytes; `event` is exactly what was hashed.
    hash: str
    event: str

    @classmethod
    def of(cls, row: m.AuditEvent) -> AuditEventOut:
        parsed = msgspec.json.decode(row.body)
        return cls(seq=row.seq, at=parsed["at"], type=row.type, actor=parsed["actor"], data=parsed.get("data", {}),
                   hash=row.hash.hex(), event=row.body.decode("utf-8"))


class AuditLogOut(msgspec.Struct, kw_only=True):
    capsule: str
    size: int  # events in the whole log
    head: str  # hex hash after the last event of the whole log
    events: list[AuditEventOut]
    # The `after` to ask for the next page, or None at the end.
    next_after: int | None = None


def _when(value: datetime | None) -> str | None:
    return utc_text(value) if value is not None else None
