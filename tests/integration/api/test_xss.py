"""Markup in any field comes back from the JSON API as the same plain string, never
interpreted or mangled (HTML escaping is the pages' job and tested there)."""

from __future__ import annotations

import pytest

from capsule.persistence.services.uploads import clean_filename
from tests.factories.collecting import png
from tests.integration.api.conftest import Api, kk_fields

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(document.cookie)",
    "';alert(String.fromCharCode(88,83,83))//",
    "<svg/onload=alert(1)>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "&lt;b&gt; &amp; &#x3C;",
    "</title><a href='x' style='x:expression(alert(1))'>қ</a>",
    "\u202egnp.exe — ә ғ қ ң ө ұ ү һ і",
]


@pytest.mark.parametrize("payload", PAYLOADS)
async def test_markup_round_trips_as_plain_strings_through_every_field(api: Api, payload: str) -> None:
    created = await api.create(title=f"Капсула {payload}", description=payload,
                               translations={"en": {"title": payload, "description": payload}})
    assert created.status_code == 201, created.text
    assert created.headers["content-type"].startswith("application/json")
    assert created.headers["x-content-type-options"] == "nosniff"
    capsule = created.json()
    assert capsule["title"] == f"Капсула {payload}" and capsule["description"] == payload
    assert capsule["translations"]["en"] == {"title": payload, "description": payload}
    await api.client.post("/api/v1/capsules/almaty-2026/publish", headers=api.auth)

    organization = payload if payload.isprintable() else payload.replace("\u202e", "")
    invitation = await api.invite(organization=organization, name=payload)
    assert invitation["organization"] == organization and invitation["name"] == payload

    text = {name: payload for name in ("title", "body", "author_name", "author_role", "organization")}
    receipt = await api.submit(invitation["token"], data=kk_fields(**text),
                               files=[("attachments", (f"{payload}.png", png(), "image/png"))])
    assert receipt.status_code == 201, receipt.text
    assert receipt.json()["organization"] == organization
    [item] = await api.contributions(content=1)
    content = item["content"]
    assert {name: content[name] for name in text} == text
    assert content["attachments"][0]["name"] == clean_filename(f"{payload}.png", 0, "image/png")

    download = await api.client.get(content["attachments"][0]["url"], headers=api.auth)
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment; filename=\"")
    assert "<" not in download.headers["content-disposition"] and "\n" not in download.headers["content-disposition"]
    assert download.headers["x-content-type-options"] == "nosniff"

    decided = await api.client.post(f"/api/v1/capsules/almaty-2026/contributions/{item['id']}/decision",
                                    headers=api.auth, json={"decision": "reject", "note": payload})
    assert decided.status_code == 200
    shown = await api.client.get(f"/api/v1/receipts/{item['id']}", params={"token": receipt.json()["receipt_token"]})
    assert shown.json()["decision_note"] == payload.strip()
    log = (await api.client.get("/api/v1/capsules/almaty-2026/log")).json()
    assert log["events"][2]["data"]["organization"] == organization


async def test_an_organization_with_invisible_characters_is_422_not_a_broken_log(api: Api) -> None:
    await api.create()
    for organization in ("\u202eгнп.exe", "Бір\nекі", "tab\there"):
        response = await api.client.post("/api/v1/capsules/almaty-2026/invitations", headers=api.auth,
                                         json={"organization": organization})
        assert response.status_code == 422
        assert response.json()["params"]["fields"] == ["organization"]
