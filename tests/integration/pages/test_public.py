"""What anyone sees: the list of capsules with countdowns, and a capsule's page with its log."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest

from capsule.persistence.services.capsules import CapsuleSpec
from tests.factories.collecting import World
from tests.integration.pages.conftest import Client, plain, submitted

COUNTDOWN = {"kk": "9 жыл, 3 ай", "ru": "9 лет, 3 месяца", "en": "9 years, 3 months"}


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_home_lists_published_capsules_with_a_countdown_rendered_on_the_server(
        client: Client, world: World, lang: str) -> None:
    await world.collecting("almaty-2035", opening_at=datetime(2035, 6, 5, 7, 0, tzinfo=UTC),
                           translations={"ru": {"title": "Капсула времени – 2026"}})
    await world.capsules.create(CapsuleSpec(title="Hidden draft", slug="hidden", opening_at=datetime(2040, 1, 1, tzinfo=UTC)), None)
    page = await client.get("/", params={"lang": lang})
    assert page.status_code == 200 and COUNTDOWN[lang] in page.text
    assert "Hidden draft" not in page.text
    assert ("Капсула времени – 2026" in page.text) == (lang == "ru")
    heading = {"kk": "Қазір жазбалар қабылдануда", "ru": "Сейчас принимают материалы", "en": "Collecting contributions now"}
    assert heading[lang] in page.text
    assert "<script>" not in page.text.split("</head>")[1]  # no inline script: the countdown needs none


async def test_the_capsule_page_shows_dates_in_almaty_and_utc_counts_key_and_log(client: Client, world: World) -> None:
    slug = await world.collecting(translations={"en": {"title": "Time Capsule – 2026", "description": "Year of Volunteers"}})
    invite = await world.invite(slug, "Алматы еріктілер орталығы")
    await submitted(client, slug, invite, submit_key="1")
    await submitted(client, slug, invite, submit_key="2", kind="appeal")
    page = await client.get(f"/c/{slug}", params={"lang": "en"})
    text = plain(page.text)
    assert page.status_code == 200
    assert '<h1 lang="en">Time Capsule – 2026</h1>' in text and "Year of Volunteers" in text
    assert "March 5, 2036, 12:00 PM" in text and "(Asia/Almaty)" in text and "March 5, 2036, 7:00 AM (UTC)" in text
    counts = text.split('class="counts"')[1].split("</ul>")[0]
    assert '<span class="count">1</span> Strategic goals' in counts and '<span class="count">1</span> Appeals' in counts
    capsule = await world.capsules.get(slug)
    digits = hashlib.sha256(capsule.public_key).hexdigest()[:40].upper()
    assert " ".join(digits[i:i + 4] for i in range(0, 40, 4)) in text
    log = text.split('class="log"')[1]
    assert "The capsule was created" in log and "A contribution arrived" in log and "Алматы еріктілер орталығы" in log
    assert "Еріктілер қозғалысын дамыту" not in text  # content never shows before opening


async def test_the_capsule_page_in_kazakh(client: Client, world: World) -> None:
    slug = await world.collecting()
    page = await client.get(f"/c/{slug}", params={"lang": "kk"})
    text = plain(page.text)
    assert "Уақыт капсуласы – 2026" in text and "Ашық журнал" in text and "Капсула жасалды" in text
    assert "2036 ж. 5 наурыз, 12:00" in text and "Жинақталуда" in text


async def test_a_draft_or_unknown_capsule_is_not_found(client: Client, world: World) -> None:
    await world.capsules.create(CapsuleSpec(title="Draft", slug="draft", opening_at=datetime(2040, 1, 1, tzinfo=UTC)), None)
    for path in ("/c/draft", "/c/nothing"):
        page = await client.get(path, params={"lang": "ru"})
        assert page.status_code == 404 and "Такой страницы нет." in page.text


async def test_the_language_choice_is_remembered(client: Client, world: World) -> None:
    await client.get("/", params={"lang": "ru"})
    page = await client.get("/login")
    assert '<html lang="ru">' in page.text and page.headers["content-language"] == "ru"
    assert 'href="?lang=kk"' in page.text and 'href="?lang=en"' in page.text


async def test_pages_forbid_inline_scripts_and_styles(client: Client) -> None:
    page = await client.get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert " style=" not in page.text and "<style" not in page.text
