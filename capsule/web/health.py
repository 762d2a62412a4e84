"""Service endpoints: health and the published signing keys."""

from __future__ import annotations

import msgspec
from litestar import Controller, get
from sqlalchemy import text

from capsule import __version__
from capsule.core.canonical import b64
from capsule.core.service_keys import kid_of
from capsule.web.auth import PUBLIC
from capsule.web.deps import DbDep, KeysDep


class HealthOut(msgspec.Struct, frozen=True):
    status: str
    database: str
    version: str


class PublicKeyOut(msgspec.Struct, frozen=True):
    alg: str
    kid: str
    public_key: str


class SigningKeyOut(msgspec.Struct, frozen=True):
    alg: str
    kid: str
    public_key: str
    # Keys that signed earlier certificates; they stay published so those keep verifying.
    retired: list[PublicKeyOut]


class ServiceController(Controller):
    tags = ["service"]
    opt = {PUBLIC: True}  # health and published keys: for everyone

    @get("/healthz", cache=False)
    async def health(self, db: DbDep) -> HealthOut:
        async with db.read() as session:
            await session.execute(text("SELECT 1"))
        return HealthOut(status="ok", database="ok", version=__version__)

    @get("/.well-known/capsule/signing-key")
    async def signing_key(self, keys: KeysDep) -> SigningKeyOut:
        return SigningKeyOut(
            alg="Ed25519",
            kid=keys.signing.kid,
            public_key=b64(keys.signing.public_raw),
            retired=[PublicKeyOut(alg="Ed25519", kid=kid_of(raw), public_key=b64(raw)) for raw in keys.retired],
        )
