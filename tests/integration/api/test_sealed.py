"""After sealing: receipts carry their inclusion proof, and nothing more can be sent or read.

Also: no response of the whole flow ever carries a private key, a prekey, a wrapped data key
or a stored hash of a token or password.
"""

from __future__ import annotations

import base64

import httpx
from sqlalchemy import select

from capsule.core import merkle
from capsule.core.clock import ManualClock
from capsule.core.service_keys import ServiceKeys
from capsule.persistence import models as m
from capsule.persistence.database import Database
from capsule.persistence.services.sealing import SealService
from tests.factories.collecting import png
from tests.integration.api.conftest import Api, kk_fields


async def test_after_sealing_receipts_prove_inclusion_and_the_capsule_takes_nothing(
    api: Api, db: Database, clock: ManualClock, service_keys: ServiceKeys,
) -> None:
    responses: list[httpx.Response] = []

    async def keep(response: httpx.Response) -> None:
        await response.aread()
        responses.append(response)

    api.client.event_hooks["response"].append(keep)
    await api.collecting(moderation=False)
    invitation = await api.invite(max_contributions=5)
    receipts = [(await api.submit(invitation["token"], data=kk_fields(title=f"Мақсат №{n}"),
                                  files=[("attachments", ("сурет.png", png(), "image/png"))])).json()
                for n in range(3)]
    await api.contributions(content=1)
    async with db.read() as session:
        prekey = (await session.execute(select(m.Capsule.prekey))).scalar_one()
    outcome = await SealService(db, clock, service_keys).seal("almaty-2026")

    for receipt in receipts:
        shown = (await api.client.get(f"/api/v1/receipts/{receipt['id']}",
                                      params={"token": receipt["receipt_token"]})).json()
        assert shown["status"] == "sealed"
        proof = shown["inclusion_proof"]
        assert proof["tree_size"] == 3
        merkle.verify_inclusion(bytes.fromhex(receipt["commitment"]), proof["index"], proof["tree_size"],
                                [bytes.fromhex(h) for h in proof["path"]], bytes.fromhex(proof["root"]))
    capsule = (await api.client.get("/api/v1/capsules/almaty-2026")).json()
    assert capsule["state"] == "sealed" and capsule["counts"]["by_status"] == {"sealed": 3}

    refused = [
        await api.submit(invitation["token"]),
        await api.client.get("/api/v1/capsules/almaty-2026/contributions", params={"content": 1}, headers=api.auth),
        await api.client.get(f"/api/v1/capsules/almaty-2026/contributions/{receipts[0]['id']}/attachments/0",
                             headers=api.auth),
        await api.client.get(f"/api/v1/receipts/{receipts[0]['id']}/document",
                             params={"token": receipts[0]["receipt_token"]}),
        await api.client.put(f"/api/v1/receipts/{receipts[0]['id']}", params={"token": receipts[0]["receipt_token"]},
                             json=kk_fields()),
        await api.client.post("/api/v1/capsules/almaty-2026/invitations", json={"organization": "Кеш"},
                              headers=api.auth),
    ]
    assert [r.status_code for r in refused] == [409] * len(refused)
    assert (await api.contributions())[0]["status"] == "sealed"  # metadata stays visible to organizers

    async with db.read() as session:
        secrets = [prekey, *(await session.execute(select(m.Contribution.wrapped_dek))).scalars(),
                   *(await session.execute(select(m.Contribution.receipt_token_hash))).scalars(),
                   *(await session.execute(select(m.Invitation.token_hash))).scalars(),
                   *(await session.execute(select(m.ApiToken.token_hash))).scalars()]
        passwords = list((await session.execute(select(m.User.password_hash))).scalars())
    everything = b"".join(r.content + str(r.headers).encode() for r in responses)
    assert len(responses) > 10 and outcome.fingerprint
    for secret in secrets:
        for form in (secret, secret.hex().encode(), base64.b64encode(secret), base64.urlsafe_b64encode(secret)):
            assert form not in everything
    for password_hash in passwords:
        assert password_hash.encode() not in everything
