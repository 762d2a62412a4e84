"""Opening (DESIGN §4.7): after the date, once the locks yield the private key, every item is
decrypted and verified, the report and the private key are published, and the contents
become public. Before the date every path refuses, whoever asks (LockedError, 423).

Custodians enter their shares one at a time from any device; each share is kept wrapped under
the master key (so the ceremony survives a restart) and only accepted after the opening date
(so the service never holds k shares early). They are wiped once the capsule opens.
"""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Final
from uuid import UUID

import msgspec
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from capsule.core import certificate, envelope, keys, labels, locks, manifest, shares
from capsule.core.audit import Actor, EventType
from capsule.core.canonical import unb64
from capsule.core.clock import Clock, truncate, utc_text
from capsule.core.errors import (
    LockedError,
    NotFoundError,
    ShareDuplicateError,
    ShareError,
    ShareForeignError,
    TransitionError,
)
from capsule.core.lifecycle import State, check_openable
from capsule.core.opening import NullSink, OpenedItem, Report, open_items
from capsule.core.service_keys import ServiceKeys
from capsule.core.stream import StreamDecryptor
from capsule.persistence import audit_log, blobs
from capsule.persistence import models as m
from capsule.persistence.blob_bridge import BlobBridge
from capsule.persistence.database import Database
from capsule.persistence.services.beacons import BeaconClient
from capsule.persistence.services.capsules import by_slug, lock_capsule
from capsule.persistence.services.sealing import seal_of

PAGE_MAX: Final = 100


def search_key(text: str) -> str:
    """Text as search compares it: NFC, case-folded (Kazakh and Russian letters too), ё as е."""
    return unicodedata.normalize("NFC", text).casefold().replace("ё", "е")


@dataclass(frozen=True)
class ShareProgress:
    entered: int
    threshold: int
    report: Report | None = None  # set when this share opened the capsule


class _Collect(NullSink):
    """Keeps verified documents (attachments are only verified here; they stay ciphertext)."""

    def __init__(self) -> None:
        self.items: dict[int, OpenedItem] = {}

    def done(self, item: OpenedItem) -> None:
        self.items[item.index] = item


