"""`/api/v1/capsules`: create, show, edit while a draft, publish, list, and bad input."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from capsule.core import tlock
from tests.integration.api.conftest import OPENING, Api


async def test_an_organizer_creates_a_draft_with_translations_and_a_public_key(api: Api) -> None:
    response = await api.create(translations={
        "ru": {"title": "Капсула времени – 2026", "description": "Год волонтёров"},
        "en": {"title": "Time Capsule – 2026", "description": "Year of Volunteers"},
    }, submissions_close_at="2026-12-31T23:59:00+05:00")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["state"] == "draft" and body["slug"] == "almaty-2026"
    assert body["title"] == "Уақыт капсуласы – 2026"
    assert body["translations"]["ru"]["title"] == "Капсула времени – 2026"
    assert body["opening_at"] == "2036-03-05T07:00:00Z"  # 12:00 in Almaty (UTC+5)
    assert body["submissions_close_at"] == "2026-12-31T18:59:00Z"
    assert body["locks"] == [{"type": "server", "trust": "operator"}] and body["lock_policy"] == "any"
    assert body["trust"] == "operator" and body["warnings"] == [] and body["fingerprint"] is None
    assert body["timezone"] == "Asia/Almaty"
    assert len(base64.b64decode(body["public_key"])) > 1000  # ML-KEM-768 + X25519
    assert body["url"] == "http://capsule.test/c/almaty-2026"
    assert not {"prekey", "private_key", "token_hash"} & set(body)


async def test_the_slug_comes_from_the_kazakh_title_when_not_given(api: Api) -> None:
    response = await api.create(slug=None)
    assert response.json()["slug"] == "uaqyt-kapsulasy-2026"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer cap_" + "x" * 43}, {"Authorization": "Basic abc"}])
async def test_creating_needs_a_valid_bearer_token(api: Api, headers: dict[str, str]) -> None:
    response = await api.client.post("/api/v1/capsules", json={"title": "T", "opening_at": OPENING}, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"


@pytest.mark.parametrize("field", ["opening_at", "submissions_close_at"])
async def test_a_date_without_an_offset_is_422_naming_the_field(api: Api, field: str) -> None:
    response = await api.create(**{field: "2036-03-05T12:00:00"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "input.invalid"
    assert body["params"]["fields"] == [field]
    assert "timezone" in body["detail"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"opening_at": "2026-03-01T00:00:00+05:00"}, "opening_at"),
    ({"title": "x" * 201}, "title"),
    ({"title": "   "}, "title"),
    ({"description": "x" * 5001}, "description"),
    ({"slug": "No Spaces"}, "slug"),
    ({"timezone": "Asia/Nowhere"}, "timezone"),
    ({"locks": [{"type": "vault"}]}, "locks"),
    ({"locks": []}, "locks"),
    ({"locks": [{"type": "custodians", "threshold": 1, "shares": 5}]}, "locks"),
    ({"lock_policy": "all"}, "lock_policy"),
    ({"lock_policy": "some"}, "lock_policy"),
    ({"translations": {"de": {"title": "Zeitkapsel"}}}, "translations"),
    ({"submissions_close_at": "2037-01-01T00:00:00+05:00"}, "submissions_close_at"),
])
async def test_bad_settings_are_422_naming_the_field(api: Api, changes: dict, field: str) -> None:
    response = await api.create(**changes)
    assert response.status_code == 422, response.text
    assert field in response.json()["params"]["fields"][0]


async def test_a_missing_title_is_named(api: Api) -> None:
    response = await api.client.post("/api/v1/capsules", json={"opening_at": OPENING}, headers=api.auth)
    assert response.status_code == 422
    assert response.json()["params"]["fields"] == ["title"]


@pytest.mark.parametrize("content", [b"[1, 2]", b'"text"', b"{not json", b"", b'{"title": "\xff"}'])
async def test_a_body_that_is_not_a_json_object_is_400(api: Api, content: bytes) -> None:
    response = await api.client.post("/api/v1/capsules", content=content,
                                     headers={**api.auth, "Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "request.invalid"


async def test_custodian_and_drand_locks_under_policy_all(api: Api) -> None:
    response = await api.create(locks=[{"type": "custodians", "threshold": 3, "shares": 5}, {"type": "drand"}],
                                lock_policy="all")
    assert response.status_code == 201, response.text
    custodians, drand = response.json()["locks"]
    assert custodians == {"type": "custodians", "trust": "custodians", "threshold": 3, "shares": 5}
    # The round whose beacon is published at the opening date (12:00 in Almaty), on quicknet.
    assert drand == {"type": "drand", "trust": "nobody", "round": tlock.round_at(datetime(2036, 3, 5, 7, tzinfo=UTC)),
                     "round_at": "2036-03-05T07:00:00Z", "chain_hash": tlock.QUICKNET.chain_hash.hex()}
    assert response.json()["lock_policy"] == "all" and response.json()["trust"] == "nobody"
    assert response.json()["warnings"] == []  # the custodians keep it safe if tlock is ever broken


async def test_a_taken_slug_is_409(api: Api) -> None:
    await api.create()
    again = await api.create()
    assert again.status_code == 409
    assert again.json()["params"]["slug"] == "almaty-2026"


async def test_drafts_are_shown_to_organizers_only(api: Api) -> None:
    await api.create("draft-one")
    await api.collecting("published")
    anonymous = await api.client.get("/api/v1/capsules")
    assert [c["slug"] for c in anonymous.json()["capsules"]] == ["published"]
    organizer = await api.client.get("/api/v1/capsules", headers=api.auth)
    assert {c["slug"] for c in organizer.json()["capsules"]} == {"draft-one", "published"}
    assert (await api.client.get("/api/v1/capsules/draft-one")).status_code == 404
    assert (await api.client.get("/api/v1/capsules/draft-one/log")).status_code == 404
    assert (await api.client.get("/api/v1/capsules/draft-one", headers=api.auth)).status_code == 200
    assert (await api.client.get("/api/v1/capsules/nothing")).json()["code"] == "not_found"


async def test_edit_changes_only_what_is_sent_and_only_while_a_draft(api: Api) -> None:
    await api.create(description="Бірінші")
    edited = await api.client.patch("/api/v1/capsules/almaty-2026", headers=api.auth,
                                    json={"title": "Уақыт капсуласы – 2026 (Алматы)", "moderation": False,
                                          "locks": [{"type": "drand"}]})
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["title"] == "Уақыт капсуласы – 2026 (Алматы)" and body["description"] == "Бірінші"
    assert body["moderation"] is False and [lock["type"] for lock in body["locks"]] == ["drand"]
    assert body["warnings"] == ["drand_only"] and body["trust"] == "nobody"
    naive = await api.client.patch("/api/v1/capsules/almaty-2026", headers=api.auth,
                                   json={"opening_at": "2036-03-05T12:00:00"})
    assert naive.status_code == 422 and naive.json()["params"]["fields"] == ["opening_at"]
    unknown = await api.client.patch("/api/v1/capsules/almaty-2026", headers=api.auth, json={"state": "opened"})
    assert unknown.status_code == 422
    assert (await api.client.post("/api/v1/capsules/almaty-2026/publish", headers=api.auth)).status_code == 200
    late = await api.client.patch("/api/v1/capsules/almaty-2026", headers=api.auth, json={"title": "Жаңа"})
    assert late.status_code == 409
    assert late.json()["code"] == "capsule.bad_state"
    anonymous = await api.client.patch("/api/v1/capsules/almaty-2026", json={"title": "Жаңа"})
    assert anonymous.status_code == 401


async def test_publish_opens_collecting_once(api: Api) -> None:
    await api.create()
    first = await api.client.post("/api/v1/capsules/almaty-2026/publish", headers=api.auth)
    assert first.status_code == 200 and first.json()["state"] == "collecting"
    assert first.json()["published_at"] == "2026-03-05T05:00:00Z"
    second = await api.client.post("/api/v1/capsules/almaty-2026/publish", headers=api.auth)
    assert second.status_code == 409
    assert (await api.client.post("/api/v1/capsules/none/publish", headers=api.auth)).status_code == 404


async def test_counts_show_what_arrived(api: Api) -> None:
    await api.collecting()
    invitation = await api.invite()
    for kind in ("goal", "goal", "appeal"):
        from tests.integration.api.conftest import kk_fields

        assert (await api.submit(invitation["token"], json=kk_fields(kind=kind))).status_code == 201
    listed = (await api.client.get("/api/v1/capsules")).json()["capsules"][0]
    assert listed["counts"] == {"total": 3, "by_status": {"pending": 3}, "by_kind": {"goal": 2, "appeal": 1}}
    shown = (await api.client.get("/api/v1/capsules/almaty-2026")).json()
    assert shown["counts"]["total"] == 3 and shown["fingerprint"] is None


async def test_a_capsule_locked_by_drand_alone_is_allowed_with_a_warning(api: Api) -> None:
    response = await api.create(locks=[{"type": "drand"}])
    assert response.status_code == 201, response.text
    assert response.json()["warnings"] == ["drand_only"]
    shown = (await api.client.get("/api/v1/capsules/almaty-2026", headers=api.auth)).json()
    assert shown["locks"][0]["round"] == tlock.round_at(datetime(2036, 3, 5, 7, tzinfo=UTC))
    mixed = await api.create("with-server", locks=[{"type": "drand"}, {"type": "server"}])
    assert mixed.json()["warnings"] == [] and mixed.json()["trust"] == "operator"


async def test_auto_open_needs_the_server_lock_under_policy_any(api: Api) -> None:
    refused = await api.create(auto_open=True, locks=[{"type": "custodians", "threshold": 2, "shares": 3}])
    assert refused.status_code == 422 and refused.json()["params"]["field"] == "auto_open"
    created = await api.create(auto_open=True)
    assert created.status_code == 201 and created.json()["auto_open"] is True
