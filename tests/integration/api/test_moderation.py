"""Organizers moderate before sealing: the queue, reading content (audit-logged), decisions."""

from __future__ import annotations

import pytest

from tests.factories.collecting import png
from tests.integration.api.conftest import Api, kk_fields


async def _submitted(api: Api, n: int = 1, **changes: str) -> list[dict]:
    await api.collecting()
    invitation = await api.invite()
    return [(await api.submit(invitation["token"], json=kk_fields(**changes))).json() for _ in range(n)]


async def test_the_queue_shows_metadata_only_unless_content_is_asked_for(api: Api) -> None:
    [receipt] = await _submitted(api)
    [item] = await api.contributions()
    assert item["id"] == receipt["id"] and item["status"] == "pending" and item["content"] is None
    assert item["commitment"] == receipt["commitment"]
    assert kk_fields()["title"] not in str(item)
    log = (await api.client.get("/api/v1/capsules/almaty-2026/log")).json()["events"]
    assert not any(e["type"] == "contribution.read" for e in log)
    [read] = await api.contributions(content=1)
    assert read["content"]["author_name"] == "Айгүл Серікқызы" and read["content"]["language"] == "kk"
    log = (await api.client.get("/api/v1/capsules/almaty-2026/log")).json()["events"]
    assert log[-1]["type"] == "contribution.read" and log[-1]["actor"] == "organizer"
    assert "Айгүл" not in str(log)


async def test_the_queue_and_the_attachments_need_an_organizer(api: Api) -> None:
    [receipt] = await _submitted(api)
    base = "/api/v1/capsules/almaty-2026/contributions"
    assert (await api.client.get(base)).status_code == 401
    assert (await api.client.get(f"{base}?content=1")).status_code == 401
    assert (await api.client.get(f"{base}/{receipt['id']}/attachments/0")).status_code == 401
    assert (await api.client.post(f"{base}/{receipt['id']}/decision", json={"decision": "accept"})).status_code == 401


async def test_accepting_and_rejecting_with_a_note_for_the_contributor(api: Api) -> None:
    first, second = await _submitted(api, 2)
    base = "/api/v1/capsules/almaty-2026/contributions"
    accepted = await api.client.post(f"{base}/{first['id']}/decision", json={"decision": "accept"}, headers=api.auth)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    note = "Мәтінді қысқартып, қайта жіберіңіз."
    rejected = await api.client.post(f"{base}/{second['id']}/decision", headers=api.auth,
                                     json={"decision": "reject", "note": note})
    assert rejected.json()["status"] == "rejected" and rejected.json()["decided_at"] == "2026-03-05T05:00:00Z"
    receipt = (await api.client.get(f"/api/v1/receipts/{second['id']}",
                                    params={"token": second["receipt_token"]})).json()
    assert receipt["status"] == "rejected" and receipt["decision_note"] == note
    log = (await api.client.get("/api/v1/capsules/almaty-2026/log")).text
    assert "қысқартып" not in log and '"has_note":true' in log
    assert [i["status"] for i in await api.contributions(status="accepted")] == ["accepted"]
    again = await api.client.post(f"{base}/{first['id']}/decision", json={"decision": "accept"}, headers=api.auth)
    assert again.status_code == 409


@pytest.mark.parametrize(("body", "field"), [
    ({"decision": "maybe"}, "decision"), ({}, "decision"), ({"decision": "reject", "note": "ж" * 2001}, "note"),
])
async def test_a_bad_decision_is_422_naming_the_field(api: Api, body: dict, field: str) -> None:
    [receipt] = await _submitted(api)
    response = await api.client.post(f"/api/v1/capsules/almaty-2026/contributions/{receipt['id']}/decision",
                                     json=body, headers=api.auth)
    assert response.status_code == 422
    assert response.json()["params"]["fields"] == [field]


async def test_unknown_contributions_and_attachments_are_404(api: Api) -> None:
    await api.collecting()
    invitation = await api.invite()
    receipt = (await api.submit(invitation["token"], data=kk_fields(),
                                files=[("attachments", ("a.png", png(), "image/png"))])).json()
    base = "/api/v1/capsules/almaty-2026/contributions"
    nobody = "00000000-0000-4000-8000-000000000000"
    assert (await api.client.post(f"{base}/{nobody}/decision", json={"decision": "accept"},
                                  headers=api.auth)).status_code == 404
    assert (await api.client.get(f"{base}/{nobody}/attachments/0", headers=api.auth)).status_code == 404
    assert (await api.client.get(f"{base}/{receipt['id']}/attachments/1", headers=api.auth)).status_code == 404
    download = await api.client.get(f"{base}/{receipt['id']}/attachments/0", headers=api.auth)
    assert download.status_code == 200 and download.content == png()
    log = (await api.client.get("/api/v1/capsules/almaty-2026/log")).json()["events"]
    assert log[-1]["type"] == "contribution.read" and log[-1]["data"]["contribution_id"] == receipt["id"]
