"""The capsule lifecycle and the contribution statuses, as data plus functions that raise.

    draft --publish--> collecting --seal--> sealed --open--> opened

Opening needs more than the transition: `check_openable` holds the date rule.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Final

from capsule.core.clock import check_aware, utc_text
from capsule.core.errors import DeadlineError, LockedError, TransitionError


class State(enum.StrEnum):
    DRAFT = "draft"
    COLLECTING = "collecting"
    SEALED = "sealed"
    OPENED = "opened"


class Action(enum.StrEnum):
    EDIT = "edit"
    PUBLISH = "publish"
    SEAL = "seal"
    OPEN = "open"


class Kind(enum.StrEnum):
    """What a contribution is; the order here is the order of the public page."""

    GOAL = "goal"  # strategic goal
    PRIORITY = "priority"
    APPEAL = "appeal"


class Status(enum.StrEnum):
    """Where one contribution stands. Every receipt ends in exactly one final status."""

    DRAFT = "draft"  # encrypted, shown for preview, not yet submitted (no receipt, not counted)
    PENDING = "pending"  # waiting for moderation
    ACCEPTED = "accepted"  # will be sealed (moderation off, or an organizer accepted it)
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    SEALED = "sealed"  # in the sealed set
    EXCLUDED = "excluded"  # still pending at sealing; the organizer chose to seal without it


# Where every submitted contribution ends once its capsule is sealed. (Before sealing a
# rejection can still be reversed; a withdrawal cannot.)
SEALED_OUTCOMES: Final = frozenset({Status.REJECTED, Status.WITHDRAWN, Status.SEALED, Status.EXCLUDED})

_NEXT: Final = {
    (State.DRAFT, Action.EDIT): State.DRAFT,
    (State.DRAFT, Action.PUBLISH): State.COLLECTING,
    (State.COLLECTING, Action.SEAL): State.SEALED,
    (State.SEALED, Action.OPEN): State.OPENED,
}

_DECISIONS: Final = {
    (Status.PENDING, "accept"): Status.ACCEPTED,
    (Status.PENDING, "reject"): Status.REJECTED,
    # An organizer may change their mind while the capsule is still collecting.
    (Status.ACCEPTED, "reject"): Status.REJECTED,
    (Status.REJECTED, "accept"): Status.ACCEPTED,
}


def advance(state: State, action: Action) -> State:
    """The state after `action`.

    Raises:
        TransitionError: `action` is not allowed in `state`.
    """
    try:
        return _NEXT[state, action]
    except KeyError:
        raise TransitionError(f"cannot {action} a {state} capsule", state=state, action=action) from None


def decide(status: Status, decision: str) -> Status:
    """The status after a moderation decision (`accept` or `reject`).

    Raises:
        TransitionError: the contribution is not open to that decision.
    """
    try:
        return _DECISIONS[status, decision]
    except KeyError:
        raise TransitionError(
            f"cannot {decision} a {status} contribution", status=status, decision=decision
        ) from None


def check_openable(opening_at: datetime, now: datetime) -> None:
    """Refuse anything that reveals content before `opening_at`.

    Raises:
        LockedError: `now` is before `opening_at`.
    """
    if check_aware(now) < check_aware(opening_at):
        raise LockedError(
            f"capsule is locked: it opens at {utc_text(opening_at)}", opens_at=utc_text(opening_at)
        )


def check_collecting(state: State, closes_at: datetime | None, now: datetime) -> None:
    """Refuse a submission, edit or withdrawal when the capsule no longer collects.

    Raises:
        TransitionError: the capsule is not collecting.
        DeadlineError: the submission deadline has passed.
    """
    if state is not State.COLLECTING:
        raise TransitionError(f"capsule is {state}, not collecting contributions", state=state)
    if closes_at is not None and check_aware(now) >= check_aware(closes_at):
        raise DeadlineError(
            f"submissions closed at {utc_text(closes_at)}", closed_at=utc_text(closes_at)
        )
