"""`/api/v1/receipts/{id}?token=…`: the contributor's receipt, document, edit and withdrawal."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import msgspec

from capsule.core import envelope
from capsule.core.clock import ManualClock
from tests.factories.collecting import png
from tests.integration.api.conftest import Api, kk_fields


async def _receipt(api: Api, **kw: object) -> dict:
    await api.collecting(**kw)  # type: ignore[arg-type]
    invitation = await api.invite()
    response = await api.submit(invitation["token"], data=kk_fields(), files=[
        ("attachments", ("бірінші.png", png(), "image/png")),
        ("attachments", ("екінші.txt", "Сәлем!".encode(), "text/plain"))])
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_the_receipt_shows_its_status_and_no_secret(api: Api) -> None:
    receipt = await _receipt(api)
    shown = await api.client.get(f"/api/v1/receipts/{receipt['id']}", params={"token": receipt["receipt_token"]})
    assert shown.status_code == 200
    assert shown.json() == {
        "id": receipt["id"], "capsule": "almaty-2026", "status": "pending", "version": 1, "kind": "goal",
        "organization": "Жастар еріктілер тобы", "commitment": receipt["commitment"],
        "submitted_at": "2026-03-05T05:00:00Z", "decision_note": None, "inclusion_proof": None,
    }
    assert "no-store" in shown.headers["cache-control"]


async def test_a_wrong_token_is_the_same_404_as_an_unknown_receipt(api: Api) -> None:
    receipt = await _receipt(api)
    other = "rct_" + "B" * 43
    for rid, token in ((receipt["id"], other), ("00000000-0000-4000-8000-000000000000", receipt["receipt_token"])):
        for method in ("GET", "DELETE"):
            response = await api.client.request(method, f"/api/v1/receipts/{rid}", params={"token": token})
            assert response.status_code == 404 and response.json()["detail"] == "no such receipt"
    missing = await api.client.get(f"/api/v1/receipts/{receipt['id']}")
    assert missing.status_code == 422 and missing.json()["params"]["fields"] == ["token"]


async def test_the_document_is_the_exact_bytes_of_the_commitment(api: Api) -> None:
    receipt = await _receipt(api)
    response = await api.client.get(f"/api/v1/receipts/{receipt['id']}/document",
                                    params={"token": receipt["receipt_token"]})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert hashlib.sha256(response.content).hexdigest() == receipt["commitment"]
    document = envelope.parse_document(response.content)
    assert document.title == kk_fields()["title"] and document.role == "Төраға"
    assert [a.name for a in document.attachments] == ["бірінші.png", "екінші.txt"]
    assert json.loads(response.content)["body"] == kk_fields()["body"]


async def test_an_edit_makes_a_new_version_keeping_chosen_attachments(api: Api) -> None:
    receipt = await _receipt(api)
    url, token = f"/api/v1/receipts/{receipt['id']}", {"token": receipt["receipt_token"]}
    edited = await api.client.put(url, params=token, data={**kk_fields(title="Жаңартылған мақсат", kind="priority"),
                                                           "keep_attachments": "1"},
                                  files=[("attachments", ("үшінші.png", png(4, 4), "image/png"))])
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["version"] == 2 and body["kind"] == "priority" and body["commitment"] != receipt["commitment"]
    assert body["receipt_token"] == receipt["receipt_token"]
    document = envelope.parse_document((await api.client.get(f"{url}/document", params=token)).content)
    assert document.title == "Жаңартылған мақсат"
    assert [a.name for a in document.attachments] == ["екінші.txt", "үшінші.png"]
    as_json = await api.client.put(url, params=token, json={**kk_fields(body="Тек мәтін"), "keep_attachments": []})
    assert as_json.json()["version"] == 3
    assert envelope.parse_document((await api.client.get(f"{url}/document", params=token)).content).attachments == ()
    bad = await api.client.put(url, params=token, json={**kk_fields(), "keep_attachments": [7]})
    assert bad.status_code == 422 and bad.json()["params"]["fields"] == ["keep_attachments[0]"]
    log = (await api.client.get("/api/v1/capsules/almaty-2026/log")).json()["events"]
    assert [e["data"]["version"] for e in log if e["type"] == "contribution.edited"] == [2, 3]


async def test_a_withdrawal_deletes_the_content(api: Api) -> None:
    receipt = await _receipt(api)
    url, token = f"/api/v1/receipts/{receipt['id']}", {"token": receipt["receipt_token"]}
    withdrawn = await api.client.delete(url, params=token)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert (await api.client.delete(url, params=token)).json()["status"] == "withdrawn"
    gone = await api.client.get(f"{url}/document", params=token)
    assert gone.status_code == 409
    assert (await api.client.put(url, params=token, json=kk_fields())).status_code == 409


async def test_after_the_deadline_a_receipt_can_be_read_but_not_changed(api: Api, clock: ManualClock) -> None:
    receipt = await _receipt(api, submissions_close_at="2026-03-06T00:00:00+05:00")
    clock.set(datetime(2026, 3, 6, tzinfo=UTC))
    url, token = f"/api/v1/receipts/{receipt['id']}", {"token": receipt["receipt_token"]}
    assert (await api.client.get(url, params=token)).status_code == 200
    refused = [await api.client.put(url, params=token, json=kk_fields()), await api.client.delete(url, params=token)]
    for response in refused:
        assert response.status_code == 409
        assert response.json()["params"]["closed_at"] == "2026-03-05T19:00:00Z"
    assert msgspec.json.decode((await api.client.get(url, params=token)).content)["status"] == "pending"
