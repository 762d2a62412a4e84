"""The public audit log (FORMAT §8): the chain, tamper evidence, and what may never enter it."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from capsule.core import audit
from capsule.core.audit import Actor, EventType
from capsule.core.errors import CapsuleError, FormatError, TamperError

T0 = datetime(2026, 3, 5, 5, 0, tzinfo=UTC)
CONTRIBUTION = "6f1c2a4e-8b7d-4c3e-9f0a-1b2c3d4e5f60"

EVENTS: list[tuple[EventType, Actor, dict[str, Any]]] = [
    (EventType.CAPSULE_CREATED, Actor.ORGANIZER,
     {"opening_at": "2036-03-05T07:00:00Z", "lock_policy": "any", "locks": ["server"]}),
    (EventType.CAPSULE_PUBLISHED, Actor.ORGANIZER, {}),
    (EventType.INVITATION_CREATED, Actor.ORGANIZER,
     {"invitation_id": "11111111-2222-4333-8444-555555555555", "organization": "Жастар ұйымы"}),
    (EventType.CONTRIBUTION_SUBMITTED, Actor.CONTRIBUTOR,
     {"contribution_id": CONTRIBUTION, "organization": "Жастар ұйымы", "kind": "goal",
      "commitment": "ab" * 32, "attachments": 1}),
    (EventType.CONTRIBUTION_READ, Actor.ORGANIZER, {"contribution_id": CONTRIBUTION}),
    (EventType.CONTRIBUTION_REJECTED, Actor.ORGANIZER,
     {"contribution_id": CONTRIBUTION, "has_note": True}),
    (EventType.CAPSULE_SEALED, Actor.ORGANIZER,
     {"items": 0, "excluded": 0, "content_root": "cd" * 32, "manifest_sha256": "ef" * 32}),
]


def build(
    events: list[tuple[EventType, Actor, dict[str, Any]]] = EVENTS,
) -> tuple[list[bytes], list[bytes]]:
    lines, hashes, head = [], [], audit.GENESIS
    for seq, (type_, actor, data) in enumerate(events, start=1):
        body, head = audit.append(head, seq, T0 + timedelta(minutes=seq), type_, actor, data)
        lines.append(body)
        hashes.append(head)
    return lines, hashes


# -- the chain -------------------------------------------------------------------------------


def test_genesis_is_32_zero_bytes_and_an_empty_log_ends_there() -> None:
    assert audit.GENESIS == b"\x00" * 32
    assert audit.verify_chain([]) == audit.AuditRef(size=0, head="00" * 32)


def test_the_chain_is_sha256_of_the_previous_hash_and_the_event_bytes() -> None:
    lines, hashes = build()
    head = b"\x00" * 32
    for line, stored in zip(lines, hashes, strict=True):
        head = hashlib.sha256(head + line).digest()
        assert head == stored
    assert audit.verify_chain(lines) == audit.AuditRef(size=len(lines), head=head.hex())
    assert audit.verify_chain(lines, hashes=hashes).head == head.hex()


def test_an_event_is_canonical_json_with_the_fields_of_format_8() -> None:
    body, _ = audit.append(
        audit.GENESIS, 1, T0, EventType.CONTRIBUTION_WITHDRAWN, Actor.CONTRIBUTOR,
        {"contribution_id": CONTRIBUTION},
    )
    assert body == (
        b'{"actor":"contributor","at":"2026-03-05T05:00:00Z","data":{"contribution_id":"'
        + CONTRIBUTION.encode() + b'"},"seq":1,"type":"contribution.withdrawn"}'
    )


def test_jsonl_round_trip() -> None:
    lines, _ = build()
    events = [audit.parse_event(line) for line in lines]
    data = audit.to_jsonl(events)
    assert data == b"".join(line + b"\n" for line in lines)
    assert audit.parse_jsonl(data) == events
    assert audit.jsonl_lines(data) == lines
    assert audit.parse_jsonl(b"") == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"a":1}', "must end with a newline"),
        (b"\n", "line 1 is empty"),
        (b"x\n\nx\n", "line 2 is empty"),
    ],
)
def test_jsonl_framing_is_strict(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        audit.jsonl_lines(data)


# -- tampering -------------------------------------------------------------------------------


def test_every_single_bit_flip_is_named_by_its_seq() -> None:
    lines, hashes = build()
    for n, line in enumerate(lines, start=1):
        for bit in range(len(line) * 8):
            flipped = bytearray(line)
            flipped[bit // 8] ^= 1 << (bit % 8)
            changed = [*lines[: n - 1], bytes(flipped), *lines[n:]]
            with pytest.raises((FormatError, TamperError), match=f"^audit log seq {n}: "):
                audit.verify_chain(changed, hashes=hashes)


def test_a_changed_event_shows_against_the_certificate_head() -> None:
    lines, hashes = build()
    sealed = audit.verify_chain(lines)
    changed = list(lines)
    changed[2] = changed[2].replace("Жастар".encode(), "Жасар".encode() + b"!")
    assert audit.verify_chain(changed).head != sealed.head  # still a well formed chain, another head
    want = f"audit log seq {len(lines)}: head [0-9a-f]{{64}} is not the recorded"
    with pytest.raises(TamperError, match=want):
        audit.verify_prefix(changed, sealed.size, sealed.head)
    with pytest.raises(TamperError, match="audit log seq 3: hash differs from the recorded one"):
        audit.verify_chain(changed, hashes=hashes)


@pytest.mark.parametrize(
    ("reorder", "message"),
    [
        (lambda ls: [ls[1], ls[0], *ls[2:]], "audit log seq 1: line 1 holds seq 2"),
        (lambda ls: [*ls[:3], *ls[4:]], "audit log seq 4: line 4 holds seq 5"),
        (lambda ls: [*ls[:3], ls[2], *ls[3:]], "audit log seq 4: line 4 holds seq 3"),
        (lambda ls: ls[1:], "audit log seq 1: line 1 holds seq 2"),
    ],
)
def test_reordered_removed_or_repeated_lines_are_named(reorder: Any, message: str) -> None:
    lines, _ = build()
    with pytest.raises(TamperError, match=message):
        audit.verify_chain(reorder(lines))


def test_a_truncated_log_falls_short_of_the_certificate() -> None:
    lines, hashes = build()
    with pytest.raises(TamperError, match="audit log has 6 events, the certificate records 7"):
        audit.verify_prefix(lines[:-1], 7, hashes[-1].hex())
    with pytest.raises(TamperError, match="audit log has 6 events but 7 recorded hashes"):
        audit.verify_chain(lines[:-1], hashes=hashes)


def test_a_longer_log_still_holds_the_sealed_prefix() -> None:
    lines, hashes = build()
    later, head = list(lines), hashes[-1]
    body, head = audit.append(
        head, 8, T0 + timedelta(days=3653), EventType.CAPSULE_OPENED, Actor.SYSTEM,
        {"items": 0, "verified": 0, "failed": 0},
    )
    later.append(body)
    whole = audit.verify_prefix(later, 7, hashes[-1].hex())
    assert whole == audit.AuditRef(size=8, head=head.hex())
    assert audit.verify_prefix(later, 0, "00" * 32).size == 8
    with pytest.raises(TamperError, match="audit log seq 6: head"):
        audit.verify_prefix(later, 6, hashes[-1].hex())


@given(st.lists(st.sampled_from(EVENTS), max_size=12), st.data())
def test_any_swap_of_two_events_is_detected(events: list[Any], data: st.DataObject) -> None:
    lines, hashes = build(events)
    assert audit.verify_chain(lines, hashes=hashes).size == len(lines)
    if len(lines) > 1:
        i = data.draw(st.integers(0, len(lines) - 2))
        j = data.draw(st.integers(i + 1, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
        want = f"audit log seq {i + 1}: line {i + 1} holds seq {j + 1}"
        with pytest.raises(TamperError, match=want):
            audit.verify_chain(lines)


# -- what an event may carry -----------------------------------------------------------------


@pytest.mark.parametrize("type_", list(EventType))
def test_every_event_type_has_a_whitelist(type_: EventType) -> None:
    audit.check_event_data(type_, {})


@pytest.mark.parametrize(
    "key", ["title", "body", "text", "author", "author_name", "name", "email", "role", "note",
            "decision_note", "attachment_name", "share", "words", "token", "ip", "salt", "dek"],
)
@pytest.mark.parametrize("type_", list(EventType))
def test_content_and_personal_keys_are_refused_for_every_event(type_: EventType, key: str) -> None:
    want = f"audit event {type_} may not carry '{key}' \\(the log is public\\)"
    with pytest.raises(FormatError, match=want):
        audit.check_event_data(type_, {key: "x"})


@pytest.mark.parametrize(
    ("type_", "data", "message"),
    [
        (EventType.CONTRIBUTION_REJECTED, {"has_note": "the text is rude"}, "has_note 'the text"),
        (EventType.CONTRIBUTION_SUBMITTED, {"organization": "x" * 201}, "organization 'x+'"),
        (EventType.CONTRIBUTION_SUBMITTED, {"organization": "a\nb"}, "organization"),
        (EventType.CONTRIBUTION_SUBMITTED, {"organization": {"name": "x"}}, "organization"),
        (EventType.CONTRIBUTION_SUBMITTED, {"contribution_id": CONTRIBUTION.upper()}, "contribution"),
        (EventType.CONTRIBUTION_SUBMITTED, {"kind": "wish"}, "kind 'wish'"),
        (EventType.CONTRIBUTION_SUBMITTED, {"attachments": 1.0}, "attachments 1.0"),
        (EventType.CONTRIBUTION_SUBMITTED, {"attachments": True}, "attachments True"),
        (EventType.CONTRIBUTION_SUBMITTED, {"attachments": -1}, "attachments -1"),
        (EventType.CONTRIBUTION_SUBMITTED, {"commitment": "AB" * 32}, "commitment"),
        (EventType.CAPSULE_UPDATED, {"fields": ["title", "secret"]}, "fields"),
        (EventType.CAPSULE_UPDATED, {"fields": ["title", "title"]}, "fields"),
        (EventType.CAPSULE_UPDATED, {"locks": [{"type": "server"}]}, "locks"),
        (EventType.CAPSULE_UPDATED, {"locks": "server"}, "locks"),
        (EventType.CAPSULE_UPDATED, {"opening_at": "2036-03-05T12:00+05:00"}, "opening_at"),
        (EventType.CAPSULE_OPENED, {"fingerprint": "3f2a 9c1b"}, "fingerprint"),
        (EventType.SHARE_REFUSED, {"reason": "the words were: apple banana"}, "reason"),
    ],
)
def test_values_must_be_of_their_kind(
    type_: EventType, data: dict[str, Any], message: str
) -> None:
    want = f"audit event {type_}: {message}.* is not an allowed value"
    with pytest.raises(FormatError, match=want):
        audit.check_event_data(type_, data)


def test_keys_are_allowed_only_where_they_mean_something() -> None:
    # The seal event cannot carry the fingerprint: the certificate hashes the log up to it.
    with pytest.raises(FormatError, match="capsule.sealed may not carry 'fingerprint'"):
        audit.check_event_data(EventType.CAPSULE_SEALED, {"fingerprint": "ABCD " * 9 + "ABCD"})
    audit.check_event_data(EventType.CAPSULE_OPENED, {"fingerprint": "ABCD " * 9 + "ABCD"})
    with pytest.raises(FormatError, match="invitation.revoked may not carry 'organization'"):
        audit.check_event_data(EventType.INVITATION_REVOKED, {"organization": "x"})


def test_unknown_types_and_actors_are_refused() -> None:
    with pytest.raises(FormatError, match="unknown audit event type 'capsule.deleted'"):
        audit.append(audit.GENESIS, 1, T0, "capsule.deleted", Actor.SYSTEM, {})  # type: ignore[arg-type]
    with pytest.raises(FormatError, match="audit event 1: unknown actor 'aigul'"):
        audit.append(audit.GENESIS, 1, T0, EventType.CAPSULE_SEALED, "aigul", {})  # type: ignore[arg-type]


def test_plain_strings_become_enums() -> None:
    event = audit.Event(seq=1, at=T0, type="capsule.sealed", actor="system")  # type: ignore[arg-type]
    assert event.type is EventType.CAPSULE_SEALED and event.actor is Actor.SYSTEM
    assert audit.parse_event(audit.encode_event(event)) == event


@pytest.mark.parametrize(
    ("seq", "at", "message"),
    [
        (0, T0, "audit seq must count from 1, got 0"),
        (1, T0.astimezone(timezone(timedelta(hours=5))), "audit event 1: time .*\\+05:00 is not UTC"),
        (1, "2026-03-05T05:00:00Z", "audit event 1: time 2026-03-05T05:00:00Z is not UTC seconds"),
        (1, T0.replace(microsecond=5), "audit event 1: .* is not UTC seconds"),
    ],
)
def test_seq_and_time_are_checked(seq: int, at: datetime, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        audit.Event(seq=seq, at=at, type=EventType.CAPSULE_SEALED, actor=Actor.SYSTEM)


def test_a_log_line_carrying_content_is_malformed() -> None:
    line = (b'{"actor":"organizer","at":"2026-03-05T05:00:00Z","data":{"note":"too rude"},'
            b'"seq":1,"type":"contribution.rejected"}')
    with pytest.raises(FormatError, match="audit log seq 1: .* may not carry 'note'"):
        audit.verify_chain([line])


def test_previous_head_must_be_a_hash() -> None:
    with pytest.raises(FormatError, match="previous head must be 32 bytes, got 31"):
        audit.append(bytes(31), 1, T0, EventType.CAPSULE_SEALED, Actor.SYSTEM, {})


def test_errors_carry_the_seq() -> None:
    lines, _ = build()
    with pytest.raises(CapsuleError) as info:
        audit.verify_chain([lines[1]])
    assert info.value.params == {"seq": 1}
    assert UUID(CONTRIBUTION)  # the fixture id is a real UUID
