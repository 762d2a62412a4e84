"""Collecting through the services: capsules, invitations, encrypted submissions, moderation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from capsule.core import audit, envelope, keys
from capsule.core.errors import (
    ConflictError,
    DeadlineError,
    InvitationError,
    NotFoundError,
    TooLargeError,
    TransitionError,
    UnsupportedMediaError,
    ValidationError,
)
from capsule.core.lifecycle import State, Status
from capsule.persistence import audit_log
from capsule.persistence import models as m
from capsule.persistence.services.capsules import CapsuleSpec
from tests.factories.collecting import LIMIT, OPENING, FakeUpload, World, count, fields, png

# -- capsules ----------------------------------------------------------------------------------


async def test_a_new_capsule_has_a_key_pair_whose_private_half_is_stored_only_wrapped(world: World) -> None:
    capsule = await world.capsules.create(CapsuleSpec(title="Уақыт капсуласы – 2026", opening_at=OPENING), None)
    assert capsule.slug == "uaqyt-kapsulasy-2026"
    assert capsule.state == State.DRAFT
    private = keys.unwrap_prekey(world.keys.master, capsule.id, capsule.prekey)
    assert keys.public_key_of(private) == capsule.public_key
    assert private not in capsule.prekey


@pytest.mark.parametrize(("spec", "field"), [
    (dict(title="", opening_at=OPENING), "title"),
    (dict(title="x" * 201, opening_at=OPENING), "title"),
    (dict(title="Past", opening_at=datetime(2026, 3, 1, tzinfo=UTC)), "opening_at"),
    (dict(title="Late deadline", opening_at=OPENING, submissions_close_at=OPENING + timedelta(days=1)), "submissions_close_at"),
    (dict(title="Bad slug", opening_at=OPENING, slug="No Spaces"), "slug"),
    (dict(title="Bad zone", opening_at=OPENING, timezone="Asia/Nowhere"), "timezone"),
    (dict(title="One of one", opening_at=OPENING, locks=({"type": "custodians", "threshold": 1, "shares": 1},)), "locks"),
    (dict(title="Unknown lock", opening_at=OPENING, locks=({"type": "vault"},)), "locks"),
    (dict(title="All of one", opening_at=OPENING, lock_policy="all"), "lock_policy"),
])
async def test_bad_capsule_settings_are_refused_naming_the_field(world: World, spec: dict, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        await world.capsules.create(CapsuleSpec(**spec), None)
    assert caught.value.field == field
    assert await count(world.db, m.Capsule) == 0


async def test_a_taken_slug_is_a_conflict(world: World) -> None:
    await world.capsules.create(CapsuleSpec(title="A", slug="same", opening_at=OPENING), None)
    with pytest.raises(ConflictError, match="slug 'same' is already taken"):
        await world.capsules.create(CapsuleSpec(title="B", slug="same", opening_at=OPENING), None)


async def test_settings_change_only_while_a_draft(world: World) -> None:
    await world.capsules.create(CapsuleSpec(title="A", slug="aaa", opening_at=OPENING), None)
    updated = await world.capsules.update("aaa", CapsuleSpec(title="B", slug="aaa", opening_at=OPENING, moderation=False))
    assert updated.title == "B" and updated.moderation is False
    await world.capsules.publish("aaa")
    with pytest.raises(TransitionError, match="cannot edit a collecting capsule"):
        await world.capsules.update("aaa", CapsuleSpec(title="C", slug="aaa", opening_at=OPENING))
    with pytest.raises(TransitionError, match="cannot publish a collecting capsule"):
        await world.capsules.publish("aaa")


# -- invitations -------------------------------------------------------------------------------


async def test_invitation_links_can_be_shown_again_but_only_their_hash_is_stored(world: World) -> None:
    slug = await world.collecting()
    created = await world.invitations.create(slug, "Қазақстан Қызыл Жарты Ай")
    assert created.token.startswith("inv_")
    listed = await world.invitations.list(slug)
    assert [i.token for i in listed] == [created.token]
    async with world.db.read() as session:
        row = await session.get(m.Invitation, created.id)
    assert row is not None and created.token.encode() not in row.token_hash


async def test_revoked_unknown_and_used_up_invitations_are_refused_each_with_its_reason(world: World) -> None:
    slug = await world.collecting()
    revoked = await world.invitations.create(slug, "A")
    await world.invitations.revoke(slug, revoked.id)
    limited = await world.invite(slug, "B", max_contributions=1)
    await world.contributions.submit(slug, limited, fields())
    for token, reason in ((revoked.token, "revoked"), (limited, "exhausted"), ("inv_" + "A" * 43, "unknown"), ("nonsense", "unknown")):
        with pytest.raises(InvitationError) as caught:
            await world.contributions.submit(slug, token, fields())
        assert caught.value.params["reason"] == reason


async def test_an_invitation_of_another_capsule_does_not_open_this_one(world: World) -> None:
    first = await world.collecting("first")
    second = await world.collecting("second")
    token = await world.invite(first)
    with pytest.raises(InvitationError):
        await world.contributions.submit(second, token, fields())


# -- submissions -------------------------------------------------------------------------------


async def test_a_submission_is_encrypted_and_its_receipt_commitment_can_be_recomputed(world: World) -> None:
    slug = await world.collecting()
    token = await world.invite(slug)
    receipt = await world.contributions.submit(slug, token, fields(), [FakeUpload("сурет.png", png())])
    assert receipt.status == Status.PENDING and receipt.receipt_token.startswith("rct_")
    document = await world.contributions.own_document(receipt.id, receipt.receipt_token)
    assert envelope.commitment_of(document) == receipt.commitment
    parsed = envelope.parse_document(document)
    assert parsed.title == "Еріктілер қозғалысын дамыту"
    assert parsed.organization == "Жастар ұйымы"
    assert [(a.name, a.media_type, a.size) for a in parsed.attachments] == [("сурет.png", "image/png", len(png()))]


async def test_nothing_of_the_content_reaches_the_database_in_the_clear(world: World, db_url: str) -> None:
    canary_text = "CANARY-қөң-7f3a9c1e-text"
    canary_file = b"CANARY-7f3a9c1e-attachment"
    slug = await world.collecting()
    token = await world.invite(slug)
    receipt = await world.contributions.submit(
        slug, token, fields(title=canary_text, body=canary_text * 3, author_name=canary_text),
        [FakeUpload("notes.txt", canary_file * 100), FakeUpload("photo.png", png(marker=canary_file))],
    )
    await world.moderation.read(slug)
    if db_url.startswith("sqlite"):
        path = Path(db_url.split("///", 1)[1])
        stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    else:
        async with world.db.read() as session:
            rows = (await session.execute(select(m.BlobChunk.data))).scalars().all()
            others = (await session.execute(select(m.Contribution))).scalars().all()
        stored = b"".join(rows) + b"".join(repr(vars(o)).encode() for o in others)
    for needle in (canary_text.encode(), canary_file, b"7f3a9c1e"):
        assert needle not in stored
    assert receipt.commitment in stored or receipt.commitment.hex().encode() in stored or not db_url.startswith("sqlite")


async def test_a_double_submit_of_one_form_makes_one_contribution(world: World) -> None:
    slug = await world.collecting()
    token = await world.invite(slug)
    first, second = await asyncio.gather(
        world.contributions.submit(slug, token, fields(), submit_key="form-1"),
        world.contributions.submit(slug, token, fields(), submit_key="form-1"),
    )
    assert first.id == second.id and first.receipt_token == second.receipt_token
    assert await count(world.db, m.Contribution) == 1


async def test_draft_then_confirm_and_confirm_again(world: World) -> None:
    slug = await world.collecting(moderation=False)
    token = await world.invite(slug)
    draft_id = await world.contributions.draft(slug, token, fields())
    assert (await world.moderation.queue(slug)) == []  # a draft is nobody's business yet
    receipt = await world.contributions.confirm(slug, token, draft_id)
    again = await world.contributions.confirm(slug, token, draft_id)
    assert receipt == again and receipt.status == Status.ACCEPTED


async def test_after_the_deadline_a_draft_cannot_be_confirmed_and_stays_a_draft(world: World) -> None:
    slug = await world.collecting(submissions_close_at=datetime(2026, 3, 6, tzinfo=UTC))
    token = await world.invite(slug)
    draft_id = await world.contributions.draft(slug, token, fields())
    world.clock.set(datetime(2026, 3, 6, tzinfo=UTC))
    with pytest.raises(DeadlineError, match="submissions closed at 2026-03-06T00:00:00Z"):
        await world.contributions.confirm(slug, token, draft_id)
    async with world.db.read() as session:
        assert (await session.get(m.Contribution, draft_id)).status == Status.DRAFT  # type: ignore[union-attr]


async def test_a_draft_capsule_takes_no_submissions(world: World) -> None:
    await world.capsules.create(CapsuleSpec(title="Draft", slug="draft", opening_at=OPENING), None)
    token = await world.invite("draft")
    with pytest.raises(TransitionError, match="capsule is draft, not collecting"):
        await world.contributions.submit("draft", token, fields())


@pytest.mark.parametrize(("changes", "field"), [
    (dict(title=""), "title"), (dict(body="x" * 20_001), "body"), (dict(kind="wish"), "kind"),
    (dict(language="de"), "language"), (dict(author_name="   "), "author_name"),
])
async def test_bad_fields_are_refused_naming_the_field_and_nothing_is_stored(world: World, changes: dict, field: str) -> None:
    slug = await world.collecting()
    token = await world.invite(slug)
    with pytest.raises(ValidationError) as caught:
        await world.contributions.submit(slug, token, fields(**changes), [FakeUpload("a.png", png())])
    assert caught.value.field == field
    assert await count(world.db, m.Contribution) == 0 and await count(world.db, m.Blob) == 0


@pytest.mark.parametrize(("upload", "error", "message"), [
    (FakeUpload("big.png", png() + b"\0" * LIMIT), TooLargeError, "big.png: larger than 1 MiB"),
    (FakeUpload("archive.zip", b"PK\x03\x04" + b"\0" * 400), UnsupportedMediaError, "archive.zip: type application/zip is not accepted"),
    (FakeUpload("program.exe", b"MZ\x90\x00" + b"\xff" * 400), UnsupportedMediaError, "program.exe"),
    (FakeUpload("latin1.txt", "Привет".encode("cp1251") * 100), UnsupportedMediaError, "latin1.txt"),
    (FakeUpload("empty.txt", b""), ValidationError, "empty.txt: the file is empty"),
])
async def test_bad_attachments_are_refused_naming_the_file_and_nothing_is_left(world: World, upload: FakeUpload, error: type, message: str) -> None:
    slug = await world.collecting()
    token = await world.invite(slug)
    with pytest.raises(error, match=message):
        await world.contributions.submit(slug, token, fields(), [FakeUpload("ok.txt", "Сәлем!".encode()), upload])
    assert await count(world.db, m.Contribution) == 0
    assert await count(world.db, m.Blob) == 0 and await count(world.db, m.BlobChunk) == 0


async def test_at_most_five_attachments(world: World) -> None:
    slug = await world.collecting()
    token = await world.invite(slug)
    with pytest.raises(ValidationError, match="at most 5 attachments"):
        await world.contributions.submit(slug, token, fields(), [FakeUpload(f"{i}.txt", b"text") for i in range(6)])
    assert await count(world.db, m.Blob) == 0


async def test_a_limited_invitation_under_parallel_submits_is_used_exactly_up_to_its_limit(world: World) -> None:
    slug = await world.collecting()
    token = await world.invite(slug, max_contributions=2)
    outcomes = await asyncio.gather(*[world.contributions.submit(slug, token, fields()) for _ in range(6)],
                                    return_exceptions=True)
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 2
    assert all(isinstance(o, InvitationError) for o in outcomes if isinstance(o, BaseException))
    assert await count(world.db, m.Contribution) == 2


# -- receipts: edit and withdraw ---------------------------------------------------------------


async def test_edit_makes_a_new_version_and_deletes_the_old_ciphertext(world: World) -> None:
    slug = await world.collecting()
    token = await world.invite(slug)
    first = await world.contributions.submit(slug, token, fields(), [FakeUpload("a.txt", "бірінші".encode()),
                                                                     FakeUpload("b.png", png())])
    async with world.db.read() as session:
        old_blobs = set((await session.execute(select(m.Blob.id))).scalars())
    edited = await world.contributions.edit(first.id, first.receipt_token, fields(title="Жаңа тақырып"),
                                            [FakeUpload("c.txt", "үшінші".encode())], keep=[1])
    assert edited.version == 2 and edited.commitment != first.commitment
    document = envelope.parse_document(await world.contributions.own_document(first.id, first.receipt_token))
    assert document.title == "Жаңа тақырып"
    assert [a.name for a in document.attachments] == ["b.png", "c.txt"]
    async with world.db.read() as session:
        assert not old_blobs & set((await session.execute(select(m.Blob.id))).scalars())
        assert (await session.execute(select(func.count()).select_from(m.Blob))).scalar_one() == 3
    chunks = b"".join([c async for c in world.contributions.attachment_stream(
        await world.capsules.get(slug), await _row(world, first.id), 0)])
    assert chunks == png()


async def test_withdraw_deletes_the_ciphertext_and_the_deadline_ends_both(world: World) -> None:
    slug = await world.collecting(submissions_close_at=datetime(2026, 4, 1, tzinfo=UTC))
    token = await world.invite(slug)
    keep = await world.contributions.submit(slug, token, fields(), [FakeUpload("a.txt", b"abc")])
    gone = await world.contributions.submit(slug, token, fields())
    assert (await world.contributions.withdraw(gone.id, gone.receipt_token)).status == Status.WITHDRAWN
    async with world.db.read() as session:
        assert (await session.execute(select(func.count()).select_from(m.Blob).where(m.Blob.contribution_id == gone.id))).scalar_one() == 0
    world.clock.set(datetime(2026, 4, 1, tzinfo=UTC))
    with pytest.raises(DeadlineError):
        await world.contributions.withdraw(keep.id, keep.receipt_token)
    with pytest.raises(DeadlineError):
        await world.contributions.edit(keep.id, keep.receipt_token, fields())


async def test_a_wrong_receipt_token_reveals_nothing(world: World) -> None:
    slug = await world.collecting()
    receipt = await world.contributions.submit(slug, await world.invite(slug), fields())
    other = await world.contributions.submit(slug, await world.invite(slug, "Other"), fields())
    for token in (other.receipt_token, "rct_" + "A" * 43, ""):
        with pytest.raises(NotFoundError, match="no such receipt"):
            await world.contributions.receipt(receipt.id, token)


# -- moderation --------------------------------------------------------------------------------


async def test_moderation_reads_are_audited_and_decisions_reach_the_receipt(world: World) -> None:
    slug = await world.collecting()
    receipt = await world.contributions.submit(slug, await world.invite(slug), fields())
    [item] = await world.moderation.read(slug)
    assert item.document.body.startswith("Әрбір ауданда")
    await world.moderation.decide(slug, receipt.id, "reject", "Мәтінді қысқартыңыз")
    shown = await world.contributions.receipt(receipt.id, receipt.receipt_token)
    assert shown.status == Status.REJECTED and shown.decision_note == "Мәтінді қысқартыңыз"
    async with world.db.read() as session:
        log = [audit.parse_event(e.body) for e in await audit_log.events(session, (await world.capsules.get(slug)).id)]
    assert [e.type for e in log] == ["capsule.created", "capsule.published", "invitation.created",
                                     "contribution.submitted", "contribution.read", "contribution.rejected"]
    assert log[-1].data == {"contribution_id": str(receipt.id), "has_note": True}
    assert "Мәтінді" not in repr(log)


async def test_with_moderation_off_contributions_are_accepted_on_arrival(world: World) -> None:
    slug = await world.collecting(moderation=False)
    receipt = await world.contributions.submit(slug, await world.invite(slug), fields())
    assert receipt.status == Status.ACCEPTED


async def test_the_audit_chain_of_a_busy_capsule_verifies(world: World) -> None:
    slug = await world.collecting()
    tokens_ = [await world.invite(slug, f"Org {i}") for i in range(4)]
    await asyncio.gather(*[world.contributions.submit(slug, t, fields()) for t in tokens_ for _ in range(2)])
    async with world.db.read() as session:
        capsule = await world.capsules.get(slug)
        lines = (await audit_log.jsonl(session, capsule.id)).splitlines()
        ref = await audit_log.head(session, capsule.id)
    assert audit.verify_chain(lines) == ref
    assert ref.size == 2 + 4 + 8


async def _row(world: World, contribution_id: object) -> m.Contribution:
    async with world.db.read() as session:
        row = await session.get(m.Contribution, contribution_id)
    assert row is not None
    return row
