"""What pages say about a capsule's seal and locks: read from the signed certificate once
sealed, else from the settings (the drand round of an opening date is known in advance).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from capsule.core import certificate, tlock
from capsule.persistence.database import Database
from capsule.web.api.seal_info import seal_infos
from capsule.web.qr import fingerprint_digits


@dataclass(frozen=True)
class LockFact:
    """One lock as a page explains it. Only the fields of its type are set."""

    type: str
    threshold: int = 0
    shares: int = 0
    round: int = 0
    round_at: datetime | None = None
    chain: str = ""
    chain_hash: str = ""


@dataclass(frozen=True)
class SealFacts:
    """The published seal (metadata of the signed certificate)."""

    fingerprint: str
    sealed_at: datetime
    items: int
    kinds: dict[str, int]
    content_root: str
    locks: list[LockFact] = field(default_factory=list)

    @property
    def digits(self) -> str:
        return fingerprint_digits(self.fingerprint)


def lock_facts(capsule: Any) -> list[LockFact]:
    """The capsule's locks in their order, as its settings have them (before sealing)."""
    facts = []
    for lock in capsule.locks or []:
        if lock.get("type") == "custodians":
            facts.append(LockFact("custodians", threshold=int(lock["threshold"]),
                                  shares=int(lock["shares"])))
        elif lock.get("type") == "drand":
            # The round is fixed by the opening date alone (FORMAT §7), so it can be shown early.
            rnd = tlock.round_at(capsule.opening_at)
            facts.append(_drand(rnd, tlock.QUICKNET.chain_hash.hex()))
        else:
            facts.append(LockFact("server"))
    return facts


def _from_info(info: certificate.LockInfo) -> LockFact:
    if isinstance(info, certificate.CustodiansLockInfo):
        return LockFact("custodians", threshold=info.threshold, shares=info.shares)
    if isinstance(info, certificate.DrandLockInfo):
        return _drand(info.round, info.chain_hash)
    return LockFact("server")


def _drand(rnd: int, chain_hash: str) -> LockFact:
    known = chain_hash == tlock.QUICKNET.chain_hash.hex()
    return LockFact("drand", round=rnd, chain_hash=chain_hash,
                    chain=tlock.QUICKNET.beacon_id if known else "",
                    round_at=tlock.round_time(rnd) if known else None)


async def seal_facts(db: Database, capsule: Any) -> SealFacts | None:
    """The seal of `capsule` as its signed certificate says, or None before sealing."""
    info = (await seal_infos(db, [capsule.id])).get(capsule.id)
    if info is None:
        return None
    return SealFacts(fingerprint=info.fingerprint, sealed_at=capsule.sealed_at, items=info.items,
                     kinds=dict(info.kinds), content_root=info.content_root,
                     locks=[_from_info(lock) for lock in info.locks])