class OpeningService:
    def __init__(self, db: Database, clock: Clock, keys_: ServiceKeys, *, beacons: BeaconClient | None = None) -> None:
        self.db = db
        self.clock = clock
        self.keys = keys_
        self.beacons = beacons  # drand relays; without them a drand lock needs a pasted signature

    # -- the state of the locks -----------------------------------------------------------

    async def _sealed(self, session: AsyncSession, slug: str) -> tuple[m.Capsule, certificate.Certificate, manifest.Manifest]:
        capsule = await by_slug(session, slug)
        if capsule.state not in (State.SEALED, State.OPENED):
            raise TransitionError(f"capsule is {capsule.state}, not sealed", state=capsule.state)
        seal = await seal_of(session, capsule.id)
        return capsule, certificate.parse_certificate(seal.certificate), manifest.parse_manifest(seal.manifest)

    async def report(self, slug: str) -> Report | None:
        """The published report once opened, else None."""
        async with self.db.read() as session:
            capsule = await by_slug(session, slug)
            opening = await session.get(m.Opening, capsule.id)
        return msgspec.convert(opening.report, Report) if opening else None

    async def shares_entered(self, slug: str) -> ShareProgress:
        async with self.db.read() as session:
            capsule, cert, _ = await self._sealed(session, slug)
            lock = _custodians(cert)
            count = (await session.execute(select(func.count()).select_from(m.ShareEntry)
                                           .where(m.ShareEntry.capsule_id == capsule.id))).scalar_one()
        return ShareProgress(entered=count, threshold=lock.threshold)

    # -- custodians ---------------------------------------------------------------------

    async def enter_share(self, slug: str, mnemonic: str) -> ShareProgress:
        """Take one custodian's share; open the capsule when enough are in.

        Raises:
            LockedError: before the opening date (no share is kept early).
            ShareError (word, checksum, foreign, duplicate): this share cannot be used.
            TransitionError: the capsule has no custodians lock, or is already open.
        """
        now = truncate(self.clock.now())
        mnemonic = " ".join(mnemonic.lower().split())
        async with self.db.write() as session:
            capsule, cert, _ = await self._sealed(session, slug)
            capsule = await lock_capsule(session, capsule.id)
            if capsule.state == State.OPENED:
                raise TransitionError("the capsule is already open", state=capsule.state)
            check_openable(capsule.opening_at, now)
            lock = _custodians(cert)
            entries = list((await session.execute(select(m.ShareEntry).where(m.ShareEntry.capsule_id == capsule.id))).scalars())
            try:
                index = shares.check_share(mnemonic, lock)
                if any(e.member_index == index for e in entries):
                    raise ShareDuplicateError("this custodian's share was already entered", member=index + 1)
            except ShareError as exc:
                reason = "duplicate" if isinstance(exc, ShareDuplicateError) else "foreign" if isinstance(exc, ShareForeignError) else "invalid"
                await audit_log.append(session, capsule.id, now, EventType.SHARE_REFUSED, Actor.CUSTODIAN,
                                       {"reason": reason, "shares_entered": len(entries)})
                await session.commit()
                raise
            session.add(m.ShareEntry(capsule_id=capsule.id, member_index=index, entered_at=now,
                                     wrapped_share=keys.seal_blob(self.keys.master, mnemonic.encode(), _share_aad(capsule.id))))
            await audit_log.append(session, capsule.id, now, EventType.SHARE_ENTERED, Actor.CUSTODIAN,
                                   {"shares_entered": len(entries) + 1, "threshold": lock.threshold})
            entered = len(entries) + 1
        if entered < lock.threshold:
            return ShareProgress(entered=entered, threshold=lock.threshold)
        try:
            report = await self.open(slug, use_entered_shares=True)
        except LockedError:  # policy "all": other locks still closed
            return ShareProgress(entered=entered, threshold=lock.threshold)
        return ShareProgress(entered=entered, threshold=lock.threshold, report=report)

    # -- opening ----------------------------------------------------------------------------

    async def open(self, slug: str, *, mnemonics: Sequence[str] = (), use_entered_shares: bool = False,
                   drand_signature: bytes | None = None) -> Report:
        """Open a sealed capsule after its date (idempotent: an opened one returns its report).

        Raises:
            LockedError: before the date — or after it, while the locks still hold (e.g. not
                enough custodian shares); the message says what is missing.
            ShareError, SignatureError, DecryptionError: a given share or beacon is wrong.
        """
        now = truncate(self.clock.now())
        async with self.db.read() as session:
            capsule, cert, sealed = await self._sealed(session, slug)
            if capsule.state == State.OPENED:
                existing = await session.get(m.Opening, capsule.id)
                assert existing is not None
                return msgspec.convert(existing.report, Report)
            check_openable(capsule.opening_at, now)
            stored = {row.position: row for row in (await session.execute(
                select(m.CapsuleLock).where(m.CapsuleLock.capsule_id == capsule.id))).scalars()}
            entered = [keys.open_blob(self.keys.master, e.wrapped_share, _share_aad(capsule.id), what="entered share").decode()
                       for e in (await session.execute(select(m.ShareEntry).where(m.ShareEntry.capsule_id == capsule.id))).scalars()] \
                if use_entered_shares else []
        mnemonics = list(mnemonics) + entered
        drand = next((info for info in cert.locks if isinstance(info, certificate.DrandLockInfo)), None)
        server = any(isinstance(info, certificate.ServerLockInfo) for info in cert.locks)
        if drand and drand_signature is None and self.beacons is not None and (
                cert.lock_policy == "all" or not (server or mnemonics)):
            drand_signature = await self.beacons.signature(drand.round)
        secrets, opened_by = self._secrets(capsule, cert, stored, mnemonics, drand_signature, now)
        private_key = locks.recover_private_key(sealed.key_seal, capsule.id, secrets, capsule.public_key, locks=cert.locks)
        bridge = BlobBridge(self.db, sealed, asyncio.get_running_loop())
        sink = _Collect()
        report = await asyncio.to_thread(open_items, private_key, capsule.id, sealed, bridge.read_blob, sink,
                                         content_root=cert.content_root)
        rows = [self._row(capsule.id, private_key, item, sink.items.get(item.index), report) for item in sealed.items]
        async with self.db.write() as session:
            locked = await lock_capsule(session, capsule.id)
            if locked.state == State.OPENED:  # a parallel call won
                existing = await session.get(m.Opening, capsule.id)
                assert existing is not None
                return msgspec.convert(existing.report, Report)
            won = await session.execute(update(m.Capsule).where(m.Capsule.id == capsule.id, m.Capsule.state == State.SEALED)
                                        .values(state=State.OPENED, opened_at=now, updated_at=now))
            if won.rowcount != 1:
                raise TransitionError("capsule is no longer sealed")
            session.add(m.Opening(capsule_id=capsule.id, opened_at=now, private_key=private_key,
                                  report=msgspec.to_builtins(report), verified=report.verified, failed=len(report.failed)))
            for start in range(0, len(rows), 1000):
                session.add_all(rows[start:start + 1000])
                await session.flush()
            for position in opened_by:
                await session.execute(update(m.CapsuleLock).where(m.CapsuleLock.capsule_id == capsule.id,
                                                                  m.CapsuleLock.position == position)
                                      .values(opened_at=now, beacon=drand_signature if stored[position].type == "drand" else None))
                await audit_log.append(session, capsule.id, now, EventType.LOCK_OPENED, Actor.SYSTEM,
                                       {"lock": stored[position].type})
            await session.execute(delete(m.ShareEntry).where(m.ShareEntry.capsule_id == capsule.id))
            seal = await seal_of(session, capsule.id)
            await audit_log.append(session, capsule.id, now, EventType.CAPSULE_OPENED, Actor.SYSTEM, {
                "fingerprint": seal.fingerprint, "items": report.total, "verified": report.verified,
                "failed": len(report.failed),
            })
        return report

    async def open_if_due(self, slug: str) -> bool:
        """Auto-open: a capsule whose organizers chose it, with a server lock that alone opens
        it, opens itself on first access after the date. True when it is (now) open."""
        async with self.db.read() as session:
            capsule = await by_slug(session, slug)
        if capsule.state == State.OPENED:
            return True
        server_alone = capsule.lock_policy == "any" and any(lock["type"] == "server" for lock in capsule.locks)
        if capsule.state != State.SEALED or not capsule.auto_open or not server_alone or self.clock.now() < capsule.opening_at:
            return False
        await self.open(slug)
        return True

    def _secrets(self, capsule: m.Capsule, cert: certificate.Certificate, stored: dict[int, m.CapsuleLock],
                 mnemonics: list[str], drand_signature: bytes | None, now: Any) -> tuple[dict[int, bytes], list[int]]:
        secrets: dict[int, bytes] = {}
        missing: list[str] = []
        for position, info in enumerate(cert.locks):
            kind = locks.lock_type(info)
            if kind == "server":
                secrets[position] = locks.server_secret(stored[position].wrapped_secret or b"", capsule.id,
                                                        capsule.opening_at, self.keys.master, now)
            elif kind == "custodians" and mnemonics:
                secrets[position] = locks.custodian_secret(mnemonics, info)  # type: ignore[arg-type]
            elif kind == "drand" and drand_signature is not None:
                secrets[position] = locks.drand_secret(stored[position].lock_file or b"", drand_signature,
                                                       lock_info=info)  # type: ignore[arg-type]
            else:
                missing.append(kind)
        if not secrets or (cert.lock_policy == "all" and missing):
            raise LockedError(f"the opening date has passed, but the capsule is still locked: waiting for "
                              f"{' and '.join(missing)}", opens_at=utc_text(capsule.opening_at), waiting=missing)
        return secrets, sorted(secrets)

    def _row(self, capsule_id: UUID, private_key: bytes, item: manifest.ManifestItem, opened: OpenedItem | None,
             report: Report) -> m.OpenedItem:
        if opened is None:
            failure = next(f for f in report.failed if f.index == item.index)
            return m.OpenedItem(capsule_id=capsule_id, index=item.index, contribution_id=item.id, kind=item.kind,
                                verified=False, failure_code=failure.code, failure=failure.message, document=b"", dek=b"")
        doc = opened.document
        return m.OpenedItem(
            capsule_id=capsule_id, index=item.index, contribution_id=item.id, kind=item.kind, verified=True,
            document=opened.data, dek=envelope.unwrap_dek(private_key, capsule_id, item.id, unb64(item.wrapped_dek, what="wrapped data key")),
            title=doc.title, body=doc.body, author=doc.author, role=doc.role, organization=doc.organization,
            language=doc.language, search_text=search_key(" ".join((doc.title, doc.body, doc.author, doc.organization))),
        )

    # -- reading what was opened ------------------------------------------------------------

    async def _opened(self, session: AsyncSession, slug: str) -> m.Capsule:
        capsule = await by_slug(session, slug)
        if capsule.state != State.OPENED:
            if capsule.state == State.SEALED:
                check_openable(capsule.opening_at, self.clock.now())
            raise LockedError(f"capsule is not open yet (it opens at {utc_text(capsule.opening_at)})",
                              opens_at=utc_text(capsule.opening_at))
        return capsule

    async def contents(self, slug: str, *, kind: str | None = None, query: str = "", offset: int = 0,
                       limit: int = 50) -> tuple[list[m.OpenedItem], int]:
        """One page of opened items (in sealed order), optionally of one kind or matching every
        word of `query` (case-insensitive), and how many match in all.

        Raises:
            LockedError: not opened (before the date, or while the locks still hold).
        """
        async with self.db.read() as session:
            capsule = await self._opened(session, slug)
            where = [m.OpenedItem.capsule_id == capsule.id]
            if kind:
                where.append(m.OpenedItem.kind == kind)
            for word in search_key(query).split():
                escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                where.append(m.OpenedItem.search_text.like(f"%{escaped}%", escape="\\"))
            total = (await session.execute(select(func.count()).select_from(m.OpenedItem).where(*where))).scalar_one()
            rows = (await session.execute(select(m.OpenedItem).where(*where).order_by(m.OpenedItem.index)
                                          .offset(max(0, offset)).limit(max(1, min(limit, PAGE_MAX))))).scalars().all()
        return list(rows), total

    async def item(self, slug: str, index: int) -> m.OpenedItem:
        async with self.db.read() as session:
            capsule = await self._opened(session, slug)
            row = await session.get(m.OpenedItem, (capsule.id, index))
        if row is None:
            raise NotFoundError(f"capsule {slug!r} has no item {index}")
        return row

    async def attachment(self, slug: str, index: int, position: int) -> tuple[envelope.AttachmentMeta, AsyncIterator[bytes]]:
        """An opened item's attachment: its description and its plaintext, decrypted as read."""
        row = await self.item(slug, index)
        if not row.verified:
            raise NotFoundError(f"item {index} did not verify; its attachments are not shown")
        metas = envelope.parse_document(row.document).attachments
        if not 0 <= position < len(metas):
            raise NotFoundError(f"item {index} has no attachment {position}")
        async with self.db.read() as session:
            blob_id = (await session.execute(select(m.Blob.id).where(
                m.Blob.contribution_id == row.contribution_id, m.Blob.position == position + 1))).scalar_one()

        async def plaintext() -> AsyncIterator[bytes]:
            decryptor = StreamDecryptor(envelope.attachment_key(row.dek, position))
            async for chunk in blobs.read_chunks(self.db, blob_id):
                yield decryptor.update(chunk)
            yield decryptor.finalize()
            decryptor.check(metas[position].size, metas[position].sha256)

        return metas[position], plaintext()


def _custodians(cert: certificate.Certificate) -> certificate.CustodiansLockInfo:
    for info in cert.locks:
        if isinstance(info, certificate.CustodiansLockInfo):
            return info
    raise TransitionError("this capsule has no custodians lock")


def _share_aad(capsule_id: UUID) -> bytes:
    return labels.SHARE_ENTRY + capsule_id.bytes


__all__ = ["OpeningService", "ShareProgress", "search_key"]
