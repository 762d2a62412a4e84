"""Locks (FORMAT §7): every lock type under both policies, the date rule of the server lock,
the drand lock against a real published beacon, and every custodian share error."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shamir_mnemonic.shamir import EncryptedMasterSecret, split_ems
from shamir_mnemonic.wordlist import WORDLIST

from capsule.core import labels, tlock
from capsule.core.certificate import CustodiansLockInfo, DrandLockInfo, ServerLockInfo
from capsule.core.errors import (
    DecryptionError,
    LockedError,
    ShareChecksumError,
    ShareDuplicateError,
    ShareError,
    ShareForeignError,
    ShareTooFewError,
    ShareWordError,
    SignatureError,
    TamperError,
    ValidationError,
)
from capsule.core.keys import generate_capsule_key, hkdf32
from capsule.core.locks import (
    CustodiansLock,
    DrandLock,
    LockedKey,
    ServerLock,
    check_locks,
    check_share,
    custodian_secret,
    drand_secret,
    lock_key,
    recover_private_key,
    seal_private_key,
    server_secret,
)
from capsule.core.manifest import AllKeySeal, AnyKeySeal
from capsule.core.audit import check_event_data
from capsule.core.shares import AUDIT_REASONS, normalize, split_secret

BEACONS = {b["round"]: bytes.fromhex(b["signature"]) for b in json.loads(
    (Path(__file__).parent / "tlock/testdata/quicknet_beacons.json").read_text())["beacons"]}
ROUND = 1000
ROUND_TIME = tlock.round_time(ROUND)  # 2023-08-23T15:59:24Z: its beacon is published
OPENING = datetime(2036, 3, 5, 7, 0, tzinfo=UTC)
MASTER = bytes(range(32))
KEYPAIR = generate_capsule_key()
FAST = tlock.get_backend("arkworks")


def seal(specs, policy="any", opening_at=OPENING, capsule_id: UUID | None = None, backend=FAST):
    cid = capsule_id or uuid4()
    return cid, seal_private_key(KEYPAIR.private, cid, opening_at, specs, policy, MASTER,
                                 drand_backend=backend)


def position(locked: LockedKey, kind: type) -> int:
    return next(i for i, info in enumerate(locked.locks) if isinstance(info, kind))


# --- settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(("specs", "policy", "match"), [
    ([], "any", "at least one lock"),
    ([ServerLock(), ServerLock()], "any", "appears twice"),
    ([ServerLock()], "some", "is not any or all"),
    ([ServerLock()], "all", "at least two locks"),
])
def test_bad_lock_settings_are_refused(specs, policy, match) -> None:
    with pytest.raises(ValidationError, match=match):
        check_locks(specs, policy)


@pytest.mark.parametrize(("k", "n"), [(1, 3), (4, 3), (2, 17), (0, 0)])
def test_custodians_need_two_to_sixteen(k: int, n: int) -> None:
    with pytest.raises(ValidationError, match="2 <= k <= n <= 16"):
        CustodiansLock(threshold=k, shares=n)


def test_a_drand_lock_alone_is_allowed() -> None:
    check_locks([DrandLock()], "any")


# --- policy any -----------------------------------------------------------------------------


def test_any_of_server_custodians_drand_each_opens_alone() -> None:
    cid, locked = seal([ServerLock(), CustodiansLock(threshold=2, shares=3), DrandLock()],
                       opening_at=ROUND_TIME)
    assert isinstance(locked.key_seal, AnyKeySeal) and len(locked.key_seal.sealed_keys) == 3
    assert [type(x) for x in locked.locks] == [ServerLockInfo, CustodiansLockInfo, DrandLockInfo]
    assert locked.locks[2] == DrandLockInfo(chain_hash=tlock.QUICKNET.chain_hash.hex(), round=ROUND)
    server = server_secret(locked.stored[0], cid, ROUND_TIME, MASTER, ROUND_TIME)
    shares = custodian_secret(locked.mnemonics[1:], locked.locks[1])
    drand = drand_secret(locked.stored[2].lock_file, BEACONS[ROUND], lock_info=locked.locks[2],
                         backend=FAST)
    for i, secret in enumerate((server, shares, drand)):
        assert recover_private_key(locked.key_seal, cid, {i: secret}, KEYPAIR.public) == KEYPAIR.private


def test_what_is_stored_per_lock() -> None:
    cid, locked = seal([ServerLock(), CustodiansLock(threshold=2, shares=3), DrandLock()])
    server, custodians, drand = locked.stored
    assert (server.type, server.params, server.lock_file) == ("server", {}, None)
    assert len(server.wrapped_secret) == 12 + 32 + 16
    assert custodians.wrapped_secret is None and custodians.lock_file is None
    assert custodians.params == {"threshold": 2, "shares": 3,
                                 "identifier": locked.locks[1].identifier}
    assert drand.lock_file.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----")
    assert tlock.parse_stanza(drand.lock_file).round == tlock.round_at(OPENING)
    assert [f.name for f in locked.lock_files] == ["locks/drand.age"]
    assert len(locked.mnemonics) == 3 and "redacted" in repr(locked)
    assert locked.mnemonics[0].split()[0] not in repr(locked)


def test_any_uses_the_formula_of_format_7() -> None:
    cid, locked = seal([ServerLock()])
    secret = server_secret(locked.stored[0], cid, OPENING, MASTER, OPENING)
    want = hkdf32(secret, labels.LOCK + cid.bytes + b"\x00")
    assert lock_key(secret, cid, 0) == want


def test_a_wrong_secret_does_not_open() -> None:
    cid, locked = seal([ServerLock()])
    with pytest.raises(DecryptionError, match="sealed key of lock 0"):
        recover_private_key(locked.key_seal, cid, {0: os.urandom(32)}, KEYPAIR.public)


def test_no_secret_is_locked() -> None:
    cid, locked = seal([ServerLock()])
    with pytest.raises(LockedError, match="no lock is open"):
        recover_private_key(locked.key_seal, cid, {}, KEYPAIR.public)


def test_a_key_that_is_not_the_capsules_is_refused() -> None:
    cid, locked = seal([ServerLock()])
    secret = server_secret(locked.stored[0], cid, OPENING, MASTER, OPENING)
    with pytest.raises(TamperError, match="does not match the capsule public key"):
        recover_private_key(locked.key_seal, cid, {0: secret}, generate_capsule_key().public)


# --- policy all ------------------------------------------------------------------------------


def test_all_of_drand_and_custodians_needs_both() -> None:
    cid, locked = seal([DrandLock(), CustodiansLock(threshold=2, shares=3)], "all",
                       opening_at=ROUND_TIME)
    assert isinstance(locked.key_seal, AllKeySeal)
    drand = drand_secret(locked.stored[0].lock_file, BEACONS[ROUND], backend=FAST)
    shares = custodian_secret([locked.mnemonics[2], locked.mnemonics[0]], locked.locks[1])
    both = {0: drand, 1: shares}
    assert recover_private_key(locked.key_seal, cid, both, KEYPAIR.public,
                               locks=locked.locks) == KEYPAIR.private
    with pytest.raises(LockedError, match="still closed: custodians"):
        recover_private_key(locked.key_seal, cid, {0: drand}, KEYPAIR.public, locks=locked.locks)
    with pytest.raises(LockedError, match="still closed: drand"):
        recover_private_key(locked.key_seal, cid, {1: shares}, KEYPAIR.public, locks=locked.locks)
    with pytest.raises(DecryptionError):  # two secrets in the wrong places
        recover_private_key(locked.key_seal, cid, {0: shares, 1: drand}, KEYPAIR.public)


def test_all_of_server_and_custodians() -> None:
    cid, locked = seal([ServerLock(), CustodiansLock(threshold=3, shares=5)], "all")
    secrets = {0: server_secret(locked.stored[0], cid, OPENING, MASTER, OPENING + timedelta(days=1)),
               1: custodian_secret(locked.mnemonics[2:], locked.locks[1])}
    assert recover_private_key(locked.key_seal, cid, secrets, KEYPAIR.public,
                               locks=locked.locks) == KEYPAIR.private


# --- the server lock ------------------------------------------------------------------------


def test_server_lock_refuses_one_second_before_and_opens_at_the_instant() -> None:
    cid, locked = seal([ServerLock()])
    with pytest.raises(LockedError, match="opens at 2036-03-05T07:00:00Z") as caught:
        server_secret(locked.stored[0], cid, OPENING, MASTER, OPENING - timedelta(seconds=1))
    assert caught.value.params["opens_at"] == "2036-03-05T07:00:00Z"
    secret = server_secret(locked.stored[0], cid, OPENING, MASTER, OPENING)
    assert recover_private_key(locked.key_seal, cid, {0: secret}, KEYPAIR.public) == KEYPAIR.private


def test_server_secret_is_bound_to_capsule_date_and_master() -> None:
    cid, locked = seal([ServerLock()])
    wrapped = locked.stored[0].wrapped_secret
    later = OPENING + timedelta(days=1)
    with pytest.raises(DecryptionError):  # an earlier date cannot be claimed: it is in the AAD
        server_secret(wrapped, cid, OPENING - timedelta(days=1), MASTER, later)
    with pytest.raises(DecryptionError):
        server_secret(wrapped, uuid4(), OPENING, MASTER, later)
    with pytest.raises(DecryptionError):
        server_secret(wrapped, cid, OPENING, bytes(32), later)


# --- the drand lock -------------------------------------------------------------------------


def test_drand_lock_with_py_ecc_too() -> None:
    slow = tlock.get_backend("pyecc")
    cid, locked = seal([DrandLock()], opening_at=ROUND_TIME, backend=slow)
    secret = drand_secret(locked.stored[0].lock_file, BEACONS[ROUND], backend=slow)
    assert recover_private_key(locked.key_seal, cid, {0: secret}, KEYPAIR.public) == KEYPAIR.private


def test_drand_lock_refuses_another_rounds_beacon() -> None:
    _, locked = seal([DrandLock()], opening_at=ROUND_TIME)
    with pytest.raises(SignatureError, match="round 1000"):
        drand_secret(locked.stored[0].lock_file, BEACONS[12040883], backend=FAST)


def test_drand_lock_file_must_be_for_the_certificates_round() -> None:
    _, locked = seal([DrandLock()], opening_at=ROUND_TIME)
    other = DrandLockInfo(chain_hash=tlock.QUICKNET.chain_hash.hex(), round=ROUND + 1)
    with pytest.raises(TamperError, match="the certificate says round 1001"):
        drand_secret(locked.stored[0].lock_file, BEACONS[ROUND], lock_info=other, backend=FAST)


def test_drand_round_is_never_before_the_opening() -> None:
    _, locked = seal([DrandLock()], opening_at=ROUND_TIME + timedelta(seconds=1))
    assert locked.locks[0].round == ROUND + 1


# --- custodian shares ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_of_three() -> tuple[list[str], CustodiansLockInfo, bytes]:
    secret = os.urandom(32)
    identifier, words = split_secret(secret, 2, 3)
    return words, CustodiansLockInfo(threshold=2, shares=3, identifier=identifier), secret


def replace_word(mnemonic: str, position: int, word: str) -> str:
    words = mnemonic.split()
    words[position] = word
    return " ".join(words)


def test_any_two_of_three_shares_recover_the_secret(two_of_three) -> None:
    words, info, secret = two_of_three
    for pair in ([0, 1], [1, 2], [2, 0]):
        assert custodian_secret([words[i] for i in pair], info) == secret
    assert custodian_secret(words, info) == secret  # more than k is fine


def test_shares_may_be_typed_loosely(two_of_three) -> None:
    words, info, secret = two_of_three
    short = " ".join(w[:4] for w in words[0].split())
    shouty = "  " + words[1].upper().replace(" ", "\n  ") + " "
    assert custodian_secret([short, shouty], info) == secret
    assert normalize(short) == words[0]


def test_check_share_gives_the_member_index(two_of_three) -> None:
    words, info, _ = two_of_three
    assert [check_share(w, info) for w in words] == [0, 1, 2]


def test_a_word_not_in_the_list(two_of_three) -> None:
    words, info, _ = two_of_three
    with pytest.raises(ShareWordError, match="share 2: word 6 is not a SLIP-39 word") as caught:
        custodian_secret([words[0], replace_word(words[1], 5, "qwzx")], info)
    assert caught.value.code == "share.word" and caught.value.params["word"] == 6
    assert "qwzx" not in str(caught.value)


def test_a_changed_word_fails_the_checksum(two_of_three) -> None:
    words, info, _ = two_of_three
    position = 10
    other = next(w for w in WORDLIST if w != words[0].split()[position])
    with pytest.raises(ShareChecksumError, match="share 1: checksum does not match") as caught:
        custodian_secret([replace_word(words[0], position, other), words[1]], info)
    assert caught.value.code == "share.checksum"
    with pytest.raises(ShareChecksumError, match="checksum"):
        check_share(replace_word(words[0], position, other), info)


def test_a_missing_word(two_of_three) -> None:
    words, info, _ = two_of_three
    with pytest.raises(ShareChecksumError, match="share has 32 words; a share has 33"):
        check_share(" ".join(words[0].split()[:-1]), info)


def test_a_share_of_another_capsule(two_of_three) -> None:
    words, info, _ = two_of_three
    identifier, others = split_secret(os.urandom(32), 2, 3)
    if identifier == info.identifier:  # one chance in 32768
        identifier, others = split_secret(os.urandom(32), 2, 3)
    with pytest.raises(ShareForeignError, match="share 2 belongs to another capsule") as caught:
        custodian_secret([words[0], others[1]], info)
    assert caught.value.code == "share.foreign"
    with pytest.raises(ShareForeignError):  # a 2-of-3 share is foreign to a 3-of-5 lock
        check_share(words[0], CustodiansLockInfo(threshold=3, shares=5, identifier=info.identifier))


def test_shares_of_two_splits_with_the_same_identifier(two_of_three) -> None:
    words, info, _ = two_of_three
    ems = EncryptedMasterSecret.from_master_secret(os.urandom(32), b"", info.identifier, False, 1)
    twin = [s.mnemonic() for s in split_ems(1, [(2, 3)], ems)[0]]
    with pytest.raises(ShareForeignError, match="do not belong together"):
        custodian_secret([words[0], twin[1]], info)
    with pytest.raises(ShareForeignError, match="claim the same custodian"):
        custodian_secret([words[0], twin[0]], info)


def test_the_same_share_twice(two_of_three) -> None:
    words, info, _ = two_of_three
    with pytest.raises(ShareDuplicateError, match="share 2 is the same as share 1") as caught:
        custodian_secret([words[0], words[0].upper()], info)
    assert caught.value.code == "share.duplicate"


def test_too_few_shares_says_how_many(two_of_three) -> None:
    words, info, _ = two_of_three
    with pytest.raises(ShareTooFewError, match="need 2 of 3 shares, got 1") as caught:
        custodian_secret(words[:1], info)
    assert caught.value.code == "share.too_few"
    assert caught.value.params == {"needed": 2, "shares": 3, "given": 1}
    with pytest.raises(ShareTooFewError, match="got 0"):
        custodian_secret([], info)


def test_share_errors_have_distinct_stable_codes() -> None:
    codes = [c.code for c in (ShareWordError, ShareChecksumError, ShareForeignError,
                              ShareDuplicateError, ShareTooFewError)]
    assert codes == ["share.word", "share.checksum", "share.foreign", "share.duplicate",
                     "share.too_few"]
    assert all(issubclass(c, ShareError) for c in (ShareWordError, ShareTooFewError))
    # Every refusal of a single share maps to a reason the public audit log may carry.
    assert set(AUDIT_REASONS) == set(codes) - {"share.too_few"}
    for reason in AUDIT_REASONS.values():
        check_event_data("share.refused", {"reason": reason, "shares_entered": 1})


@settings(max_examples=25)
@given(st.integers(2, 16).flatmap(lambda n: st.tuples(st.integers(2, n), st.just(n))),
       st.randoms(use_true_random=False))
def test_any_k_of_n_recover_and_k_minus_one_do_not(kn: tuple[int, int], rnd) -> None:
    k, n = kn
    secret = rnd.randbytes(32)
    identifier, words = split_secret(secret, k, n)
    info = CustodiansLockInfo(threshold=k, shares=n, identifier=identifier)
    chosen = rnd.sample(words, k)
    assert custodian_secret(chosen, info) == secret
    with pytest.raises(ShareTooFewError, match=f"need {k} of {n} shares, got {k - 1}"):
        custodian_secret(chosen[:-1], info)
