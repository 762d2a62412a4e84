"""Contributions: encrypted on arrival, previewed as an encrypted draft, submitted with a receipt.

The flow of the web form is draft → confirm: the first post encrypts everything at once (the
same way a final submission is encrypted) and shows a preview; confirming turns the draft into
a submission. The API submits in one step. Either way the last step is one short transaction
that locks the capsule row, so a submission racing the seal either lands before it (and is in
the sealed set, or blocks it while pending) or sees the capsule sealed and is refused.

Before sealing, the service can read a contribution through the pre-seal key (moderation, a
contributor's own document, an edit that keeps attachments). Nothing here writes plaintext.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from uuid import UUID, uuid4

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from capsule.core import envelope, keys, labels, tokens
from capsule.core.audit import Actor, EventType
from capsule.core.clock import Clock, truncate
from capsule.core.errors import (
    ConflictError,
    FormatError,
    NotFoundError,
    TransitionError,
    ValidationError,
)
from capsule.core.lifecycle import State, Status, check_collecting
from capsule.core.service_keys import ServiceKeys
from capsule.core.stream import StreamDecryptor, StreamEncryptor
from capsule.persistence import audit_log, blobs
from capsule.persistence import models as m
from capsule.persistence.database import Database
from capsule.persistence.services import invitations
from capsule.persistence.services.capsules import by_slug, lock_by_slug, lock_capsule
from capsule.persistence.services.uploads import (
    MAX_ATTACHMENTS,
    ContributionFields,
    StoredAttachment,
    Upload,
    check_fields,
    encrypt_upload,
)

DRAFT_LIFETIME: Final = timedelta(hours=24)
SUBMIT_KEY_MAX: Final = 64


@dataclass(frozen=True)
class Receipt:
    id: UUID
    capsule_slug: str
    commitment: bytes
    status: Status
    version: int
    receipt_token: str
    organization: str
    kind: str
    submitted_at: datetime
    decision_note: str = ""
    sealed_index: int | None = None


def receipt_token(keys_: ServiceKeys, contribution_id: UUID) -> str:
    return tokens.derived_token("rct", keys_.master, labels.RECEIPT_TOKEN, contribution_id.bytes)


def _receipt(keys_: ServiceKeys, row: m.Contribution, slug: str) -> Receipt:
    return Receipt(
        id=row.id, capsule_slug=slug, commitment=row.commitment, status=Status(row.status), version=row.version,
        receipt_token=receipt_token(keys_, row.id), organization=row.organization, kind=row.kind,
        submitted_at=row.submitted_at, decision_note=row.decision_note, sealed_index=row.sealed_index,
    )


def _check_submit_key(submit_key: str | None) -> str | None:
    if submit_key is not None and (not submit_key or len(submit_key) > SUBMIT_KEY_MAX or not submit_key.isprintable()):
        raise ValidationError("submit key must be 1-64 printable characters", field="submit_key")
    return submit_key


class ContributionService:
    def __init__(self, db: Database, clock: Clock, keys_: ServiceKeys, *, max_upload_bytes: int) -> None:
        self.db = db
        self.clock = clock
        self.keys = keys_
        self.max_upload_bytes = max_upload_bytes

    # -- arrival ------------------------------------------------------------------------------

    async def submit(self, slug: str, invitation_token: str, fields: ContributionFields,
                     uploads: AsyncIterator[Upload] | Sequence[Upload] = (), *, submit_key: str | None = None) -> Receipt:
        """Encrypt and submit in one step (the API). Same `submit_key` → the same receipt.

        Raises:
            InvitationError, TransitionError, DeadlineError, ValidationError, TooLargeError,
            UnsupportedMediaError: as their names say; nothing is stored then.
        """
        draft_id = await self.draft(slug, invitation_token, fields, uploads, submit_key=submit_key)
        try:
            return await self.confirm(slug, invitation_token, draft_id)
        except BaseException:
            # One step means nothing half-done stays behind: drop the draft and its ciphertext.
            async with self.db.write() as session:
                await session.execute(delete(m.Contribution).where(
                    m.Contribution.id == draft_id, m.Contribution.status == Status.DRAFT))
            raise

    async def draft(self, slug: str, invitation_token: str, fields: ContributionFields,
                    uploads: AsyncIterator[Upload] | Sequence[Upload] = (), *, submit_key: str | None = None) -> UUID:
        """Encrypt a contribution and keep it as a draft for preview; returns the draft's id.
        A second post with the same `submit_key` returns the first draft (or contribution).
        """
        submit_key = _check_submit_key(submit_key)
        fields = check_fields(fields)
        now = truncate(self.clock.now())
        async with self.db.read() as session:
            capsule = await by_slug(session, slug)
            check_collecting(State(capsule.state), capsule.submissions_close_at, now)
            invitation = await invitations.resolve(session, invitation_token, capsule.id)
            if submit_key is not None:
                existing = await self._by_submit_key(session, capsule.id, submit_key)
                if existing is not None:
                    if existing.invitation_id != invitation.id:
                        raise ConflictError("this form was already submitted with another invitation")
                    await _drain(uploads)
                    return existing.id
        contribution_id = uuid4()
        dek = envelope.new_dek()
        stored = await self._store_attachments(uploads, dek, now)
        try:
            document = envelope.build_document(
                capsule_id=capsule.id, contribution_id=contribution_id, kind=fields.kind, title=fields.title,
                body=fields.body, author=fields.author_name, role=fields.author_role,
                organization=fields.organization, language=fields.language, submitted_at=now,
                attachments=[a.meta for a in stored],
            )
            sealed = envelope.encrypt_document(capsule.public_key, capsule.id, contribution_id, document, dek=dek)
            async with self.db.write() as session:
                row = m.Contribution(
                    id=contribution_id, capsule_id=capsule.id, invitation_id=invitation.id, version=1,
                    status=Status.DRAFT, kind=fields.kind, organization=invitation.organization,
                    commitment=sealed.commitment, wrapped_dek=sealed.wrapped_dek, attachment_count=len(stored),
                    submitted_at=now, updated_at=now,
                    receipt_token_hash=tokens.token_hash(receipt_token(self.keys, contribution_id)),
                    submit_key=submit_key,
                )
                session.add(row)
                await session.flush()
                blobs.add_small_blob(session, contribution_id, 0, sealed.blob, now)
                await blobs.attach(session, [a.blob.id for a in stored], contribution_id)
        except IntegrityError:
            await _discard(stored)
            # A concurrent post with the same submit key won the insert: answer with its draft.
            async with self.db.read() as session:
                existing = await self._by_submit_key(session, capsule.id, submit_key) if submit_key else None
            if existing is None:
                raise
            return existing.id
        except BaseException:
            await _discard(stored)
            raise
        return contribution_id

    async def confirm(self, slug: str, invitation_token: str, draft_id: UUID) -> Receipt:
        """Turn a draft into a submission and return its receipt (idempotent).

        Raises:
            NotFoundError: no such draft for this invitation (or it expired).
            InvitationError, TransitionError, DeadlineError: the invitation or the capsule no
                longer accepts it; the draft is left as it was.
        """
        now = truncate(self.clock.now())
        async with self.db.write() as session:
            capsule = await lock_by_slug(session, slug)
            row = await session.get(m.Contribution, draft_id, with_for_update=True)
            if row is None or row.capsule_id != capsule.id:
                raise NotFoundError("no such draft; it may have expired — please fill in the form again")
            invitation = await session.get(m.Invitation, row.invitation_id) if row.invitation_id else None
            if invitation is None or not tokens.matches(invitation_token, invitation.token_hash):
                raise NotFoundError("no such draft for this invitation")
            if row.status != Status.DRAFT:
                return _receipt(self.keys, row, capsule.slug)  # a second click on "submit"
            check_collecting(State(capsule.state), capsule.submissions_close_at, now)
            await invitations.resolve(session, invitation_token, capsule.id)
            await invitations.count_use(session, invitation.id)
            row.status = Status.PENDING if capsule.moderation else Status.ACCEPTED
            row.updated_at = now
            await session.flush()
            await audit_log.append(session, capsule.id, now, EventType.CONTRIBUTION_SUBMITTED, Actor.CONTRIBUTOR, {
                "contribution_id": str(row.id), "invitation_id": str(invitation.id),
                "organization": invitation.organization, "kind": row.kind, "commitment": row.commitment.hex(),
                "attachments": row.attachment_count,
            })
            if not capsule.moderation:
                await audit_log.append(session, capsule.id, now, EventType.CONTRIBUTION_ACCEPTED, Actor.SYSTEM,
                                       {"contribution_id": str(row.id), "has_note": False})
            return _receipt(self.keys, row, capsule.slug)

    # -- the contributor's receipt ----------------------------------------------------------

    async def receipt(self, contribution_id: UUID, token: str) -> Receipt:
        """The receipt for its holder.

        Raises:
            NotFoundError: unknown id, or a token that is not this receipt's (the same answer,
                so ids cannot be probed).
        """
        async with self.db.read() as session:
            row, capsule = await self._by_receipt(session, contribution_id, token)
            return _receipt(self.keys, row, capsule.slug)

    async def own_document(self, contribution_id: UUID, token: str) -> bytes:
        """The contributor's canonical document, to recompute the commitment themselves.

        Raises:
            NotFoundError: as for `receipt`.
            TransitionError: the capsule is sealed (the service can no longer read it).
        """
        async with self.db.read() as session:
            row, capsule = await self._by_receipt(session, contribution_id, token)
            if row.status == Status.WITHDRAWN:
                raise TransitionError("this contribution was withdrawn; its document was deleted")
            return await self.read_document(session, capsule, row)

    async def withdraw(self, contribution_id: UUID, token: str) -> Receipt:
        """Withdraw until the deadline: the ciphertext and the wrapped data key are deleted.

        Raises:
            NotFoundError, TransitionError, DeadlineError.
        """
        now = truncate(self.clock.now())
        async with self.db.write() as session:
            row, capsule = await self._by_receipt(session, contribution_id, token)
            capsule = await lock_capsule(session, capsule.id)
            # Re-read under the lock: a seal may have committed while we waited for it.
            await session.refresh(row)
            check_collecting(State(capsule.state), capsule.submissions_close_at, now)
            if row.status in (Status.WITHDRAWN, Status.DRAFT):
                return _receipt(self.keys, row, capsule.slug)
            await session.execute(delete(m.Blob).where(m.Blob.contribution_id == row.id))
            row.status = Status.WITHDRAWN
            row.wrapped_dek = b""
            row.attachment_count = 0
            row.updated_at = now
            await session.flush()
            await audit_log.append(session, capsule.id, now, EventType.CONTRIBUTION_WITHDRAWN, Actor.CONTRIBUTOR,
                                   {"contribution_id": str(row.id)})
            return _receipt(self.keys, row, capsule.slug)

    async def edit(self, contribution_id: UUID, token: str, fields: ContributionFields,
                   uploads: AsyncIterator[Upload] | Sequence[Upload] = (), *, keep: Sequence[int] = ()) -> Receipt:
        """A new version until the deadline: new data key, new salt, new commitment; kept
        attachments are re-encrypted under the new key; the old ciphertext and key are deleted.

        Raises:
            NotFoundError, TransitionError, DeadlineError, ValidationError, TooLargeError,
            UnsupportedMediaError.
        """
        fields = check_fields(fields)
        now = truncate(self.clock.now())
        async with self.db.read() as session:
            row, capsule = await self._by_receipt(session, contribution_id, token)
            check_collecting(State(capsule.state), capsule.submissions_close_at, now)
            if row.status not in (Status.PENDING, Status.ACCEPTED, Status.REJECTED):
                raise TransitionError(f"a {row.status} contribution cannot be edited", status=row.status)
            if any(i not in range(row.attachment_count) for i in keep) or len(set(keep)) != len(keep):
                raise ValidationError("unknown attachment to keep", field="keep")
            old_version = row.version
            old_document = envelope.parse_document(await self.read_document(session, capsule, row))
            old_dek = self._dek(capsule, row)
            old_blobs = {b.position: b.id for b in (await session.execute(
                select(m.Blob).where(m.Blob.contribution_id == row.id))).scalars()}
        dek = envelope.new_dek()
        stored = [await self._reencrypt(old_blobs[i + 1], old_dek, i, dek, new, now, old_document.attachments[i])
                  for new, i in enumerate(keep)]
        try:
            stored += await self._store_attachments(uploads, dek, now, start=len(stored))
            document = envelope.build_document(
                capsule_id=capsule.id, contribution_id=row.id, kind=fields.kind, title=fields.title, body=fields.body,
                author=fields.author_name, role=fields.author_role, organization=fields.organization,
                language=fields.language, submitted_at=now, attachments=[a.meta for a in stored],
            )
            sealed = envelope.encrypt_document(capsule.public_key, capsule.id, row.id, document, dek=dek)
            async with self.db.write() as session:
                capsule = await lock_capsule(session, capsule.id)
                check_collecting(State(capsule.state), capsule.submissions_close_at, now)
                won = await session.execute(
                    update(m.Contribution)
                    .where(m.Contribution.id == row.id, m.Contribution.version == old_version,
                           m.Contribution.status.in_([Status.PENDING, Status.ACCEPTED, Status.REJECTED]))
                    .values(version=old_version + 1, kind=fields.kind, commitment=sealed.commitment,
                            wrapped_dek=sealed.wrapped_dek, attachment_count=len(stored), submitted_at=now,
                            updated_at=now, decided_at=None, decision_note="",
                            status=Status.PENDING if capsule.moderation else Status.ACCEPTED)
                )
                if won.rowcount != 1:
                    raise ConflictError("this contribution was changed meanwhile; reload the receipt and try again")
                await session.execute(delete(m.Blob).where(m.Blob.contribution_id == row.id))
                blobs.add_small_blob(session, row.id, 0, sealed.blob, now)
                await blobs.attach(session, [a.blob.id for a in stored], row.id)
                await audit_log.append(session, capsule.id, now, EventType.CONTRIBUTION_EDITED, Actor.CONTRIBUTOR, {
                    "contribution_id": str(row.id), "version": old_version + 1, "kind": fields.kind,
                    "commitment": sealed.commitment.hex(), "attachments": len(stored),
                })
                if not capsule.moderation:
                    await audit_log.append(session, capsule.id, now, EventType.CONTRIBUTION_ACCEPTED, Actor.SYSTEM,
                                           {"contribution_id": str(row.id), "has_note": False})
                fresh = await session.get(m.Contribution, row.id, populate_existing=True)
                assert fresh is not None
                return _receipt(self.keys, fresh, capsule.slug)
        except BaseException:
            await _discard(stored)
            raise

    # -- reading before sealing (the pre-seal key) ----------------------------------------------

    def _private_key(self, capsule: m.Capsule) -> bytes:
        if capsule.prekey is None:
            raise TransitionError("the capsule is sealed: the service can no longer read its contents",
                                  state=capsule.state)
        return keys.unwrap_prekey(self.keys.master, capsule.id, capsule.prekey)

    def _dek(self, capsule: m.Capsule, row: m.Contribution) -> bytes:
        return envelope.unwrap_dek(self._private_key(capsule), capsule.id, row.id, row.wrapped_dek)

    async def read_document(self, session: AsyncSession, capsule: m.Capsule, row: m.Contribution) -> bytes:
        """The canonical document of a contribution, through the pre-seal key."""
        dek = self._dek(capsule, row)
        blob_id = (await session.execute(
            select(m.Blob.id).where(m.Blob.contribution_id == row.id, m.Blob.position == 0))).scalar_one()
        document = envelope.open_document(dek, capsule.id, row.id, await blobs.read_all(session, blob_id))
        envelope.check_commitment(document, row.commitment)
        return document

    async def attachment_stream(self, capsule: m.Capsule, row: m.Contribution, index: int) -> AsyncIterator[bytes]:
        """Attachment `index` decrypted piece by piece (moderation, a contributor's preview)."""
        dek = self._dek(capsule, row)
        async with self.db.read() as session:
            blob_id = (await session.execute(select(m.Blob.id).where(
                m.Blob.contribution_id == row.id, m.Blob.position == index + 1))).scalar_one_or_none()
        if blob_id is None:
            raise NotFoundError(f"no attachment {index} in contribution {row.id}")
        decryptor = StreamDecryptor(envelope.attachment_key(dek, index))
        async for chunk in blobs.read_chunks(self.db, blob_id):
            yield decryptor.update(chunk)
        yield decryptor.finalize()

    # -- helpers ----------------------------------------------------------------------------

    async def _store_attachments(self, uploads: AsyncIterator[Upload] | Sequence[Upload], dek: bytes,
                                 now: datetime, *, start: int = 0) -> list[StoredAttachment]:
        stored: list[StoredAttachment] = []
        try:
            async for upload in _aiter(uploads):
                if start + len(stored) >= MAX_ATTACHMENTS:
                    raise ValidationError(f"at most {MAX_ATTACHMENTS} attachments", field="attachments",
                                          max=MAX_ATTACHMENTS)
                stored.append(await encrypt_upload(self.db, upload, start + len(stored), dek,
                                                   self.max_upload_bytes, now))
        except BaseException:
            await _discard(stored)
            raise
        return stored

    async def _reencrypt(self, blob_id: UUID, old_dek: bytes, old_index: int, dek: bytes, index: int,
                         now: datetime, meta: envelope.AttachmentMeta) -> StoredAttachment:
        decryptor = StreamDecryptor(envelope.attachment_key(old_dek, old_index))
        encryptor = StreamEncryptor(envelope.attachment_key(dek, index))
        writer = blobs.BlobWriter(self.db, position=index + 1, created_at=now)
        try:
            async for chunk in blobs.read_chunks(self.db, blob_id):
                await writer.write(encryptor.update(decryptor.update(chunk)))
            await writer.write(encryptor.update(decryptor.finalize()))
            await writer.write(encryptor.finalize())
            await writer.close()
        except BaseException:
            await writer.discard()
            raise
        if encryptor.sha256 != meta.sha256:
            await writer.discard()
            raise FormatError(f"attachment {old_index} does not match its document")
        return StoredAttachment(meta=meta, blob=writer)

    async def _by_submit_key(self, session: AsyncSession, capsule_id: UUID, submit_key: str) -> m.Contribution | None:
        return (await session.execute(select(m.Contribution).where(
            m.Contribution.capsule_id == capsule_id, m.Contribution.submit_key == submit_key))).scalar_one_or_none()

    async def _by_receipt(self, session: AsyncSession, contribution_id: UUID, token: str) -> tuple[m.Contribution, m.Capsule]:
        row = await session.get(m.Contribution, contribution_id)
        if row is None or row.status == Status.DRAFT or not isinstance(token, str) or not tokens.matches(token, row.receipt_token_hash):
            raise NotFoundError("no such receipt")
        capsule = await session.get(m.Capsule, row.capsule_id)
        assert capsule is not None
        return row, capsule

    async def purge_drafts(self) -> int:
        """Delete drafts older than DRAFT_LIFETIME, with their ciphertext."""
        async with self.db.write() as session:
            result = await session.execute(delete(m.Contribution).where(
                m.Contribution.status == Status.DRAFT, m.Contribution.submitted_at < self.clock.now() - DRAFT_LIFETIME))
        return int(result.rowcount or 0)


async def _discard(stored: Sequence[StoredAttachment]) -> None:
    for attachment in stored:
        await attachment.blob.discard()


async def _aiter(uploads: AsyncIterator[Upload] | Sequence[Upload]) -> AsyncIterator[Upload]:
    if isinstance(uploads, Sequence):
        for upload in uploads:
            yield upload
    else:
        async for upload in uploads:
            yield upload


async def _drain(uploads: AsyncIterator[Upload] | Sequence[Upload]) -> None:
    # A duplicate post: read and drop what it carries, so the request completes cleanly.
    async for upload in _aiter(uploads):
        async for _ in upload.chunks():
            pass


__all__ = ["ContributionFields", "ContributionService", "Receipt", "receipt_token"]
