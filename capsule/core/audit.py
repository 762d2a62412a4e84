"""The public audit log of a capsule: a hash chain of metadata events (FORMAT §8).

Event n (from 1) is canonical JSON `{"actor","at","data","seq","type"}` and
`hash_n = SHA-256(hash_{n-1} ‖ event bytes)` from 32 zero bytes. The log is public forever, so
what an event may carry is a whitelist per event type, checked whenever an Event is built or
parsed: identifiers, counts, hashes, dates, enumerated values and the organization name.
Nothing a person wrote (titles, texts, names, a rejection note) can enter it.

The certificate records the log's size and head right after `capsule.sealed`; that event
therefore cannot carry the fingerprint (the certificate would hash itself). Later events may.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, Final
from uuid import UUID

import msgspec

from capsule.core import canonical
from capsule.core.clock import parse_utc_text
from capsule.core.errors import FormatError, TamperError
from capsule.core.lifecycle import Kind

GENESIS: Final = bytes(32)


class EventType(enum.StrEnum):
    CAPSULE_CREATED = "capsule.created"
    CAPSULE_UPDATED = "capsule.updated"
    CAPSULE_PUBLISHED = "capsule.published"
    INVITATION_CREATED = "invitation.created"
    INVITATION_REVOKED = "invitation.revoked"
    CONTRIBUTION_SUBMITTED = "contribution.submitted"
    CONTRIBUTION_EDITED = "contribution.edited"
    CONTRIBUTION_WITHDRAWN = "contribution.withdrawn"
    CONTRIBUTION_ACCEPTED = "contribution.accepted"
    CONTRIBUTION_REJECTED = "contribution.rejected"
    CONTRIBUTION_READ = "contribution.read"  # an organizer read content before sealing
    CONTRIBUTION_EXCLUDED = "contribution.excluded"  # still pending when the capsule was sealed
    CAPSULE_SEALED = "capsule.sealed"
    CAPSULE_OPENING_STARTED = "capsule.opening_started"
    SHARE_ENTERED = "share.entered"
    SHARE_REFUSED = "share.refused"  # a wrong, duplicate or foreign custodian share
    LOCK_OPENED = "lock.opened"  # one lock gave up its opening secret
    CAPSULE_OPENED = "capsule.opened"


class Actor(enum.StrEnum):
    """A role, never a person: the log names no one."""

    ORGANIZER = "organizer"
    CONTRIBUTOR = "contributor"
    CUSTODIAN = "custodian"
    SYSTEM = "system"
    PUBLIC = "public"


# -- what a value may be ----------------------------------------------------------------------


def _count(v: Any) -> bool:
    return type(v) is int and 0 <= v <= 10**9


def _uuid(v: Any) -> bool:
    try:
        return isinstance(v, str) and str(UUID(v)) == v
    except ValueError:
        return False


def _pattern(regex: str) -> Callable[[Any], bool]:
    compiled = re.compile(regex)
    return lambda v: isinstance(v, str) and compiled.fullmatch(v) is not None


def _utc(v: Any) -> bool:
    try:
        return isinstance(v, str) and bool(parse_utc_text(v))
    except ValueError:
        return False


def _organization(v: Any) -> bool:
    # The one name the spec allows: the invitation's organization, as the organizer typed it.
    return isinstance(v, str) and 0 < len(v) <= 200 and v.isprintable()


def _one_of(*allowed: str) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, str) and v in allowed


def _names(*allowed: str) -> Callable[[Any], bool]:
    def check(v: Any) -> bool:
        names = v if isinstance(v, list) and all(isinstance(x, str) for x in v) else None
        return names is not None and len(set(names)) == len(names) and set(names) <= set(allowed)

    return check


_LOCK_TYPES: Final = ("server", "custodians", "drand")
_SETTINGS: Final = ("title", "description", "translations", "slug", "timezone", "opening_at",
                    "submissions_close_at", "moderation", "auto_open", "lock_policy", "locks")

_VALUE: Final[Mapping[str, Callable[[Any], bool]]] = {
    "contribution_id": _uuid,
    "invitation_id": _uuid,
    "organization": _organization,
    "kind": _one_of(*Kind),
    "version": _count,
    "attachments": _count,
    "commitment": _pattern(r"[0-9a-f]{64}"),
    "has_note": lambda v: type(v) is bool,  # whether the organizer left a note; never the note
    "items": _count,
    "excluded": _count,
    "content_root": _pattern(r"[0-9a-f]{64}"),
    "manifest_sha256": _pattern(r"[0-9a-f]{64}"),
    "fingerprint": _pattern(r"[0-9A-F]{4}( [0-9A-F]{4}){9}"),
    "opening_at": _utc,
    "submissions_close_at": _utc,
    "fields": _names(*_SETTINGS),  # which settings changed; never their values
    "lock_policy": _one_of("any", "all"),
    "locks": _names(*_LOCK_TYPES),
    "lock": _one_of(*_LOCK_TYPES),
    "threshold": _count,
    "shares_entered": _count,
    "reason": _one_of("invalid", "duplicate", "foreign"),
    "verified": _count,
    "failed": _count,
}

_E = EventType
_ALLOWED: Final[Mapping[EventType, frozenset[str]]] = {
    _E.CAPSULE_CREATED: frozenset({"opening_at", "submissions_close_at", "lock_policy", "locks"}),
    _E.CAPSULE_UPDATED: frozenset({"fields", "opening_at", "submissions_close_at", "lock_policy",
                                   "locks"}),
    _E.CAPSULE_PUBLISHED: frozenset({"opening_at", "submissions_close_at"}),
    _E.INVITATION_CREATED: frozenset({"invitation_id", "organization"}),
    _E.INVITATION_REVOKED: frozenset({"invitation_id"}),
    _E.CONTRIBUTION_SUBMITTED: frozenset({"contribution_id", "invitation_id", "organization",
                                          "kind", "commitment", "attachments"}),
    _E.CONTRIBUTION_EDITED: frozenset({"contribution_id", "version", "kind", "commitment",
                                       "attachments"}),
    _E.CONTRIBUTION_WITHDRAWN: frozenset({"contribution_id"}),
    _E.CONTRIBUTION_ACCEPTED: frozenset({"contribution_id", "has_note"}),
    _E.CONTRIBUTION_REJECTED: frozenset({"contribution_id", "has_note"}),
    _E.CONTRIBUTION_READ: frozenset({"contribution_id", "items"}),
    _E.CONTRIBUTION_EXCLUDED: frozenset({"contribution_id"}),
    _E.CAPSULE_SEALED: frozenset({"items", "excluded", "content_root", "manifest_sha256"}),
    _E.CAPSULE_OPENING_STARTED: frozenset({"fingerprint", "lock"}),
    _E.SHARE_ENTERED: frozenset({"shares_entered", "threshold"}),
    _E.SHARE_REFUSED: frozenset({"reason", "shares_entered"}),
    _E.LOCK_OPENED: frozenset({"lock"}),
    _E.CAPSULE_OPENED: frozenset({"fingerprint", "items", "verified", "failed"}),
}


def check_event_data(type_: EventType | str, data: Mapping[str, Any]) -> None:
    """Refuse any data key an event of `type_` may not carry, or a value not of its kind.

    Raises:
        FormatError: unknown event type, a key outside the whitelist, or a bad value.
    """
    try:
        allowed = _ALLOWED[EventType(type_)]
    except ValueError:
        raise FormatError(f"unknown audit event type {type_!r}") from None
    for key, value in data.items():
        if key not in allowed:
            raise FormatError(f"audit event {type_} may not carry {key!r} (the log is public)")
        if not _VALUE[key](value):
            raise FormatError(f"audit event {type_}: {key} {value!r} is not an allowed value")


# -- events and the chain ---------------------------------------------------------------------


class AuditRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """A point in a log: how many events (`size`) and the hash after the last one (`head`, hex)."""

    size: int
    head: str

    def __post_init__(self) -> None:
        if type(self.size) is not int or self.size < 0:
            raise FormatError(f"audit size must be a count, got {self.size!r}")
        canonical.unhex(self.head, what="audit head", length=32)


class Event(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    seq: int
    at: datetime
    type: EventType
    actor: Actor
    data: dict[str, Any] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        if type(self.seq) is not int or self.seq < 1:
            raise FormatError(f"audit seq must count from 1, got {self.seq!r}")
        offset = self.at.utcoffset() if isinstance(self.at, datetime) else None
        if offset is None or offset.total_seconds() or self.at.microsecond:
            raise FormatError(f"audit event {self.seq}: time {self.at!s} is not UTC seconds")
        if self.actor not in list(Actor):
            raise FormatError(f"audit event {self.seq}: unknown actor {self.actor!r}")
        check_event_data(self.type, self.data)
        # Callers may pass plain strings; keep the enums, so equality with parsed events holds.
        msgspec.structs.force_setattr(self, "type", EventType(self.type))
        msgspec.structs.force_setattr(self, "actor", Actor(self.actor))


def encode_event(event: Event) -> bytes:
    """The canonical bytes of `event`, the unit that is hashed and written as one JSONL line."""
    return canonical.encode(event)


def parse_event(data: bytes) -> Event:
    """Parse one canonical event.

    Raises:
        FormatError: not canonical JSON of an allowed event.
    """
    try:
        return canonical.decode(bytes(data), Event, what="audit event")
    except UnicodeDecodeError:  # msgspec raises it for bad UTF-8 inside a string
        raise FormatError("audit event is not valid UTF-8") from None


def chain_hash(prev: bytes, event_bytes: bytes) -> bytes:
    """SHA-256(prev ‖ event bytes): the hash after one more event."""
    return hashlib.sha256(prev + event_bytes).digest()


def append(
    prev_head: bytes, seq: int, at: datetime, type_: EventType, actor: Actor,
    data: Mapping[str, Any],
) -> tuple[bytes, bytes]:
    """Build event `seq` after `prev_head`; return its canonical bytes and its chain hash.

    Raises:
        FormatError: the event is not allowed (bad seq, time, or data outside the whitelist).
    """
    if len(prev_head) != 32:
        raise FormatError(f"previous head must be 32 bytes, got {len(prev_head)}")
    body = encode_event(Event(seq=seq, at=at, type=type_, actor=actor, data=dict(data)))
    return body, chain_hash(prev_head, body)


def _heads(lines: Iterable[bytes]) -> Iterator[tuple[int, bytes]]:
    # Yield (seq, hash after that event) line by line, refusing a line that is not event seq.
    head = GENESIS
    for seq, line in enumerate(lines, start=1):
        try:
            event = parse_event(line)
        except FormatError as exc:
            raise FormatError(f"audit log seq {seq}: {exc}", seq=seq) from None
        if event.seq != seq:
            raise TamperError(f"audit log seq {seq}: line {seq} holds seq {event.seq}", seq=seq)
        head = chain_hash(head, bytes(line))
        yield seq, head


def verify_chain(lines: Iterable[bytes], *, hashes: Sequence[bytes] | None = None) -> AuditRef:
    """Recompute the chain over the events' canonical bytes and return its size and head.

    With `hashes` (the stored hash of each event, as the service and its JSON feed publish
    them), a changed event is named by its seq; without them only a later head can show it.

    Raises:
        FormatError: a line is not a canonical, allowed event (named by its seq).
        TamperError: seqs not 1, 2, 3…, or an event's hash differs from `hashes` (names the seq).
    """
    size, head = 0, GENESIS
    for size, head in _heads(lines):
        if hashes is not None and (size > len(hashes) or hashes[size - 1] != head):
            raise TamperError(f"audit log seq {size}: hash differs from the recorded one", seq=size)
    if hashes is not None and len(hashes) != size:
        raise TamperError(f"audit log has {size} events but {len(hashes)} recorded hashes")
    return AuditRef(size=size, head=head.hex())


def verify_prefix(lines: Iterable[bytes], size: int, head: str) -> AuditRef:
    """Check that the (possibly longer) log has hash `head` (hex) after event `size`.

    This checks a certificate's `audit` against the log as it is later: events appended after
    sealing (the opening) must not change what was sealed. Returns the whole log's size and head.

    Raises:
        FormatError: a line is malformed (see `verify_chain`).
        TamperError: the log is shorter than `size`, or has another hash after event `size`.
    """
    total, last, at_size = 0, GENESIS, GENESIS if size == 0 else None
    for total, last in _heads(lines):
        if total == size:
            at_size = last
    if at_size is None:
        raise TamperError(f"audit log has {total} events, the certificate records {size}")
    if at_size.hex() != head:
        raise TamperError(
            f"audit log seq {size}: head {at_size.hex()} is not the recorded {head}", seq=size
        )
    return AuditRef(size=total, head=last.hex())


def to_jsonl(events: Iterable[Event]) -> bytes:
    """`audit-log.jsonl`: each event's canonical bytes followed by one newline."""
    return b"".join(encode_event(e) + b"\n" for e in events)


def jsonl_lines(data: bytes) -> list[bytes]:
    """Split `audit-log.jsonl` into event lines (without their newlines).

    Raises:
        FormatError: the file does not end with a newline, or has an empty line.
    """
    if not data:
        return []
    if not data.endswith(b"\n"):
        raise FormatError("audit log must end with a newline")
    lines = data[:-1].split(b"\n")
    for n, line in enumerate(lines, start=1):
        if not line:
            raise FormatError(f"audit log line {n} is empty")
    return lines


def parse_jsonl(data: bytes) -> list[Event]:
    """Parse `audit-log.jsonl` into events (the chain is checked by `verify_chain`).

    Raises:
        FormatError: a line is not a canonical, allowed event.
    """
    return [parse_event(line) for line in jsonl_lines(data)]
