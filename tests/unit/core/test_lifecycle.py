"""The capsule lifecycle: every transition, every decision, and the date rules to the second."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest

from capsule.core.errors import DeadlineError, LockedError, TransitionError
from capsule.core.lifecycle import (
    SEALED_OUTCOMES, Action, Kind, State, Status, advance, check_collecting, check_openable, decide,
)

ALLOWED = {
    (State.DRAFT, Action.EDIT): State.DRAFT,
    (State.DRAFT, Action.PUBLISH): State.COLLECTING,
    (State.COLLECTING, Action.SEAL): State.SEALED,
    (State.SEALED, Action.OPEN): State.OPENED,
}
DECISIONS = {
    (Status.PENDING, "accept"): Status.ACCEPTED,
    (Status.PENDING, "reject"): Status.REJECTED,
    (Status.ACCEPTED, "reject"): Status.REJECTED,
    (Status.REJECTED, "accept"): Status.ACCEPTED,
}
OPENING = datetime(2036, 3, 5, 7, 0, tzinfo=UTC)
CLOSES = datetime(2026, 3, 4, 19, 0, tzinfo=UTC)


@pytest.mark.parametrize(("state", "action"), list(ALLOWED))
def test_allowed_transition(state: State, action: Action) -> None:
    assert advance(state, action) is ALLOWED[state, action]


FORBIDDEN = [pair for pair in itertools.product(State, Action) if pair not in ALLOWED]


@pytest.mark.parametrize(("state", "action"), FORBIDDEN)
def test_forbidden_transition(state: State, action: Action) -> None:
    with pytest.raises(TransitionError, match=f"^cannot {action} a {state} capsule$") as info:
        advance(state, action)
    assert info.value.code == "capsule.bad_state"
    assert info.value.params == {"state": state, "action": action}


def test_there_is_no_way_back_and_no_skipping() -> None:
    assert len(FORBIDDEN) == len(State) * len(Action) - 4
    assert (State.DRAFT, Action.SEAL) in FORBIDDEN  # sealing needs a collecting capsule
    assert (State.COLLECTING, Action.OPEN) in FORBIDDEN  # opening needs a sealed one
    assert (State.SEALED, Action.EDIT) in FORBIDDEN  # a sealed capsule never changes
    assert (State.OPENED, Action.SEAL) in FORBIDDEN


@pytest.mark.parametrize(("status", "decision"), list(DECISIONS))
def test_allowed_decision(status: Status, decision: str) -> None:
    assert decide(status, decision) is DECISIONS[status, decision]


@pytest.mark.parametrize(
    ("status", "decision"),
    [p for p in itertools.product(Status, ["accept", "reject", "maybe"]) if p not in DECISIONS],
)
def test_forbidden_decision(status: Status, decision: str) -> None:
    want = f"^cannot {decision} a {status} contribution$"
    with pytest.raises(TransitionError, match=want) as info:
        decide(status, decision)
    assert info.value.params == {"status": status, "decision": decision}


def test_final_statuses_take_no_decision_except_a_reversible_rejection() -> None:
    # A rejection may be revisited while collecting; withdrawn, sealed and excluded are final.
    for status in SEALED_OUTCOMES - {Status.REJECTED}:
        for decision in ("accept", "reject"):
            with pytest.raises(TransitionError):
                decide(status, decision)
    assert Status.PENDING not in SEALED_OUTCOMES and Status.ACCEPTED not in SEALED_OUTCOMES


def test_kinds_in_page_order() -> None:
    assert [k.value for k in Kind] == ["goal", "priority", "appeal"]


# -- opening: the exact instant --------------------------------------------------------------


def test_openable_at_the_exact_instant() -> None:
    check_openable(OPENING, OPENING)
    check_openable(OPENING, OPENING + timedelta(microseconds=1))


def test_locked_one_microsecond_before() -> None:
    want = "^capsule is locked: it opens at 2036-03-05T07:00:00Z$"
    with pytest.raises(LockedError, match=want) as info:
        check_openable(OPENING, OPENING - timedelta(microseconds=1))
    assert info.value.code == "capsule.locked"
    assert info.value.params == {"opens_at": "2036-03-05T07:00:00Z"}


def test_opening_compares_instants_across_offsets() -> None:
    almaty = timezone(timedelta(hours=5))
    opening_local = datetime(2036, 3, 5, 12, 0, tzinfo=almaty)  # the same instant as OPENING
    check_openable(opening_local, OPENING)
    with pytest.raises(LockedError, match="opens at 2036-03-05T07:00:00Z"):
        check_openable(opening_local, datetime(2036, 3, 5, 11, 59, 59, tzinfo=almaty))


def test_naive_times_are_a_bug_not_a_guess() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        check_openable(OPENING, datetime(2036, 3, 5, 8, 0))
    with pytest.raises(ValueError, match="naive datetime"):
        check_collecting(State.COLLECTING, datetime(2026, 3, 4, 19, 0), CLOSES)


# -- collecting ------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [s for s in State if s is not State.COLLECTING])
def test_only_a_collecting_capsule_takes_contributions(state: State) -> None:
    want = f"^capsule is {state}, not collecting contributions$"
    with pytest.raises(TransitionError, match=want):
        check_collecting(state, None, CLOSES - timedelta(days=1))


def test_collecting_without_a_deadline_is_always_open() -> None:
    check_collecting(State.COLLECTING, None, datetime(2099, 1, 1, tzinfo=UTC))


def test_the_deadline_closes_at_its_exact_instant() -> None:
    check_collecting(State.COLLECTING, CLOSES, CLOSES - timedelta(microseconds=1))
    with pytest.raises(DeadlineError, match="^submissions closed at 2026-03-04T19:00:00Z$") as info:
        check_collecting(State.COLLECTING, CLOSES, CLOSES)
    assert info.value.code == "capsule.submissions_closed"
    assert info.value.params == {"closed_at": "2026-03-04T19:00:00Z"}
    with pytest.raises(DeadlineError):
        check_collecting(State.COLLECTING, CLOSES, CLOSES + timedelta(days=1))


def test_the_state_is_checked_before_the_deadline() -> None:
    with pytest.raises(TransitionError, match="capsule is sealed"):
        check_collecting(State.SEALED, CLOSES, CLOSES + timedelta(days=1))
