"""A complete sealed capsule built with core functions only: items with Kazakh text, a small PNG
and a multi-chunk (> 64 KiB) attachment, locks, an audit log and a signed certificate.

    capsule = build_sealed()                               # server lock, policy any
    capsule = build_sealed(locks=[CustodiansLock(threshold=2, shares=3)])
    path = capsule.write_archive(tmp_path / "capsule.zip")  # the sealed archive (FORMAT §9)
    capsule.documents[0], capsule.attachments[0, 0]         # what was sealed, by manifest index

Web and CLI tests use it as they like; it never touches a database.
"""

from __future__ import annotations

import hashlib
import random
import struct
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

from capsule.archive_texts import archive_texts
from capsule.core import canonical
from capsule.core.archive import SealedParts, write_opened_archive, write_sealed_archive
from capsule.core.audit import Actor, AuditRef, EventType, append
from capsule.core.certificate import Certificate, fingerprint, parse_certificate, sign_certificate
from capsule.core.envelope import (
    attachment_key,
    build_document,
    describe_attachment,
    encrypt_document,
    new_dek,
)
from capsule.core.keys import CapsuleKeyPair, SigningKey, generate_capsule_key
from capsule.core.lifecycle import Kind
from capsule.core.locks import LockedKey, LockSpec, ServerLock, seal_private_key
from capsule.core.manifest import (
    Manifest,
    SealedRow,
    blob_name,
    build_manifest,
    encode_manifest,
    kind_counts,
    manifest_sha256,
    merkle_tree,
)
from capsule.core.opening import Report
from capsule.core.stream import StreamEncryptor
from capsule.core.tlock import Backend

ALMATY = timezone(timedelta(hours=5))
SEALED_AT = datetime(2026, 3, 5, 6, 0, tzinfo=UTC)
OPENING_AT = datetime(2036, 3, 5, 12, 0, tzinfo=ALMATY)
PIECE = 50_000  # read_blob's piece size: not a multiple of the STREAM chunk on purpose


