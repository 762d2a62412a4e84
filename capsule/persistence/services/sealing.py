"""The ceremony: sealing a capsule in one transaction (DESIGN §4.4–4.5).

Either everything happens — the sealed set fixed, the private key put under its locks and the
pre-seal copy deleted, the manifest and the signed certificate stored, the audit log closed
with the seal — or nothing does. The capsule row is locked first (PostgreSQL: FOR UPDATE;
SQLite: the one write lock), so of two parallel seals exactly one wins and the other finds
the capsule sealed (409); a submission racing the seal either commits before it (and is in
the sealed set, or blocks it while pending) or waits and then finds the capsule sealed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from capsule.core import canonical, certificate, keys, locks, manifest, merkle
from capsule.core.audit import Actor, EventType
from capsule.core.clock import Clock, truncate
from capsule.core.errors import ConflictError, NotFoundError, SealPendingError, TransitionError
from capsule.core.lifecycle import Action, Kind, State, Status, advance
from capsule.core.service_keys import ServiceKeys
from capsule.persistence import audit_log
from capsule.persistence import models as m
from capsule.persistence.database import Database
from capsule.persistence.services.capsules import by_slug, lock_by_slug

Progress = Callable[[str, int, int], None]
PENDING_LISTED: Final = 50  # a 409 names at most this many pending contributions


@dataclass(frozen=True)
class SealOutcome:
    """What the ceremony shows. `custodian_shares` exist here only: never stored or logged."""

    slug: str
    fingerprint: str
    certificate: bytes
    signature: bytes
    items: int
    excluded: int
    custodian_shares: tuple[str, ...]

    def __repr__(self) -> str:
        return f"SealOutcome({self.slug}, {self.fingerprint}, items={self.items}, shares=<{len(self.custodian_shares)} redacted>)"


def lock_specs(config: list[dict[str, Any]]) -> list[locks.LockSpec]:
    """The stored lock configuration as core lock specs."""
    return [msgspec.convert(lock, locks.LockSpec) for lock in config]


def _noop(_phase: str, _done: int, _total: int) -> None:
    pass


def _manifest_of(capsule_id: UUID, rows: list[manifest.SealedRow], locked: locks.LockedKey,
                 ) -> tuple[manifest.Manifest, bytes, merkle.MerkleTree]:
    sealed = manifest.build_manifest(capsule_id, rows, locked.key_seal, locked.lock_files)
    return sealed, manifest.encode_manifest(sealed), manifest.merkle_tree(sealed)


class SealService:
    def __init__(self, db: Database, clock: Clock, keys_: ServiceKeys) -> None:
        self.db = db
        self.clock = clock
        self.keys = keys_

    async def seal(self, slug: str, *, exclude_pending: bool = False, progress: Progress = _noop) -> SealOutcome:
        """Seal a collecting capsule.

        Raises:
            TransitionError: not collecting (e.g. already sealed by a parallel call) — 409.
            ConflictError: contributions still pending and `exclude_pending` not given; the
                error's `pending` param lists them (id, organization) — 409.
        """
        now = truncate(self.clock.now())
        async with self.db.write() as session:
            capsule = await lock_by_slug(session, slug)
            advance(State(capsule.state), Action.SEAL)
            if capsule.prekey is None:
                raise TransitionError("capsule has no pre-seal key left to seal")
            progress("checking", 0, 1)
            excluded = await self._settle_pending(session, capsule, exclude_pending, now)
            rows = await self._sealed_rows(session, capsule.id)
            progress("locking", 0, 1)
            private_key = keys.unwrap_prekey(self.keys.master, capsule.id, capsule.prekey)
            # The CPU-bound steps run in a worker thread, so the event loop keeps answering
            # (the ceremony page's progress requests among others) while a large capsule seals.
            locked = await asyncio.to_thread(
                locks.seal_private_key, private_key, capsule.id, capsule.opening_at, lock_specs(capsule.locks),
                capsule.lock_policy, self.keys.master)
            del private_key
            progress("manifest", 0, len(rows))
            sealed, manifest_bytes, tree = await asyncio.to_thread(_manifest_of, capsule.id, rows, locked)
            progress("manifest", len(rows), len(rows))
            counts = manifest.kind_counts(sealed)
            ref = await audit_log.append(session, capsule.id, now, EventType.CAPSULE_SEALED, Actor.ORGANIZER, {
                "items": len(rows), "excluded": excluded, "content_root": tree.root.hex(),
                "manifest_sha256": manifest.manifest_sha256(manifest_bytes),
            })
            cert = certificate.Certificate(
                capsule_id=capsule.id, slug=capsule.slug, title=capsule.title,
                opening_at=capsule.opening_at.astimezone(ZoneInfo(capsule.timezone)), sealed_at=now,
                public_key=canonical.b64(capsule.public_key), lock_policy=capsule.lock_policy,
                locks=list(locked.locks), items=len(rows), kinds=counts, content_root=tree.root.hex(),
                manifest_sha256=manifest.manifest_sha256(manifest_bytes), audit=ref, signer=self.keys.signing.kid,
            )
            cert_bytes, signature = certificate.sign_certificate(self.keys.signing, cert)
            fingerprint = certificate.fingerprint(cert_bytes)
            progress("storing", 0, len(rows))
            session.add(m.Seal(capsule_id=capsule.id, certificate=cert_bytes, signature=signature,
                               signer_kid=self.keys.signing.kid, fingerprint=fingerprint, manifest=manifest_bytes,
                               content_root=tree.root, item_count=len(rows), sealed_at=now))
            for stored in locked.stored:
                session.add(m.CapsuleLock(capsule_id=capsule.id, position=stored.position, type=stored.type,
                                          params=stored.params, wrapped_secret=stored.wrapped_secret,
                                          lock_file=stored.lock_file))
            if sealed.items:
                await session.execute(update(m.Contribution), [
                    {"id": item.id, "status": Status.SEALED, "sealed_index": item.index} for item in sealed.items
                ])
            # The pre-seal copy of the private key goes in the same transaction (SQLite's
            # secure_delete overwrites the freed bytes): from here on, only the locks open it.
            won = await session.execute(
                update(m.Capsule).where(m.Capsule.id == capsule.id, m.Capsule.state == State.COLLECTING)
                .values(state=State.SEALED, sealed_at=now, updated_at=now, prekey=None)
            )
            if won.rowcount != 1:
                raise TransitionError("capsule is no longer collecting")
            progress("storing", len(rows), len(rows))
        return SealOutcome(slug=capsule.slug, fingerprint=fingerprint, certificate=cert_bytes, signature=signature,
                           items=len(rows), excluded=excluded, custodian_shares=locked.mnemonics)

    async def _settle_pending(self, session: AsyncSession, capsule: m.Capsule, exclude: bool, now: Any) -> int:
        pending = list((await session.execute(
            select(m.Contribution.id, m.Contribution.organization)
            .where(m.Contribution.capsule_id == capsule.id, m.Contribution.status == Status.PENDING)
            .order_by(m.Contribution.submitted_at, m.Contribution.id)
        )).all())
        if pending and not exclude:
            raise SealPendingError(
                f"{len(pending)} contribution(s) still pending: accept or reject them, or seal without them",
                pending=[{"id": str(p.id), "organization": p.organization} for p in pending[:PENDING_LISTED]],
                count=len(pending),
            )
        for row in pending:
            await session.execute(update(m.Contribution).where(m.Contribution.id == row.id)
                                  .values(status=Status.EXCLUDED, updated_at=now))
            await audit_log.append(session, capsule.id, now, EventType.CONTRIBUTION_EXCLUDED, Actor.ORGANIZER,
                                   {"contribution_id": str(row.id)})
        return len(pending)

    async def _sealed_rows(self, session: AsyncSession, capsule_id: UUID) -> list[manifest.SealedRow]:
        contributions = (await session.execute(
            select(m.Contribution.id, m.Contribution.submitted_at, m.Contribution.kind, m.Contribution.commitment,
                   m.Contribution.wrapped_dek)
            .where(m.Contribution.capsule_id == capsule_id, m.Contribution.status == Status.ACCEPTED)
        )).all()
        blob_rows = (await session.execute(
            select(m.Blob.contribution_id, m.Blob.position, m.Blob.sha256, m.Blob.size)
            .join(m.Contribution, m.Contribution.id == m.Blob.contribution_id)
            .where(m.Contribution.capsule_id == capsule_id, m.Contribution.status == Status.ACCEPTED)
            .order_by(m.Blob.contribution_id, m.Blob.position)
        )).all()
        by_contribution: dict[UUID, list[tuple[bytes, int]]] = {}
        for blob in blob_rows:
            by_contribution.setdefault(blob.contribution_id, []).append((blob.sha256, blob.size))
        return [manifest.SealedRow(id=c.id, submitted_at=c.submitted_at, kind=Kind(c.kind), commitment=c.commitment,
                                   wrapped_dek=c.wrapped_dek, blobs=by_contribution[c.id]) for c in contributions]


@dataclass(frozen=True)
class SealView:
    """The published seal of a capsule."""

    certificate: bytes
    signature: bytes
    fingerprint: str
    manifest: bytes
    content_root: bytes
    items: int
    sealed_at: Any
    signer_kid: str


async def seal_of(session: AsyncSession, capsule_id: UUID) -> SealView:
    """The seal record.

    Raises:
        NotFoundError: the capsule is not sealed.
    """
    row = await session.get(m.Seal, capsule_id)
    if row is None:
        raise NotFoundError("this capsule is not sealed yet")
    return SealView(certificate=row.certificate, signature=row.signature, fingerprint=row.fingerprint,
                    manifest=row.manifest, content_root=row.content_root, items=row.item_count,
                    sealed_at=row.sealed_at, signer_kid=row.signer_kid)


_TREES: dict[UUID, merkle.MerkleTree] = {}


async def sealed_tree(session: AsyncSession, capsule_id: UUID) -> merkle.MerkleTree:
    """The Merkle tree of a sealed capsule (never changes once sealed, so it is cached)."""
    tree = _TREES.get(capsule_id)
    if tree is None:
        commitments = (await session.execute(
            select(m.Contribution.commitment).where(m.Contribution.capsule_id == capsule_id,
                                                    m.Contribution.sealed_index.is_not(None))
            .order_by(m.Contribution.sealed_index)
        )).scalars().all()
        seal = await seal_of(session, capsule_id)
        tree = merkle.MerkleTree(commitments)
        if tree.root != seal.content_root:
            raise ConflictError("sealed contributions do not match the certificate's content root")
        if len(_TREES) > 64:
            _TREES.clear()
        _TREES[capsule_id] = tree
    return tree


@dataclass(frozen=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf: bytes
    path: list[bytes]
    root: bytes


async def inclusion_proof(db: Database, slug: str, index: int) -> InclusionProof:
    """RFC 9162 inclusion proof of sealed item `index` (tree size and root: from the certificate).

    Raises:
        NotFoundError: not sealed, or no such index.
    """
    async with db.read() as session:
        capsule = await by_slug(session, slug)
        tree = await sealed_tree(session, capsule.id)
        if not 0 <= index < tree.size:
            raise NotFoundError(f"capsule {slug!r} has no item {index} (it holds {tree.size})")
        leaf = (await session.execute(select(m.Contribution.commitment).where(
            m.Contribution.capsule_id == capsule.id, m.Contribution.sealed_index == index))).scalar_one()
    return InclusionProof(index=index, tree_size=tree.size, leaf=leaf, path=tree.inclusion_proof(index), root=tree.root)
