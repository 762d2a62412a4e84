"""The service endpoints and the error contract every other route relies on."""

from __future__ import annotations

import base64
import hashlib

from litestar import Litestar
from litestar.testing import AsyncTestClient

from capsule.core.service_keys import ServiceKeys


async def test_healthz_checks_the_database(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "version": "0.1.0"}


async def test_signing_key_is_published_with_its_key_id(
    client: AsyncTestClient[Litestar], service_keys: ServiceKeys
) -> None:
    body = (await client.get("/.well-known/capsule/signing-key")).json()
    raw = base64.b64decode(body["public_key"])
    assert body["alg"] == "Ed25519"
    assert raw == service_keys.signing.public_raw
    assert body["kid"] == hashlib.sha256(raw).hexdigest()[:16]
    assert body["retired"] == []


async def test_unknown_api_route_answers_the_json_error_shape(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert set(response.json()) == {"code", "detail", "params"}


async def test_unknown_page_is_an_html_page_in_the_visitors_language(client: AsyncTestClient[Litestar]) -> None:
    kazakh = await client.get("/no-such-page", headers={"Accept-Language": "kk-KZ,kk;q=0.9"})
    english = await client.get("/no-such-page", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert kazakh.status_code == english.status_code == 404
    assert kazakh.headers["content-type"].startswith("text/html")
    assert '<html lang="kk">' in kazakh.text
    assert '<html lang="en">' in english.text
    assert "This page does not exist." in english.text
    assert "This page does not exist." not in kazakh.text


async def test_an_explicit_language_choice_is_remembered(client: AsyncTestClient[Litestar]) -> None:
    first = await client.get("/no-such-page?lang=ru", headers={"Accept-Language": "en"})
    assert '<html lang="ru">' in first.text
    assert "capsule_lang=ru" in first.headers["set-cookie"]
    second = await client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert '<html lang="ru">' in second.text


async def test_every_response_carries_the_security_headers(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "same-origin"


async def test_openapi_schema_is_served(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert "/healthz" in response.json()["paths"]
