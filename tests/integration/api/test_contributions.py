"""Submitting through `POST /api/v1/capsules/{slug}/contributions`, as JSON or streamed multipart."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import UTC, datetime

import pytest

from capsule.core.clock import ManualClock
from capsule.persistence import models as m
from capsule.persistence.database import Database
from tests.factories.collecting import count, png
from tests.integration.api.conftest import Api, kk_fields, multipart_body

TEXT_FILE = "Еріктілер жылы – 2026: жоспар\nҚоғамға қызмет ету — әрқайсымыздың борышымыз.\n".encode()


async def test_a_json_submission_gets_a_receipt(api: Api) -> None:
    await api.collecting()
    invitation = await api.invite()
    response = await api.submit(invitation["token"])
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["status"] == "pending" and receipt["version"] == 1 and receipt["kind"] == "goal"
    assert len(bytes.fromhex(receipt["commitment"])) == 32
    assert receipt["receipt_token"].startswith("rct_")
    assert receipt["receipt_url"] == f"http://capsule.test/receipts/{receipt['id']}?token={receipt['receipt_token']}"
    assert receipt["organization"] == "Жастар еріктілер тобы"  # the invitation's


async def test_a_multipart_submission_with_a_png_and_a_text_file(api: Api) -> None:
    await api.collecting()
    invitation = await api.invite()
    image = png(64, 48)
    response = await api.submit(invitation["token"], data=kk_fields(kind="appeal"), files=[
        ("attachments", ("Еріктілер фронт-кеңсесі.png", image, "image/png")),
        ("attachments", ("жоспар.txt", TEXT_FILE, "text/plain")),
    ])
    assert response.status_code == 201, response.text
    [item] = await api.contributions(content=1)
    assert item["attachments"] == 2 and item["kind"] == "appeal"
    content = item["content"]
    assert content["title"] == kk_fields()["title"] and content["body"] == kk_fields()["body"]
    assert [(a["name"], a["media_type"], a["size"]) for a in content["attachments"]] == [
        ("Еріктілер фронт-кеңсесі.png", "image/png", len(image)), ("жоспар.txt", "text/plain", len(TEXT_FILE))]
    for attachment, data in zip(content["attachments"], (image, TEXT_FILE), strict=True):
        download = await api.client.get(attachment["url"].removeprefix("http://capsule.test"), headers=api.auth)
        assert download.status_code == 200 and download.content == data
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.headers["x-content-type-options"] == "nosniff"
        assert download.headers["content-type"].startswith(attachment["media_type"])
    assert "%D0%95%D1%80" in (await api.client.get(content["attachments"][0]["url"], headers=api.auth)).headers[
        "content-disposition"]


@pytest.mark.parametrize(("invitation", "reason"), [
    (None, "missing"), ("inv_" + "A" * 43, "unknown"), ("nonsense", "unknown"), ("inv_" + "A" * 500, "unknown"),
])
async def test_a_missing_or_unknown_invitation_is_403_with_its_reason(api: Api, invitation: str | None,
                                                                      reason: str) -> None:
    await api.collecting()
    response = await api.client.post("/api/v1/capsules/almaty-2026/contributions", json=kk_fields(),
                                     headers={"X-Invitation": invitation} if invitation else {})
    assert response.status_code == 403
    assert response.json()["code"] == "invitation.invalid"
    assert response.json()["params"]["reason"] == reason


async def test_a_bad_invitation_is_refused_before_any_file_is_stored(api: Api, db: Database) -> None:
    await api.collecting()
    response = await api.submit("inv_" + "C" * 43, data=kk_fields(),
                                files=[("attachments", ("a.png", png(), "image/png"))])
    assert response.status_code == 403
    assert await count(db, m.Blob) == 0


async def test_a_used_up_invitation_and_one_of_another_capsule_are_refused(api: Api) -> None:
    await api.collecting()
    await api.collecting("other")
    once = await api.invite(max_contributions=1)
    assert (await api.submit(once["token"])).status_code == 201
    used_up = await api.submit(once["token"])
    assert used_up.status_code == 403 and used_up.json()["params"]["reason"] == "exhausted"
    foreign = await api.submit(once["token"], slug="other")
    assert foreign.status_code == 403 and foreign.json()["params"]["reason"] == "unknown"


async def test_a_draft_capsule_and_a_passed_deadline_are_409(api: Api, clock: ManualClock) -> None:
    await api.create("draft")
    draft_invitation = await api.invite("draft")
    draft = await api.submit(draft_invitation["token"], slug="draft")
    assert draft.status_code == 409 and draft.json()["code"] == "capsule.bad_state"
    await api.collecting(submissions_close_at="2026-03-06T00:00:00+05:00")
    invitation = await api.invite()
    clock.set(datetime(2026, 3, 5, 19, 0, tzinfo=UTC))
    late = await api.submit(invitation["token"])
    assert late.status_code == 409
    assert late.json()["code"] == "capsule.submissions_closed"
    assert late.json()["params"]["closed_at"] == "2026-03-05T19:00:00Z"


@pytest.mark.parametrize(("changes", "fields"), [
    ({"title": "", "body": "  ", "author_name": ""}, ["title", "body", "author_name"]),
    ({"body": "ә" * 20_001}, ["body"]),
    ({"title": "Қ" * 201}, ["title"]),
    ({"kind": "wish"}, ["kind"]),
    ({"language": "de"}, ["language"]),
])
async def test_bad_fields_are_422_naming_them_as_json_and_as_multipart(api: Api, changes: dict,
                                                                      fields: list[str]) -> None:
    await api.collecting()
    invitation = await api.invite()
    as_json = await api.submit(invitation["token"], json=kk_fields(**changes))
    as_form = await api.submit(invitation["token"], data=kk_fields(**changes),
                               files=[("attachments", ("a.png", png(), "image/png"))])
    for response in (as_json, as_form):
        assert response.status_code == 422, response.text
        assert response.json()["params"]["fields"] == fields
    assert await api.contributions() == []


async def test_a_missing_field_is_named(api: Api) -> None:
    await api.collecting()
    invitation = await api.invite()
    body = kk_fields()
    del body["author_name"]
    content, content_type = multipart_body([(k, None, v.encode()) for k, v in body.items()])
    as_form = await api.submit(invitation["token"], content=content, headers={"Content-Type": content_type})
    for response in (await api.submit(invitation["token"], json=body), as_form):
        assert response.status_code == 422
        assert response.json()["params"]["fields"] == ["author_name"]


@pytest.mark.parametrize("content", [b"[1, 2, 3]", b"{\"title\": ", b"\"just a string\"", b"\xff\xfe{}"])
async def test_a_body_that_is_not_a_json_object_is_400(api: Api, content: bytes) -> None:
    await api.collecting()
    invitation = await api.invite()
    response = await api.submit(invitation["token"], content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "format.malformed"


async def test_a_body_that_is_neither_json_nor_multipart_is_415(api: Api) -> None:
    await api.collecting()
    invitation = await api.invite()
    response = await api.submit(invitation["token"], content=b"title=x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


async def test_an_oversized_file_is_413_naming_it_and_nothing_is_stored(small_api: Api, db: Database) -> None:
    await small_api.collecting()
    invitation = await small_api.invite()
    big = png() + b"\x00" * (1024 * 1024)
    response = await small_api.submit(invitation["token"], data=kk_fields(), files=[
        ("attachments", ("small.png", png(), "image/png")), ("attachments", ("үлкен.png", big, "image/png"))])
    assert response.status_code == 413
    assert response.json()["code"] == "input.too_large"
    assert response.json()["params"]["filename"] == "үлкен.png"
    assert await count(db, m.Blob) == 0 and await count(db, m.BlobChunk) == 0
    assert await count(db, m.Contribution) == 0


async def test_a_request_larger_than_every_limit_together_is_413(small_api: Api) -> None:
    await small_api.collecting()
    invitation = await small_api.invite()
    response = await small_api.submit(invitation["token"], data=kk_fields(), files=[
        ("attachments", (f"{n}.png", png(), "image/png")) for n in range(5)
    ], headers={"Content-Length": str(50 * 1024 * 1024)})
    assert response.status_code == 413


async def test_a_zip_is_415_naming_it_and_nothing_is_stored(api: Api, db: Database) -> None:
    await api.collecting()
    invitation = await api.invite()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "сәлем " * 100)
    response = await api.submit(invitation["token"], data=kk_fields(), files=[
        ("attachments", ("ok.txt", TEXT_FILE, "text/plain")),
        ("attachments", ("архив.png", archive.getvalue(), "image/png"))])  # the name lies; the bytes do not
    assert response.status_code == 415
    assert response.json()["params"]["filename"] == "архив.png"
    assert await count(db, m.Blob) == 0 and await count(db, m.Contribution) == 0


async def test_a_text_field_after_a_file_is_422_naming_it(api: Api) -> None:
    await api.collecting()
    invitation = await api.invite()
    body = kk_fields()
    parts = [(k, None, v.encode()) for k, v in body.items() if k != "language"]
    content, content_type = multipart_body(parts + [("attachments", "a.png", png()), ("language", None, b"kk")])
    response = await api.submit(invitation["token"], content=content, headers={"Content-Type": content_type})
    assert response.status_code == 422
    assert response.json()["params"]["fields"] == ["language"]
    assert "before the first file" in response.json()["detail"]
    every_field = [(k, None, v.encode()) for k, v in body.items()]
    content, content_type = multipart_body(every_field + [("attachments", "a.png", png()), ("note", None, b"P.S.")])
    late = await api.submit(invitation["token"], content=content, headers={"Content-Type": content_type})
    assert late.status_code == 422
    assert late.json()["params"]["fields"] == ["note"]
    assert "send text fields before files" in late.json()["detail"]
    assert await api.contributions() == []


async def test_more_than_five_files_or_a_file_under_another_name_is_422(api: Api) -> None:
    await api.collecting()
    invitation = await api.invite()
    six = await api.submit(invitation["token"], data=kk_fields(),
                           files=[("attachments", (f"{n}.png", png(), "image/png")) for n in range(6)])
    assert six.status_code == 422 and six.json()["params"]["fields"] == ["attachments"]
    other = await api.submit(invitation["token"], data=kk_fields(), files=[("photo", ("a.png", png(), "image/png"))])
    assert other.status_code == 422 and other.json()["params"]["fields"] == ["photo"]


async def test_a_retried_post_with_the_same_idempotency_key_returns_the_same_receipt(api: Api, db: Database) -> None:
    await api.collecting()
    invitation = await api.invite()
    key = {"Idempotency-Key": "form-2026-03-05-001"}
    files = [("attachments", ("сурет.png", png(), "image/png"))]
    first = await api.submit(invitation["token"], data=kk_fields(), files=files, headers=key)
    second = await api.submit(invitation["token"], data=kk_fields(), files=files, headers=key)
    as_json = await api.submit(invitation["token"], headers=key)
    assert first.status_code == second.status_code == as_json.status_code == 201
    assert first.json() == second.json() == as_json.json()
    assert await count(db, m.Contribution) == 1 and await count(db, m.Blob) == 2  # document + one attachment
    bad_key = await api.submit(invitation["token"], headers={"Idempotency-Key": "x" * 65})
    assert bad_key.status_code == 422


async def test_concurrent_submissions_each_get_their_own_receipt(api: Api) -> None:
    await api.collecting()
    invitations = [await api.invite(organization=f"Ұйым №{n}") for n in range(4)]
    responses = await asyncio.gather(*[
        api.submit(invitation["token"], json=kk_fields(title=f"Мақсат {n}-{i}"))
        for n, invitation in enumerate(invitations) for i in range(2)
    ])
    assert [r.status_code for r in responses] == [201] * 8
    assert len({r.json()["id"] for r in responses}) == 8
    items = await api.contributions(content=1)
    assert sorted(i["content"]["title"] for i in items) == sorted(f"Мақсат {n}-{i}" for n in range(4) for i in range(2))
    log = (await api.client.get("/api/v1/capsules/almaty-2026/log")).json()
    assert sum(e["type"] == "contribution.submitted" for e in log["events"]) == 8
