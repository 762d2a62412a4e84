"""Sealing through the services: one transaction, races settled by the database, nothing left
that could open the capsule early."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from sqlalchemy import LargeBinary, select

from capsule.core import audit, certificate, keys, labels, manifest, merkle, shares
from capsule.core.errors import ConflictError, DecryptionError, FormatError, TransitionError
from capsule.core.lifecycle import SEALED_OUTCOMES, State, Status
from capsule.persistence import audit_log
from capsule.persistence import models as m
from capsule.persistence.database import Database
from capsule.persistence.services.contributions import ContributionService
from capsule.persistence.services.sealing import SealService, inclusion_proof, seal_of
from tests.factories.collecting import LIMIT, FakeUpload, World, fields, png


def sealer(world: World, db: Database | None = None) -> SealService:
    return SealService(db or world.db, world.clock, world.keys)


async def accepted(world: World, slug: str, n: int) -> list:
    token = await world.invite(slug)
    receipts = []
    for i in range(n):
        receipt = await world.contributions.submit(slug, token, fields(kind=["goal", "priority", "appeal"][i % 3]),
                                                   [FakeUpload("сурет.png", png())] if i == 0 else [])
        await world.moderation.decide(slug, receipt.id, "accept")
        world.clock.advance(seconds=1)
        receipts.append(receipt)
    return receipts


async def test_sealing_signs_a_certificate_that_binds_the_manifest_and_the_log(world: World) -> None:
    slug = await world.collecting()
    receipts = await accepted(world, slug, 4)
    outcome = await sealer(world).seal(slug)
    cert = certificate.verify_certificate(outcome.certificate, outcome.signature, world.keys.signing.public_raw)
    assert outcome.fingerprint == certificate.fingerprint(outcome.certificate)
    assert cert.items == 4 and cert.kinds == {"goal": 2, "priority": 1, "appeal": 1}
    assert cert.opening_at.utcoffset().total_seconds() == 5 * 3600  # Asia/Almaty, as organizers wrote it
    async with world.db.read() as session:
        capsule = (await session.execute(select(m.Capsule).where(m.Capsule.slug == slug))).scalar_one()
        seal = await seal_of(session, capsule.id)
        log = (await audit_log.jsonl(session, capsule.id)).splitlines()
        statuses = {r.id: (r.status, r.sealed_index) for r in (await session.execute(select(m.Contribution))).scalars()}
    assert capsule.state == State.SEALED and capsule.prekey is None
    sealed = manifest.parse_manifest(seal.manifest)
    certificate.check_against_manifest(cert, sealed, seal.manifest)
    assert [item.id for item in sealed.items] == [r.id for r in receipts]  # (submitted_at, id) order
    assert {statuses[r.id] for r in receipts} == {(Status.SEALED, i) for i in range(4)}
    audit.verify_prefix(log, cert.audit.size, cert.audit.head)
    assert audit.parse_event(log[cert.audit.size - 1]).type == "capsule.sealed"


async def test_pending_contributions_block_sealing_with_a_list_unless_excluded(world: World) -> None:
    slug = await world.collecting()
    await accepted(world, slug, 1)
    pending = await world.contributions.submit(slug, await world.invite(slug, "Күміс еріктілер"), fields())
    with pytest.raises(ConflictError, match="1 contribution\\(s\\) still pending") as caught:
        await sealer(world).seal(slug)
    assert caught.value.params["pending"] == [{"id": str(pending.id), "organization": "Күміс еріктілер"}]
    assert (await world.capsules.get(slug)).state == State.COLLECTING  # nothing changed
    outcome = await sealer(world).seal(slug, exclude_pending=True)
    assert outcome.items == 1 and outcome.excluded == 1
    receipt = await world.contributions.receipt(pending.id, pending.receipt_token)
    assert receipt.status == Status.EXCLUDED


async def test_parallel_seals_have_exactly_one_winner(world: World) -> None:
    slug = await world.collecting()
    await accepted(world, slug, 2)
    others = [Database(world.db.url) for _ in range(3)]
    try:
        outcomes = await asyncio.gather(*[sealer(world).seal(slug) for _ in range(3)],
                                        *[sealer(world, d).seal(slug) for d in others], return_exceptions=True)
    finally:
        for other in others:
            await other.dispose()
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(o, TransitionError) and "cannot seal a sealed capsule" in str(o)
               for o in outcomes if isinstance(o, BaseException))
    async with world.db.read() as session:
        assert len((await session.execute(select(m.Seal))).scalars().all()) == 1


async def test_every_receipt_of_submissions_racing_a_seal_ends_in_exactly_one_outcome(world: World) -> None:
    """Parallel clients submit (and some withdraw) while the organizer seals: each submission
    gets a receipt or a 409, and every receipt ends sealed, withdrawn or excluded — never lost."""
    other = Database(world.db.url)
    racers = ContributionService(other, world.clock, world.keys, max_upload_bytes=LIMIT)
    totals = {"receipts": 0, "refused": 0}
    try:
        for round_, delay in enumerate((0.0, 0.005, 0.02)):
            slug = await world.collecting(f"race-{round_}", moderation=False)
            tokens = [await world.invite(slug, f"Ұйым {i}") for i in range(4)]
            first = [await racers.submit(slug, t, fields()) for t in tokens]  # certainly before the seal

            async def seal_soon(slug: str = slug, delay: float = delay):  # type: ignore[no-untyped-def]
                await asyncio.sleep(delay)
                return await sealer(world).seal(slug)

            async def withdraw(receipt):  # type: ignore[no-untyped-def]
                return await racers.withdraw(receipt.id, receipt.receipt_token)

            results = await asyncio.gather(
                seal_soon(), *[racers.submit(slug, t, fields()) for t in tokens * 3],
                *[withdraw(r) for r in first[:2]], return_exceptions=True)
            outcome = results[0]
            assert hasattr(outcome, "fingerprint"), outcome
            later = results[1:13]
            refused = [r for r in results[1:] if isinstance(r, BaseException)]
            assert all(isinstance(r, TransitionError) and "not collecting" in str(r) for r in refused), refused
            receipts = first + [r for r in later if not isinstance(r, BaseException)]
            final = {r.id: (await world.contributions.receipt(r.id, r.receipt_token)).status for r in receipts}
            assert set(final.values()) <= SEALED_OUTCOMES
            async with world.db.read() as session:
                capsule = (await session.execute(select(m.Capsule).where(m.Capsule.slug == slug))).scalar_one()
                sealed_ids = {i.id for i in manifest.parse_manifest((await seal_of(session, capsule.id)).manifest).items}
            assert sealed_ids == {i for i, status in final.items() if status == Status.SEALED}
            assert outcome.items == len(sealed_ids)
            totals["receipts"] += len(receipts) - len(first)
            totals["refused"] += sum(isinstance(r, BaseException) for r in later)
    finally:
        await other.dispose()
    print(f"race totals: {totals}")


async def test_custodian_shares_are_returned_once_and_nothing_stored_can_open_the_capsule(world: World) -> None:
    slug = await world.collecting(locks=({"type": "custodians", "threshold": 2, "shares": 3},))
    await accepted(world, slug, 2)
    outcome = await sealer(world).seal(slug)
    assert len(outcome.custodian_shares) == 3
    async with world.db.read() as session:
        capsule = (await session.execute(select(m.Capsule).where(m.Capsule.slug == slug))).scalar_one()
        cert = certificate.parse_certificate((await seal_of(session, capsule.id)).certificate)
        stored = await _every_stored_byte_string(session)
    lock_info = cert.locks[0]
    assert shares.combine(outcome.custodian_shares[:2], lock_info)  # the shares do work
    for mnemonic in outcome.custodian_shares:
        assert not any(mnemonic.encode() in value for value in stored)
    # Try the master key with every label of the format on every stored byte string.
    aads = [label + capsule.id.bytes + extra for label in labels.ALL
            for extra in (b"", capsule.opening_at.strftime("%Y-%m-%dT%H:%M:%SZ").encode())]
    for value, aad in itertools.product(stored, aads):
        with pytest.raises((DecryptionError, FormatError)):
            keys.open_blob(world.keys.master, value, aad)


async def test_inclusion_proofs_verify_against_the_certificates_root(world: World) -> None:
    slug = await world.collecting()
    receipts = await accepted(world, slug, 5)
    outcome = await sealer(world).seal(slug)
    cert = certificate.parse_certificate(outcome.certificate)
    for index, receipt in enumerate(receipts):
        proof = await inclusion_proof(world.db, slug, index)
        assert proof.leaf == receipt.commitment and proof.tree_size == cert.items
        merkle.verify_inclusion(proof.leaf, index, cert.items, proof.path, bytes.fromhex(cert.content_root))


async def test_a_sealed_capsule_takes_no_submissions_edits_or_decisions(world: World) -> None:
    slug = await world.collecting()
    [receipt] = await accepted(world, slug, 1)
    await sealer(world).seal(slug)
    with pytest.raises(TransitionError):
        await world.invitations.create(slug, "Late")
    with pytest.raises(TransitionError):
        await world.contributions.edit(receipt.id, receipt.receipt_token, fields())
    with pytest.raises(TransitionError):
        await world.moderation.decide(slug, receipt.id, "reject")
    with pytest.raises(TransitionError, match="sealed"):
        await world.moderation.read(slug)
    with pytest.raises(TransitionError, match="sealed"):
        await world.contributions.own_document(receipt.id, receipt.receipt_token)


async def test_an_empty_capsule_can_be_sealed(world: World) -> None:
    slug = await world.collecting()
    outcome = await sealer(world).seal(slug)
    cert = certificate.parse_certificate(outcome.certificate)
    assert cert.items == 0 and cert.content_root == merkle.EMPTY_ROOT.hex()


async def _every_stored_byte_string(session) -> list[bytes]:  # type: ignore[no-untyped-def]
    values: list[bytes] = []
    for model in (m.Capsule, m.Contribution, m.Blob, m.BlobChunk, m.Seal, m.CapsuleLock, m.AuditEvent, m.Invitation):
        columns = [c.key for c in model.__table__.columns if isinstance(c.type, LargeBinary)]
        for row in (await session.execute(select(model))).scalars():
            values += [v for v in (getattr(row, name) for name in columns) if isinstance(v, bytes) and v]
    return values
