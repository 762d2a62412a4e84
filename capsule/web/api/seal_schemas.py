"""API v1 schemas of sealing, opening and the opened contents (DESIGN §4.4–4.8, §5).

Hashes are lowercase hex, keys base64, times UTC text (FORMAT §1). Nothing here carries a
secret except `SealOut.custodian_shares` (shown once, in the seal response only) and
`OpeningOut.private_key` (published on purpose once the capsule is open, FORMAT §9).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from capsule.core.certificate import CustodiansLockInfo, DrandLockInfo, LockInfo
from capsule.core.clock import utc_text
from capsule.core.opening import Report
from capsule.core.tlock import QUICKNET, round_at, round_time

# Who could open a capsule before its date; the pages turn each code into a sentence.
TRUST_OF_LOCK = {"server": "operator", "custodians": "custodians", "drand": "nobody"}


class LockOut(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One lock and its public parameters; `trust` says who could open it before the date:
    `operator` (server), `custodians` (any `threshold` of them), `nobody` (drand)."""

    type: str
    trust: str
    threshold: int | None = None
    shares: int | None = None
    # drand: the round of the opening date, when its beacon is published, the chain (quicknet).
    round: int | None = None
    round_at: str | None = None
    chain_hash: str | None = None

    @classmethod
    def of_config(cls, config: dict[str, Any], opening_at: Any) -> LockOut:
        """Before sealing: from the organizer's configuration (the drand round follows the date)."""
        kind = str(config["type"])
        out = cls(type=kind, trust=TRUST_OF_LOCK.get(kind, "unknown"),
                  threshold=config.get("threshold"), shares=config.get("shares"))
        if kind == "drand":
            rnd = round_at(opening_at)
            out.round, out.round_at, out.chain_hash = rnd, utc_text(round_time(rnd)), QUICKNET.chain_hash.hex()
        return out

    @classmethod
    def of_info(cls, info: LockInfo) -> LockOut:
        """Once sealed: from the signed certificate."""
        if isinstance(info, CustodiansLockInfo):
            return cls(type="custodians", trust="custodians", threshold=info.threshold, shares=info.shares)
        if isinstance(info, DrandLockInfo):
            return cls(type="drand", trust="nobody", round=info.round, round_at=utc_text(round_time(info.round)),
                       chain_hash=info.chain_hash)
        return cls(type="server", trust="operator")


def capsule_trust(policy: str, types: list[str]) -> str:
    """Who could open the capsule before its date, as one stable code: `operator`, `custodians`,
    `operator_or_custodians` (policy any), `operator_and_custodians` (policy all) or `nobody`."""
    if policy == "all":
        if "drand" in types:
            return "nobody"  # the beacon does not exist before the date, whoever else agrees
        return "operator_and_custodians" if {"server", "custodians"} <= set(types) else TRUST_OF_LOCK[types[0]]
    could = [who for who in ("operator", "custodians") if any(TRUST_OF_LOCK[t] == who for t in types)]
    return "_or_".join(could) or "nobody"


# -- sealing -----------------------------------------------------------------------------------


class SealRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # True: contributions still pending are left out (each an audit event) instead of a 409.
    exclude_pending: bool = False


class SealOut(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The ceremony's result. `custodian_shares` (custodians lock only) are in this response
    and nowhere else, ever: hand each to its custodian now."""

    slug: str
    fingerprint: str  # read aloud: 10 groups of 4 hex digits (FORMAT §6)
    certificate_url: str
    signature_url: str
    archive_url: str
    items: int
    excluded: int
    custodian_shares: list[str] | None = None


class SealProgressOut(msgspec.Struct, kw_only=True):
    """`state` idle (no seal under way), running, done or failed; `phase` checking, locking,
    manifest or storing; `done` of `total` in that phase."""

    state: Literal["idle", "running", "done", "failed"]
    phase: str = ""
    done: int = 0
    total: int = 0
    updated_at: str | None = None
    error: str | None = None  # the error code of a failed seal


class ProofOut(msgspec.Struct, kw_only=True):
    """RFC 9162 inclusion proof of item `index`; take `tree_size` and `root` from the signed
    certificate (`items`, `content_root`) when checking it (FORMAT §4)."""

    index: int
    tree_size: int
    leaf: str  # the item's commitment (SHA-256 of its canonical document)
    path: list[str]
    root: str


# -- opening -----------------------------------------------------------------------------------

Mnemonic = Annotated[str, Meta(max_length=1000, description="one custodian share: 33 words (or their first 4 letters)")]


class OpenRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    shares: Annotated[list[Mnemonic], Meta(max_length=16)] = []
    # The drand beacon signature of the capsule's round, pasted by hand (air-gapped opening).
    drand_signature: Annotated[str, Meta(max_length=256, pattern="^[0-9a-fA-F]*$")] | None = None


class ShareEnter(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    share: Mnemonic


class FailureOut(msgspec.Struct, kw_only=True):
    index: int
    id: UUID
    code: str  # e.g. integrity.failed, crypto.decrypt_failed
    message: str


class ReportOut(msgspec.Struct, kw_only=True):
    """The verification report (DESIGN §4.7): `verified` of `total`, and which failed and why."""

    ok: bool
    total: int
    verified: int
    failed: list[FailureOut]
    content_root: str
    content_root_ok: bool | None
    capsule_id: UUID
    format: str

    @classmethod
    def of(cls, report: Report) -> ReportOut:
        return cls(ok=report.ok, total=report.total, verified=report.verified, content_root=report.content_root,
                   content_root_ok=report.content_root_ok, capsule_id=report.capsule_id, format=report.format,
                   failed=[FailureOut(index=f.index, id=f.id, code=f.code, message=f.message) for f in report.failed])


class ShareProgressOut(msgspec.Struct, kw_only=True, omit_defaults=True):
    entered: int
    threshold: int
    opened: bool
    report: ReportOut | None = None


class OpeningOut(msgspec.Struct, kw_only=True):
    """The published opening record: with `private_key` and the sealed archive anyone can open
    and check the capsule offline (`capsule open ARCHIVE --key …`)."""

    slug: str
    opened_at: str
    private_key: str  # base64, 96 bytes (FORMAT §2.2)
    report: ReportOut


# -- the opened contents -----------------------------------------------------------------------


class ItemAttachmentOut(msgspec.Struct, kw_only=True):
    name: str
    media_type: str
    size: int
    sha256: str
    url: str


class ItemOut(msgspec.Struct, kw_only=True):
    """One opened item. An item that did not verify has `verified: false`, its `failure` code
    and no content."""

    index: int
    kind: str
    verified: bool
    commitment: str
    proof_url: str
    title: str = ""
    body: str = ""
    author_name: str = ""
    author_role: str = ""
    organization: str = ""
    language: str = ""
    submitted_at: str = ""
    attachments: list[ItemAttachmentOut] = []
    failure: str | None = None


class ItemListOut(msgspec.Struct, kw_only=True):
    items: list[ItemOut]
    total: int  # matching items in all
    offset: int
    limit: int
