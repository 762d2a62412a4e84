"""Read-only views the HTML pages need: counts, the public log, an invitation's form, a preview.

Nothing here writes. Reading a draft for its preview goes through the pre-seal key like the
contributor's own receipt does; it is the contributor's own text, so no audit event.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, select

from capsule.core import audit, tokens
from capsule.core.clock import Clock, truncate
from capsule.core.envelope import AttachmentMeta, parse_document
from capsule.core.errors import NotFoundError
from capsule.core.lifecycle import State, Status, check_collecting
from capsule.core.service_keys import ServiceKeys
from capsule.persistence import audit_log
from capsule.persistence import models as m
from capsule.persistence.database import Database
from capsule.persistence.services import invitations
from capsule.persistence.services.capsules import by_slug
from capsule.persistence.services.contributions import ContributionService
from capsule.persistence.services.invitations import InvitationService, InvitationView

# What a capsule holds or may still hold: not drafts, not refused or withdrawn ones.
COUNTED = (Status.PENDING, Status.ACCEPTED, Status.SEALED)


@dataclass(frozen=True)
class Counts:
    by_status: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)  # of COUNTED contributions
    invitations: int = 0

    @property
    def received(self) -> int:
        return sum(self.by_kind.values())


@dataclass(frozen=True)
class LogLine:
    """One public audit event as the capsule page lists it."""

    seq: int
    at: datetime
    type: str
    actor: str
    organization: str | None
    hash: str


@dataclass(frozen=True)
class CapsulePage:
    capsule: m.Capsule
    counts: Counts
    log: list[LogLine]


@dataclass(frozen=True)
class FormOpening:
    """A capsule and the invitation that may contribute to it now."""

    capsule: m.Capsule
    invitation: InvitationView


@dataclass(frozen=True)
class DraftPreview:
    id: UUID
    commitment: bytes
    attachments: tuple[AttachmentMeta, ...]


class ViewService:
    def __init__(self, db: Database, clock: Clock, keys: ServiceKeys) -> None:
        self.db = db
        self.clock = clock
        self.keys = keys

    async def counts(self, capsule_ids: list[UUID]) -> dict[UUID, Counts]:
        """Contributions per status and per kind, and invitations, of each capsule (two queries)."""
        if not capsule_ids:
            return {}
        status: dict[UUID, Counter[str]] = {cid: Counter() for cid in capsule_ids}
        kind: dict[UUID, Counter[str]] = {cid: Counter() for cid in capsule_ids}
        async with self.db.read() as session:
            c = m.Contribution
            rows = await session.execute(
                select(c.capsule_id, c.status, c.kind, func.count())
                .where(c.capsule_id.in_(capsule_ids), c.status != Status.DRAFT)
                .group_by(c.capsule_id, c.status, c.kind))
            for capsule_id, state, kind_, n in rows:
                status[capsule_id][state] += n
                if state in COUNTED:
                    kind[capsule_id][kind_] += n
            i = m.Invitation
            invited = dict((await session.execute(
                select(i.capsule_id, func.count()).where(i.capsule_id.in_(capsule_ids))
                .group_by(i.capsule_id))).tuples().all())
        return {cid: Counts(dict(status[cid]), dict(kind[cid]), invited.get(cid, 0))
                for cid in capsule_ids}

    async def capsule_page(self, slug: str) -> CapsulePage:
        """A published capsule with its counts and its public log.

        Raises:
            NotFoundError: no such capsule, or still a draft (drafts are not public).
        """
        async with self.db.read() as session:
            capsule = await by_slug(session, slug)
            if capsule.state == State.DRAFT:
                raise NotFoundError(f"no capsule {slug!r}", slug=slug)
            rows = await audit_log.events(session, capsule.id)
        log = []
        for row in rows:
            event = audit.parse_event(row.body)
            log.append(LogLine(seq=event.seq, at=event.at, type=str(event.type),
                               actor=str(event.actor), organization=event.data.get("organization"),
                               hash=row.hash.hex()))
        counts = (await self.counts([capsule.id]))[capsule.id]
        return CapsulePage(capsule=capsule, counts=counts, log=log)

    async def form_opening(self, slug: str, invitation_token: str) -> FormOpening:
        """The capsule and invitation behind a contribution link, if it can be used now.

        Raises:
            NotFoundError: no such capsule.
            TransitionError: the capsule is not collecting; DeadlineError: its deadline passed.
            InvitationError: unknown, revoked or used up (`reason` in its params).
        """
        async with self.db.read() as session:
            capsule = await by_slug(session, slug)
            now = truncate(self.clock.now())
            check_collecting(State(capsule.state), capsule.submissions_close_at, now)
            row = await invitations.resolve(session, invitation_token, capsule.id)
        view = InvitationService(self.db, self.clock, self.keys).view(row)
        return FormOpening(capsule=capsule, invitation=view)

    async def draft_preview(self, slug: str, invitation_token: str, draft_id: UUID) -> DraftPreview:
        """What a draft holds besides the text the contributor just typed: its commitment and
        its attachments as stored (cleaned name, type, size).

        Raises:
            NotFoundError: no such draft for this invitation.
        """
        async with self.db.read() as session:
            capsule = await by_slug(session, slug)
            row = await session.get(m.Contribution, draft_id)
            invitation = (await session.get(m.Invitation, row.invitation_id)
                          if row and row.invitation_id else None)
            if (row is None or row.capsule_id != capsule.id or invitation is None
                    or not tokens.matches(invitation_token, invitation.token_hash)):
                raise NotFoundError("no such draft for this invitation")
            reader = ContributionService(self.db, self.clock, self.keys, max_upload_bytes=0)
            document = parse_document(await reader.read_document(session, capsule, row))
        return DraftPreview(id=row.id, commitment=row.commitment, attachments=document.attachments)