def tiny_png() -> bytes:
    """A valid 1×1 PNG (a real image file, 69 bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x1f\x6f\xb4")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def big_attachment(size: int = 150_000, seed: int = 2026) -> bytes:
    """Deterministic bytes spanning three STREAM chunks (64 KiB each)."""
    return random.Random(seed).randbytes(size)


@dataclass(frozen=True)
class ItemSpec:
    kind: str
    title: str
    body: str
    author: str
    organization: str
    language: str = "kk"
    role: str = ""
    attachments: tuple[tuple[str, str, bytes], ...] = ()  # (name, media type, bytes)


DEFAULT_ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec(kind="goal", title="Еріктілер қозғалысын әр ауданға жеткізу",
             body="Біздің мақсатымыз — 2036 жылға қарай Алматының әр ауданында еріктілер "
                  "орталығы ашылып, әр жас өз үлесін қоса алатын болсын.\nҚұрметпен, ғасыр "
                  "ұрпағына сәлем! ә ғ қ ң ө ұ ү һ і",
             author="Айгүл Серікқызы", role="Төраға", organization="«Жарқын болашақ» қоры",
             attachments=(("сурет.png", "image/png", tiny_png()),)),
    ItemSpec(kind="priority", title="Приоритет: волонтёрство в школах",
             body="Каждая школа города — своя волонтёрская команда.", author="Иван Петров",
             role="Координатор", organization="Волонтёры Алматы", language="ru"),
    ItemSpec(kind="appeal", title="Болашақ еріктілерге үндеу",
             body="Сіздер бұл хатты оқып отырғанда, біз бастаған іс жалғасып жатыр деп сенеміз.",
             author="Дәулет Нұрланұлы", role="", organization="Еріктілер альянсы",
             attachments=(("үндеу — толық мәтін.pdf", "application/pdf", big_attachment()),)),
    ItemSpec(kind="goal", title="Volunteering for every generation",
             body="Open the movement to older volunteers too.", author="Sarah Lee",
             role="Adviser", organization="Almaty Volunteers", language="en"),
)


@dataclass
class SealedCapsule:
    capsule_id: UUID
    slug: str
    title: str
    keypair: CapsuleKeyPair
    signing: SigningKey
    master: bytes
    opening_at: datetime
    sealed_at: datetime
    locked: LockedKey
    certificate: bytes
    signature: bytes
    cert: Certificate
    manifest_bytes: bytes
    manifest: Manifest
    audit_log: bytes
    blobs: dict[str, bytes]  # by manifest name (items/000000/document.bin)
    documents: dict[int, bytes]  # canonical document bytes, by manifest index
    attachments: dict[tuple[int, int], bytes]  # plaintext, by (index, attachment number)
    specs: dict[int, ItemSpec] = field(default_factory=dict)

    @property
    def mnemonics(self) -> tuple[str, ...]:
        return self.locked.mnemonics

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate)

    @property
    def lock_files(self) -> dict[str, bytes]:
        return {"locks/drand.age": s.lock_file for s in self.locked.stored if s.lock_file}

    def read_blob(self, name: str) -> Iterator[bytes]:
        data = self.blobs[name]
        for i in range(0, max(len(data), 1), PIECE):
            yield data[i : i + PIECE]

    def parts(self) -> SealedParts:
        return SealedParts(slug=self.slug, certificate=self.certificate, signature=self.signature,
                           signing_public_key=self.signing.public_raw, manifest=self.manifest_bytes,
                           read_blob=self.read_blob, lock_files=self.lock_files,
                           audit_log=self.audit_log, bagging_date=self.sealed_at.date())

    def write_archive(self, path: Path) -> Path:
        with path.open("wb") as out:
            write_sealed_archive(out, self.parts(), archive_texts())
        return path

    def write_opened_archive(self, path: Path, opened_at: datetime | None = None) -> Report:
        with path.open("wb") as out:
            return write_opened_archive(out, self.parts(), archive_texts(),
                                        private_key=self.keypair.private,
                                        opened_at=opened_at or self.opening_at)


def _uuid(seed: str) -> UUID:
    return UUID(bytes=hashlib.sha256(seed.encode()).digest()[:16], version=4)


def build_sealed(
    *, items: Sequence[ItemSpec] = DEFAULT_ITEMS, locks: Sequence[LockSpec] = (ServerLock(),),
    policy: str = "any", opening_at: datetime = OPENING_AT, sealed_at: datetime = SEALED_AT,
    slug: str = "almaty-2026", title: str = "Уақыт капсуласы – 2026", seed: str = "almaty",
    drand_backend: Backend | None = None,
) -> SealedCapsule:
    """Seal `items` under `locks`, as the service does at the ceremony, with core functions."""
    capsule_id = _uuid(f"{seed}/capsule")
    keypair, signing, master = generate_capsule_key(), SigningKey.generate(), bytes(range(32))
    rows: list[SealedRow] = []
    blobs_by_id: dict[UUID, list[bytes]] = {}
    plain: dict[UUID, tuple[bytes, list[bytes], ItemSpec]] = {}
    for n, spec in enumerate(items):
        xid = _uuid(f"{seed}/item/{n}")
        dek = new_dek()
        metas, blobs, datas = [], [], []
        for j, (name, media, data) in enumerate(spec.attachments):
            enc = StreamEncryptor(attachment_key(dek, j))
            blob = enc.update(data) + enc.finalize()
            metas.append(describe_attachment(name, media, enc.sha256, enc.size))
            blobs.append(blob)
            datas.append(data)
        document = build_document(
            capsule_id=capsule_id, contribution_id=xid, kind=spec.kind, title=spec.title,
            body=spec.body, author=spec.author, role=spec.role, organization=spec.organization,
            language=spec.language, submitted_at=sealed_at - timedelta(hours=1, minutes=-n),
            attachments=metas)
        sealed = encrypt_document(keypair.public, capsule_id, xid, document, dek=dek)
        all_blobs = [sealed.blob, *blobs]
        blobs_by_id[xid] = all_blobs
        plain[xid] = (document, datas, spec)
        rows.append(SealedRow(id=xid, submitted_at=sealed_at - timedelta(hours=1, minutes=-n),
                              kind=Kind(spec.kind), commitment=sealed.commitment,
                              wrapped_dek=sealed.wrapped_dek,
                              blobs=[(hashlib.sha256(b).digest(), len(b)) for b in all_blobs]))
    locked = seal_private_key(keypair.private, capsule_id, opening_at, locks, policy, master,
                              drand_backend=drand_backend)
    manifest = build_manifest(capsule_id, rows, locked.key_seal, locked.lock_files)
    manifest_bytes = encode_manifest(manifest)
    root = merkle_tree(manifest).root.hex()

    head, lines, seq = bytes(32), [], 0

    def log(type_: EventType, actor: Actor, at: datetime, **data: object) -> None:
        nonlocal head, seq
        seq += 1
        body, head = append(head, seq, at.replace(microsecond=0), type_, actor, data)
        lines.append(body + b"\n")

    start = sealed_at - timedelta(days=30)
    log(EventType.CAPSULE_CREATED, Actor.ORGANIZER, start, lock_policy=policy,
        locks=[type(x).__struct_config__.tag for x in locks])
    log(EventType.CAPSULE_PUBLISHED, Actor.ORGANIZER, start + timedelta(hours=1))
    invitation = str(_uuid(f"{seed}/invitation"))
    log(EventType.INVITATION_CREATED, Actor.ORGANIZER, start + timedelta(hours=2),
        invitation_id=invitation, organization="Еріктілер альянсы")
    for item in manifest.items:
        log(EventType.CONTRIBUTION_SUBMITTED, Actor.CONTRIBUTOR, sealed_at - timedelta(hours=2),
            contribution_id=str(item.id), invitation_id=invitation, kind=item.kind.value,
            commitment=item.commitment, attachments=len(item.blobs) - 1)
        log(EventType.CONTRIBUTION_ACCEPTED, Actor.ORGANIZER, sealed_at - timedelta(minutes=30),
            contribution_id=str(item.id), has_note=False)
    log(EventType.CAPSULE_SEALED, Actor.ORGANIZER, sealed_at, items=len(manifest.items),
        excluded=0, content_root=root, manifest_sha256=manifest_sha256(manifest_bytes))
    cert = Certificate(
        capsule_id=capsule_id, slug=slug, title=title, opening_at=opening_at, sealed_at=sealed_at,
        public_key=canonical.b64(keypair.public), lock_policy=policy, locks=list(locked.locks),
        items=len(manifest.items), kinds=kind_counts(manifest), content_root=root,
        manifest_sha256=manifest_sha256(manifest_bytes), audit=AuditRef(size=seq, head=head.hex()),
        signer=signing.kid)
    cert_bytes, signature = sign_certificate(signing, cert)
    blobs, documents, attachments, specs = {}, {}, {}, {}
    for item in manifest.items:
        for position, blob in enumerate(blobs_by_id[item.id]):
            blobs[blob_name(item.index, position)] = blob
        document, datas, spec = plain[item.id]
        documents[item.index] = document
        specs[item.index] = spec
        for j, data in enumerate(datas):
            attachments[item.index, j] = data
    return SealedCapsule(
        capsule_id=capsule_id, slug=slug, title=title, keypair=keypair, signing=signing,
        master=master, opening_at=opening_at, sealed_at=sealed_at, locked=locked,
        certificate=cert_bytes, signature=signature, cert=parse_certificate(cert_bytes),
        manifest_bytes=manifest_bytes, manifest=manifest, audit_log=b"".join(lines), blobs=blobs,
        documents=documents, attachments=attachments, specs=specs)
