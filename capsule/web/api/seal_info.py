"""The public facts of a seal as the capsule calls show them, read from the signed certificate.

A certificate never changes once stored, so what is parsed from it is kept per capsule id
(with the fingerprint, to be safe against a reused id in a scratch database).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import select

from capsule.core import certificate
from capsule.core.clock import utc_text
from capsule.persistence import models as m
from capsule.persistence.database import Database

_CACHE_MAX = 256


@dataclass(frozen=True)
class SealInfo:
    fingerprint: str
    sealed_at: str
    content_root: str
    items: int
    kinds: dict[str, int]
    locks: tuple[certificate.LockInfo, ...]


_parsed: dict[tuple[UUID, str], SealInfo] = {}


def _info(row: Any) -> SealInfo:
    key = (row.capsule_id, row.fingerprint)
    info = _parsed.get(key)
    if info is None:
        cert = certificate.parse_certificate(row.certificate)
        info = SealInfo(fingerprint=row.fingerprint, sealed_at=utc_text(cert.sealed_at), content_root=cert.content_root,
                        items=cert.items, kinds=dict(cert.kinds), locks=tuple(cert.locks))
        if len(_parsed) >= _CACHE_MAX:
            _parsed.clear()
        _parsed[key] = info
    return info


async def seal_infos(db: Database, capsule_ids: Sequence[UUID]) -> dict[UUID, SealInfo]:
    """The seal of each of these capsules that is sealed (one query)."""
    if not capsule_ids:
        return {}
    async with db.read() as session:
        # Not the whole row: the manifest may be megabytes.
        rows = (await session.execute(select(m.Seal.capsule_id, m.Seal.fingerprint, m.Seal.certificate)
                                      .where(m.Seal.capsule_id.in_(list(capsule_ids))))).all()
    return {row.capsule_id: _info(row) for row in rows}
