"""Custodian shares: SLIP-39 mnemonics of a lock's opening secret (FORMAT §7, `custodians`).

The opening secret (32 bytes) is the SLIP-39 master secret, split into one group, k of n,
with an empty passphrase, iteration exponent 1 and the extendable flag off: the original
SLIP-39 that every implementation since 2019 reads, so a custodian's words can be combined
by any SLIP-39 tool in 2036 (Trezor, `shamir` of python-shamir-mnemonic, …).

Each failure has its own error class and stable code, because the opening page takes shares
one at a time from different people and must tell each one exactly what is wrong with
theirs: a word that is not in the list (`share.word`), a checksum that fails (`share.checksum`),
a share of another capsule (`share.foreign`), the same share twice (`share.duplicate`), too
few shares (`share.too_few`). Messages never quote the words: they are secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from shamir_mnemonic import MnemonicError, combine_mnemonics, generate_mnemonics
from shamir_mnemonic.share import Share
from shamir_mnemonic.wordlist import WORD_INDEX_MAP, WORDLIST

from capsule.core.certificate import CustodiansLockInfo
from capsule.core.errors import (
    FormatError,
    ShareChecksumError,
    ShareDuplicateError,
    ShareForeignError,
    ShareTooFewError,
    ShareWordError,
)

SECRET_SIZE: Final = 32
ITERATION_EXPONENT: Final = 1
EXTENDABLE: Final = False
# identifier+flags (2) + parameters (2) + 256-bit value (26) + checksum (3) words.
WORDS_PER_SHARE: Final = 33
# The `reason` of a `share.refused` audit event (FORMAT §8) for each share error code.
AUDIT_REASONS: Final = {"share.word": "invalid", "share.checksum": "invalid",
                        "share.foreign": "foreign", "share.duplicate": "duplicate"}
# SLIP-39 words are told apart by their first four letters, so custodians may type only those.
_PREFIX: Final = {word[:4]: word for word in WORDLIST}


def split_secret(secret: bytes, threshold: int, shares: int) -> tuple[int, list[str]]:
    """Split a 32-byte opening secret into `shares` mnemonics, any `threshold` of which
    recover it; return the SLIP-39 identifier (recorded in the certificate) and the mnemonics.

    Raises:
        FormatError: `secret` is not 32 bytes, or k, n are not 2 ≤ k ≤ n ≤ 16.
    """
    if len(secret) != SECRET_SIZE:
        raise FormatError(f"opening secret must be {SECRET_SIZE} bytes, got {len(secret)}")
    if not (type(threshold) is int and type(shares) is int and 2 <= threshold <= shares <= 16):
        raise FormatError(f"custodians {threshold!r} of {shares!r} is not 2 <= k <= n <= 16")
    groups = generate_mnemonics(1, [(threshold, shares)], bytes(secret), b"",
                                extendable=EXTENDABLE, iteration_exponent=ITERATION_EXPONENT)
    mnemonics = groups[0]
    return Share.from_mnemonic(mnemonics[0]).identifier, mnemonics


def normalize(mnemonic: str) -> str:
    """The share in its canonical form: lowercase words separated by one space; a word may
    be given by its first four letters (they are unique in the SLIP-39 list).

    Raises:
        ShareWordError: a word is not in the list (`params["word"]`, counting from 1).
    """
    words = []
    for position, token in enumerate(str(mnemonic).lower().split(), start=1):
        word = token if token in WORD_INDEX_MAP else _PREFIX.get(token[:4]) if len(token) >= 4 else None
        if word is None or not word.startswith(token):
            raise ShareWordError(f"word {position} is not a SLIP-39 word (check its spelling)",
                                 word=position, field="shares")
        words.append(word)
    return " ".join(words)


def parse_share(mnemonic: str, lock: CustodiansLockInfo, *, label: str = "share") -> Share:
    """Decode one share and check that it belongs to the capsule lock `lock`.

    `label` names the share in messages ("share 2" when several are entered at once).

    Raises:
        ShareWordError: a word is not in the SLIP-39 list.
        ShareChecksumError: wrong number of words, or the checksum fails (a mistyped word).
        ShareForeignError: a valid share, but of another capsule or another split.
    """
    try:
        words = normalize(mnemonic)
    except ShareWordError as exc:
        raise ShareWordError(f"{label}: {exc}", field="shares", **exc.params) from None
    count = len(words.split())
    if count != WORDS_PER_SHARE:
        raise ShareChecksumError(f"{label} has {count} words; a share has {WORDS_PER_SHARE}",
                                 words=count, field="shares")
    try:
        share = Share.from_mnemonic(words)
    except MnemonicError:
        raise ShareChecksumError(f"{label}: checksum does not match: a word is mistyped, "
                                 "missing or in the wrong place", field="shares") from None
    if share.identifier != lock.identifier:
        raise ShareForeignError(f"{label} belongs to another capsule (set {share.identifier}, "
                                f"this capsule's is {lock.identifier})", field="shares")
    if (share.extendable, share.iteration_exponent, share.group_threshold, share.group_count,
            share.member_threshold) != (EXTENDABLE, ITERATION_EXPONENT, 1, 1, lock.threshold) \
            or share.index >= lock.shares:
        raise ShareForeignError(f"{label} is not one of this capsule's {lock.threshold} of "
                                f"{lock.shares} shares", field="shares")
    return share


def check_share(mnemonic: str, lock: CustodiansLockInfo) -> int:
    """Check one share as it is entered; return its member index (0 to n−1), which tells
    a duplicate from a new custodian.

    Raises:
        ShareWordError, ShareChecksumError, ShareForeignError: as `parse_share`.
    """
    return parse_share(mnemonic, lock).index


def combine(mnemonics: Sequence[str], lock: CustodiansLockInfo) -> bytes:
    """The opening secret from at least `lock.threshold` distinct shares.

    Raises:
        ShareWordError, ShareChecksumError, ShareForeignError: a share is wrong (named by its
            place in `mnemonics`, from 1).
        ShareDuplicateError: the same custodian's share appears twice.
        ShareTooFewError: fewer distinct shares than the threshold ("need 2 of 3 shares").
    """
    by_index: dict[int, tuple[int, Share]] = {}
    for place, mnemonic in enumerate(mnemonics, start=1):
        share = parse_share(mnemonic, lock, label=f"share {place}")
        if share.index in by_index:
            first, other = by_index[share.index]
            if other.value == share.value:
                raise ShareDuplicateError(f"share {place} is the same as share {first}",
                                          share=place, field="shares")
            raise ShareForeignError(f"share {place} and share {first} claim the same custodian "
                                    "but differ: one is from another capsule", field="shares")
        by_index[share.index] = (place, share)
    k, n, given = lock.threshold, lock.shares, len(by_index)
    if given < k:
        raise ShareTooFewError(f"need {k} of {n} shares, got {given}", needed=k, shares=n,
                               given=given, field="shares")
    chosen = [share.mnemonic() for _, share in list(by_index.values())[:k]]
    try:
        secret = combine_mnemonics(chosen)
    except MnemonicError:
        # Same identifier and parameters, yet the digest fails: shares of two different
        # splits (another capsule whose 15-bit identifier happens to be the same).
        raise ShareForeignError("the shares do not belong together: at least one is from "
                                "another capsule", field="shares") from None
    if len(secret) != SECRET_SIZE:
        raise ShareForeignError(f"the shares hold a {len(secret)}-byte secret, not this "
                                "capsule's", field="shares")
    return secret
