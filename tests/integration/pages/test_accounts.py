"""Organizer sign-in and sign-out: sessions, CSRF, the rate limit, where to go afterwards."""

from __future__ import annotations

import pytest

from capsule.core.clock import ManualClock
from capsule.persistence.database import Database
from capsule.persistence.services.users import UserService
from tests.integration.pages.conftest import EMAIL, PASSWORD, Client, csrf, login, post_form

ORGANIZER_PAGES = ["/organize", "/organize/new", "/organize/c/almaty-2026", "/organize/c/almaty-2026/edit",
                   "/organize/c/almaty-2026/publish", "/organize/c/almaty-2026/invitations",
                   "/organize/c/almaty-2026/contributions"]


@pytest.fixture
async def account(db: Database, clock: ManualClock) -> None:
    await UserService(db, clock).add(EMAIL, PASSWORD, "Organizer")


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_the_login_page_is_in_the_visitors_language(client: Client, lang: str) -> None:
    page = await client.get("/login", params={"lang": lang})
    heading = {"kk": "Ұйымдастырушы ретінде кіру", "ru": "Вход для организаторов", "en": "Sign in as an organizer"}
    assert page.status_code == 200 and heading[lang] in page.text
    assert '<label for="f-email">' in page.text and '<label for="f-password">' in page.text
    assert page.headers["cache-control"] == "no-store, private"


@pytest.mark.parametrize("path", ORGANIZER_PAGES)
async def test_every_organizer_page_sends_a_stranger_to_the_login(client: Client, path: str) -> None:
    page = await client.get(path, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login?next=")


async def test_sign_in_gives_a_new_session_id_and_returns_to_the_page_asked_for(client: Client, account: None) -> None:
    await client.get("/organize/c/almaty-2026/invitations", follow_redirects=False)
    before = client.cookies.get("capsule_session")
    answer = await login(client, next_="/organize/c/almaty-2026/invitations")
    assert answer.status_code == 303 and answer.headers["location"] == "/organize/c/almaty-2026/invitations"
    after = client.cookies.get("capsule_session")
    assert after and after != before
    page = await client.get("/organize")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store, private"


async def test_a_planted_session_id_is_worthless_after_sign_in(client: Client, account: None) -> None:
    client.cookies.set("capsule_session", "planted-by-an-attacker", domain="capsule.test")
    await login(client)
    assert client.cookies.get("capsule_session") != "planted-by-an-attacker"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"])
async def test_after_sign_in_only_paths_of_this_site_are_followed(client: Client, account: None, target: str) -> None:
    answer = await login(client, next_=target)
    assert answer.status_code == 303 and answer.headers["location"] == "/organize"


async def test_a_wrong_password_shows_the_form_again_with_a_clear_message(client: Client, account: None) -> None:
    answer = await login(client, password="wrong password!")
    assert answer.status_code == 401
    assert "Электрондық пошта немесе құпиясөз қате." in answer.text  # Kazakh by default
    assert f'value="{EMAIL}"' in answer.text
    assert (await client.get("/organize", follow_redirects=False)).status_code == 303


async def test_too_many_attempts_get_a_429_page(client: Client, account: None) -> None:
    for _ in range(10):
        assert (await login(client, password="wrong password!")).status_code == 401
    answer = await client.post("/login?lang=en", data={"_csrf_token": await csrf(client), "email": EMAIL,
                                                       "password": PASSWORD}, follow_redirects=False)
    assert answer.status_code == 429 and answer.headers["retry-after"] == "60"
    assert "Too many sign-in attempts" in answer.text


async def test_posts_without_the_csrf_token_are_refused(client: Client, account: None) -> None:
    await csrf(client)
    answer = await client.post("/login", data={"email": EMAIL, "password": PASSWORD}, follow_redirects=False)
    assert answer.status_code == 403
    assert (await client.get("/organize", follow_redirects=False)).status_code == 303  # not signed in
    await login(client)
    for path in ("/logout", "/organize/new", "/organize/c/almaty-2026/publish"):
        assert (await client.post(path, data={"title": "x"}, follow_redirects=False)).status_code == 403


async def test_sign_out_ends_the_session(client: Client, account: None) -> None:
    await login(client)
    signed_in = client.cookies.get("capsule_session")
    answer = await post_form(client, "/logout")
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert client.cookies.get("capsule_session") != signed_in
    assert (await client.get("/organize", follow_redirects=False)).status_code == 303
    client.cookies.set("capsule_session", signed_in, domain="capsule.test")  # the old id is dead too
    assert (await client.get("/organize", follow_redirects=False)).status_code == 303


async def test_an_organizer_post_without_a_session_is_a_401_page(client: Client) -> None:
    answer = await post_form(client, "/organize/new", {"title": "x"}, params={"lang": "ru"})
    assert answer.status_code == 401 and "Сначала войдите в систему." in answer.text
