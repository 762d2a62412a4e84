"""Opening through the API: 423 for everyone before the date, the report after it, custodians
one share at a time with a code per refusal, a pasted drand beacon, auto-open, the published
opening record."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

from capsule.core import keys
from capsule.core.clock import ManualClock
from tests.factories.collecting import OPENING
from tests.integration.api.conftest import Api

BEACONS = json.loads((Path(__file__).parents[2] / "unit/core/tlock/testdata/quicknet_beacons.json").read_text())
ROUND = 1000
SIGNATURE = next(b["signature"] for b in BEACONS["beacons"] if b["round"] == ROUND)


async def test_open_is_423_before_the_date_even_for_organizers_then_opens_with_the_server_lock(
        api: Api, clock: ManualClock) -> None:
    await api.sealed()
    early = await api.client.post("/api/v1/capsules/almaty-2026/open", headers=api.auth)
    assert early.status_code == 423 and early.json()["code"] == "capsule.locked"
    assert early.json()["params"]["opens_at"] == "2036-03-05T07:00:00Z"
    clock.set(OPENING - timedelta(seconds=1))
    assert (await api.client.post("/api/v1/capsules/almaty-2026/open", headers=api.auth)).status_code == 423
    assert (await api.client.post("/api/v1/capsules/almaty-2026/open")).status_code == 401
    clock.set(OPENING)
    opened = await api.client.post("/api/v1/capsules/almaty-2026/open", headers=api.auth, json={})
    assert opened.status_code == 200, opened.text
    report = opened.json()
    assert report["ok"] and (report["verified"], report["total"], report["failed"]) == (3, 3, [])
    again = await api.client.post("/api/v1/capsules/almaty-2026/open", headers=api.auth)
    assert again.json() == report  # idempotent
    shown = (await api.client.get("/api/v1/capsules/almaty-2026")).json()
    assert shown["state"] == "opened" and shown["opened_at"] == "2036-03-05T07:00:00Z"

    record = (await api.client.get("/api/v1/capsules/almaty-2026/opening")).json()
    assert record["report"] == report and record["opened_at"] == "2036-03-05T07:00:00Z"
    private_key = base64.b64decode(record["private_key"])
    assert keys.public_key_of(private_key) == base64.b64decode(shown["public_key"])
    log = (await api.client.get("/api/v1/capsules/almaty-2026/log")).json()["events"]
    assert [e["type"] for e in log][-2:] == ["lock.opened", "capsule.opened"]


async def test_a_bad_open_body_is_refused(api: Api, clock: ManualClock) -> None:
    await api.sealed()
    clock.set(OPENING)
    odd = await api.client.post("/api/v1/capsules/almaty-2026/open", headers=api.auth, json={"drand_signature": "abc"})
    assert odd.status_code == 422 and odd.json()["params"]["field"] == "drand_signature"
    unknown = await api.client.post("/api/v1/capsules/almaty-2026/open", headers=api.auth, json={"keys": []})
    assert unknown.status_code in (400, 422)
    assert (await api.client.get("/api/v1/capsules/almaty-2026")).json()["state"] == "sealed"


async def test_custodians_enter_shares_one_at_a_time_each_refusal_with_its_code(api: Api, clock: ManualClock) -> None:
    two_of_three = [{"type": "custodians", "threshold": 2, "shares": 3}]
    _, sealed = await api.sealed(locks=two_of_three)
    _, other = await api.sealed("other-capsule", locks=two_of_three)
    first, second, _ = sealed["custodian_shares"]
    url = "/api/v1/capsules/almaty-2026/shares"
    early = await api.client.post(url, json={"share": first})
    assert early.status_code == 423 and early.json()["params"]["opens_at"] == "2036-03-05T07:00:00Z"
    clock.set(OPENING + timedelta(hours=1))
    words = first.split()
    refusals = {
        "share.word": " ".join(["qwertyuiop", *words[1:]]),
        "share.checksum": " ".join([words[0], words[2], words[1], *words[3:]]),
        "share.foreign": other["custodian_shares"][0],
    }
    for code, share in refusals.items():
        refused = await api.client.post(url, json={"share": share})
        assert (refused.status_code, refused.json()["code"]) == (422, code), refused.text
    assert (await api.client.post(url, json={"share": ""})).status_code == 422
    one = await api.client.post(url, json={"share": first.upper()})
    assert one.json() == {"entered": 1, "threshold": 2, "opened": False}
    assert "no-store" in one.headers["cache-control"]
    duplicate = await api.client.post(url, json={"share": first})
    assert (duplicate.status_code, duplicate.json()["code"]) == (422, "share.duplicate")
    assert (await api.client.get(url)).json() == {"entered": 1, "threshold": 2, "opened": False}
    still = await api.client.get("/api/v1/capsules/almaty-2026/items")
    assert still.status_code == 423
    assert (await api.client.post("/api/v1/capsules/almaty-2026/open", headers=api.auth)).json()["params"][
        "waiting"] == ["custodians"]
    done = (await api.client.post(url, json={"share": second})).json()
    assert done["opened"] is True and done["report"]["verified"] == 3
    assert (await api.client.get("/api/v1/capsules/almaty-2026/items")).json()["total"] == 3
    late = await api.client.post(url, json={"share": sealed["custodian_shares"][2]})
    assert late.status_code == 409


async def test_too_many_share_attempts_from_one_address_are_429(api: Api, clock: ManualClock) -> None:
    _, sealed = await api.sealed(locks=[{"type": "custodians", "threshold": 2, "shares": 3}])
    clock.set(OPENING)
    answers = [await api.client.post("/api/v1/capsules/almaty-2026/shares", json={"share": "nonsense words"})
               for _ in range(11)]
    assert [a.status_code for a in answers] == [422] * 10 + [429]
    assert answers[-1].json()["code"] == "rate_limited"
    clock.advance(minutes=1)
    accepted = await api.client.post("/api/v1/capsules/almaty-2026/shares",
                                     json={"share": sealed["custodian_shares"][0]})
    assert accepted.status_code == 200


async def test_shares_on_a_capsule_without_custodians_are_409(api: Api, clock: ManualClock) -> None:
    await api.sealed()
    clock.set(OPENING)
    refused = await api.client.post("/api/v1/capsules/almaty-2026/shares", json={"share": "a b c"})
    assert refused.status_code == 409


async def test_a_drand_lock_opens_with_a_pasted_beacon(api: Api, clock: ManualClock) -> None:
    from capsule.core import tlock

    opens = tlock.round_time(ROUND)  # 2023: the capsule is made "before" that, on the manual clock
    clock.set(opens - timedelta(hours=1))
    opening_at = opens.isoformat()
    _, sealed = await api.sealed(locks=[{"type": "drand"}], opening_at=opening_at)
    shown = (await api.client.get("/api/v1/capsules/almaty-2026")).json()
    assert shown["locks"] == [{"type": "drand", "trust": "nobody", "round": ROUND, "round_at": shown["opening_at"],
                               "chain_hash": tlock.QUICKNET.chain_hash.hex()}]
    early = await api.client.post("/api/v1/capsules/almaty-2026/open", headers=api.auth,
                                  json={"drand_signature": SIGNATURE})
    assert early.status_code == 423
    clock.set(opens)
    wrong = next(b["signature"] for b in BEACONS["beacons"] if b["round"] != ROUND)
    refused = await api.client.post("/api/v1/capsules/almaty-2026/open", headers=api.auth,
                                    json={"drand_signature": wrong})
    assert refused.status_code == 422 and refused.json()["code"] == "signature.invalid"
    opened = await api.client.post("/api/v1/capsules/almaty-2026/open", headers=api.auth,
                                   json={"drand_signature": SIGNATURE})
    assert opened.status_code == 200 and opened.json()["ok"]


async def test_a_capsule_set_to_open_itself_opens_on_the_first_public_read(api: Api, clock: ManualClock) -> None:
    await api.sealed(auto_open=True)
    assert (await api.client.get("/api/v1/capsules/almaty-2026/items")).status_code == 423
    clock.set(OPENING)
    items = await api.client.get("/api/v1/capsules/almaty-2026/items")
    assert items.status_code == 200 and items.json()["total"] == 3
    assert (await api.client.get("/api/v1/capsules/almaty-2026")).json()["state"] == "opened"


async def test_without_auto_open_the_capsule_waits_for_the_organizer(api: Api, clock: ManualClock) -> None:
    await api.sealed()
    clock.set(OPENING + timedelta(days=1))
    waiting = await api.client.get("/api/v1/capsules/almaty-2026/items")
    assert waiting.status_code == 423
    assert (await api.client.get("/api/v1/capsules/almaty-2026/opening")).status_code == 423
