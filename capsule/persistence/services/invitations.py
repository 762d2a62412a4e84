"""Invitations: one personal link per organization leader.

The link's token is derived from the master key and the invitation id (HMAC), so organizers
can copy a link again at any time, while the database holds only the token's SHA-256.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final
from uuid import UUID, uuid4

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from capsule.core import labels, tokens
from capsule.core.audit import Actor, EventType
from capsule.core.clock import Clock
from capsule.core.errors import FormatError, InvitationError, NotFoundError, TransitionError, ValidationError
from capsule.core.lifecycle import State
from capsule.core.service_keys import ServiceKeys
from capsule.persistence import audit_log
from capsule.persistence import models as m
from capsule.persistence.database import Database
from capsule.persistence.services.capsules import by_slug, lock_by_slug

ORGANIZATION_MAX: Final = 200
NAME_MAX: Final = 200
MAX_LIMIT: Final = 1000


@dataclass(frozen=True)
class InvitationView:
    id: UUID
    capsule_id: UUID
    organization: str
    name: str
    email: str
    token: str
    max_contributions: int | None
    used_count: int
    revoked: bool

    @property
    def exhausted(self) -> bool:
        return self.max_contributions is not None and self.used_count >= self.max_contributions


def invitation_token(keys: ServiceKeys, invitation_id: UUID) -> str:
    return tokens.derived_token("inv", keys.master, labels.INVITATION_TOKEN, invitation_id.bytes)


def _clean(value: str, limit: int, field: str, *, required: bool = False) -> str:
    text = unicodedata.normalize("NFC", (value or "").strip())
    if required and not text:
        raise ValidationError(f"{field} is required", field=field)
    if len(text) > limit:
        raise ValidationError(f"{field} is longer than {limit} characters", field=field, max=limit)
    return text


class InvitationService:
    def __init__(self, db: Database, clock: Clock, keys: ServiceKeys) -> None:
        self.db = db
        self.clock = clock
        self.keys = keys

    def view(self, row: m.Invitation) -> InvitationView:
        return InvitationView(
            id=row.id, capsule_id=row.capsule_id, organization=row.organization, name=row.name, email=row.email,
            token=invitation_token(self.keys, row.id), max_contributions=row.max_contributions,
            used_count=row.used_count, revoked=row.revoked_at is not None,
        )

    async def create(self, slug: str, organization: str, name: str = "", email: str = "",
                     max_contributions: int | None = None) -> InvitationView:
        """An invitation for one organization leader, while the capsule is a draft or collecting.

        Raises:
            ValidationError: missing organization, too long fields, a bad limit.
            TransitionError: the capsule is sealed or opened.
        """
        organization = _clean(organization, ORGANIZATION_MAX, "organization", required=True)
        if not organization.isprintable():
            # It is printed in the public log; no line breaks or invisible direction overrides.
            raise ValidationError("organization may not contain control or formatting characters",
                                  field="organization")
        name = _clean(name, NAME_MAX, "name")
        email = _clean(email, 254, "email")
        if max_contributions is not None and not 1 <= max_contributions <= MAX_LIMIT:
            raise ValidationError(f"the contribution limit must be between 1 and {MAX_LIMIT}", field="max_contributions")
        now = self.clock.now()
        invitation_id = uuid4()
        async with self.db.write() as session:
            capsule = await lock_by_slug(session, slug)
            if capsule.state not in (State.DRAFT, State.COLLECTING):
                raise TransitionError(f"capsule is {capsule.state}; invitations are closed", state=capsule.state)
            row = m.Invitation(
                id=invitation_id, capsule_id=capsule.id,
                token_hash=tokens.token_hash(invitation_token(self.keys, invitation_id)),
                organization=organization, name=name, email=email, max_contributions=max_contributions,
                used_count=0, created_at=now,
            )
            session.add(row)
            await session.flush()
            await audit_log.append(session, capsule.id, now, EventType.INVITATION_CREATED, Actor.ORGANIZER,
                                   {"invitation_id": str(invitation_id), "organization": organization})
        return self.view(row)

    async def revoke(self, slug: str, invitation_id: UUID) -> InvitationView:
        """Revoke a link; contributions already made with it stay.

        Raises:
            NotFoundError: no such invitation in this capsule.
        """
        now = self.clock.now()
        async with self.db.write() as session:
            capsule = await lock_by_slug(session, slug)
            row = await session.get(m.Invitation, invitation_id)
            if row is None or row.capsule_id != capsule.id:
                raise NotFoundError(f"no invitation {invitation_id} in capsule {slug!r}")
            if row.revoked_at is None:
                row.revoked_at = now
                await audit_log.append(session, capsule.id, now, EventType.INVITATION_REVOKED, Actor.ORGANIZER,
                                       {"invitation_id": str(invitation_id)})
        return self.view(row)

    async def list(self, slug: str) -> list[InvitationView]:
        async with self.db.read() as session:
            capsule = await by_slug(session, slug)
            rows = (await session.execute(
                select(m.Invitation).where(m.Invitation.capsule_id == capsule.id).order_by(m.Invitation.created_at, m.Invitation.organization)
            )).scalars()
            return [self.view(row) for row in rows]


async def resolve(session: AsyncSession, token: str, capsule_id: UUID | None = None, *, lock: bool = False) -> m.Invitation:
    """The invitation a token belongs to, if it can still be used.

    Raises:
        InvitationError: malformed, unknown (or of another capsule), revoked, or used up; each
            with its own `reason` param.
    """
    try:
        tokens.check_token(token, "inv")
    except FormatError:
        raise InvitationError("invitation link is not valid", reason="unknown") from None
    query = select(m.Invitation).where(m.Invitation.token_hash == tokens.token_hash(token))
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).scalar_one_or_none()
    if row is None or not tokens.matches(token, row.token_hash) or (capsule_id is not None and row.capsule_id != capsule_id):
        raise InvitationError("invitation link is not valid", reason="unknown")
    if row.revoked_at is not None:
        raise InvitationError("invitation link was revoked", reason="revoked")
    if row.max_contributions is not None and row.used_count >= row.max_contributions:
        raise InvitationError(
            f"invitation link was used for its {row.max_contributions} contribution(s)", reason="exhausted",
            limit=row.max_contributions,
        )
    return row


async def count_use(session: AsyncSession, invitation_id: UUID) -> None:
    await session.execute(update(m.Invitation).where(m.Invitation.id == invitation_id)
                          .values(used_count=m.Invitation.used_count + 1))
