"""`/api/v1/capsules/{slug}/invitations`: links for organization leaders."""

from __future__ import annotations

import pytest

from tests.integration.api.conftest import Api


async def test_an_invitation_has_a_link_with_its_token_and_can_be_listed(api: Api) -> None:
    await api.create()  # invitations can be prepared while the capsule is a draft
    created = await api.invite(organization="«Күміс» еріктілер қауымдастығы", name="Сәуле Әбілқызы",
                               email="saule@example.kz", max_contributions=3)
    assert created["token"].startswith("inv_")
    assert created["url"] == f"http://capsule.test/c/almaty-2026/contribute?invite={created['token']}"
    assert created["organization"] == "«Күміс» еріктілер қауымдастығы" and created["name"] == "Сәуле Әбілқызы"
    assert created["max_contributions"] == 3 and created["used_count"] == 0 and created["revoked"] is False
    listed = await api.client.get("/api/v1/capsules/almaty-2026/invitations", headers=api.auth)
    assert listed.json()["invitations"] == [created]
    assert "token_hash" not in listed.text


async def test_a_revoked_invitation_stops_working_and_stays_listed(api: Api) -> None:
    await api.collecting()
    created = await api.invite()
    revoked = await api.client.delete(f"/api/v1/capsules/almaty-2026/invitations/{created['id']}", headers=api.auth)
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    refused = await api.submit(created["token"])
    assert refused.status_code == 403
    assert refused.json()["params"]["reason"] == "revoked"
    listed = (await api.client.get("/api/v1/capsules/almaty-2026/invitations", headers=api.auth)).json()
    assert listed["invitations"][0]["revoked"] is True


@pytest.mark.parametrize(("body", "field"), [
    ({}, "organization"), ({"organization": "  "}, "organization"), ({"organization": "x" * 201}, "organization"),
    ({"organization": "A", "max_contributions": 0}, "max_contributions"),
    ({"organization": "A", "email": "x" * 255}, "email"),
])
async def test_bad_invitations_are_422_naming_the_field(api: Api, body: dict, field: str) -> None:
    await api.create()
    response = await api.client.post("/api/v1/capsules/almaty-2026/invitations", json=body, headers=api.auth)
    assert response.status_code == 422, response.text
    assert response.json()["params"]["fields"] == [field]


async def test_invitations_are_for_organizers_only(api: Api) -> None:
    await api.create()
    created = await api.invite()
    url = "/api/v1/capsules/almaty-2026/invitations"
    assert (await api.client.get(url)).status_code == 401
    assert (await api.client.post(url, json={"organization": "A"})).status_code == 401
    assert (await api.client.delete(f"{url}/{created['id']}")).status_code == 401


async def test_unknown_capsule_or_invitation_is_404(api: Api) -> None:
    await api.create()
    missing = await api.client.post("/api/v1/capsules/nothing/invitations", json={"organization": "A"},
                                    headers=api.auth)
    assert missing.status_code == 404
    unknown = await api.client.delete("/api/v1/capsules/almaty-2026/invitations/00000000-0000-4000-8000-000000000000",
                                      headers=api.auth)
    assert unknown.status_code == 404
    not_uuid = await api.client.delete("/api/v1/capsules/almaty-2026/invitations/123", headers=api.auth)
    assert not_uuid.status_code == 404
