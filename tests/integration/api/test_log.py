"""`GET /api/v1/capsules/{slug}/log`: anyone can recompute the chain from what it returns."""

from __future__ import annotations

import hashlib

from capsule.core import audit
from tests.integration.api.conftest import Api, kk_fields


async def test_anyone_can_recompute_the_chain_and_nothing_written_is_in_it(api: Api) -> None:
    await api.collecting()
    invitation = await api.invite(organization="Алматы қаласы Еріктілер фронт-кеңсесі")
    await api.submit(invitation["token"])
    await api.contributions(content=1)
    log = (await api.client.get("/api/v1/capsules/almaty-2026/log")).json()
    assert [e["type"] for e in log["events"]] == ["capsule.created", "capsule.published", "invitation.created",
                                                  "contribution.submitted", "contribution.read"]
    head = bytes(32)
    for event in log["events"]:
        head = hashlib.sha256(head + event["event"].encode("utf-8")).digest()
        assert event["hash"] == head.hex()
        assert audit.parse_event(event["event"].encode()).data == event["data"]
    assert log["head"] == head.hex() and log["size"] == 5 and log["next_after"] is None
    assert audit.verify_chain([e["event"].encode() for e in log["events"]]).head == head.hex()
    assert log["events"][2]["data"]["organization"] == "Алматы қаласы Еріктілер фронт-кеңсесі"
    for text in (kk_fields()["title"], kk_fields()["body"], kk_fields()["author_name"]):
        assert text not in str(log)


async def test_the_log_comes_in_pages(api: Api) -> None:
    await api.collecting()
    for n in range(3):
        await api.invite(organization=f"Ұйым {n}")
    first = (await api.client.get("/api/v1/capsules/almaty-2026/log", params={"limit": 2})).json()
    assert [e["seq"] for e in first["events"]] == [1, 2] and first["next_after"] == 2 and first["size"] == 5
    rest = (await api.client.get("/api/v1/capsules/almaty-2026/log", params={"after": 2, "limit": 10})).json()
    assert [e["seq"] for e in rest["events"]] == [3, 4, 5] and rest["next_after"] is None
    bad = await api.client.get("/api/v1/capsules/almaty-2026/log", params={"limit": 0})
    assert bad.status_code == 422 and bad.json()["params"]["fields"] == ["limit"]
    assert (await api.client.get("/api/v1/capsules/nothing/log")).status_code == 404
