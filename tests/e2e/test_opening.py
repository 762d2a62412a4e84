"""The opening in a real browser: a sealed capsule is locked until its date; the server's clock
moves past it; two custodians, each in their own browser, enter their cards' words (one makes
a mistake first); the capsule opens and everyone reads it, searches it in Kazakh and Russian,
and checks an item's proof. Screenshots in kk, ru and en."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from capsule.persistence.database import Database
from capsule.persistence.services.capsules import CapsuleSpec
from capsule.persistence.services.sealing import SealService
from tests.e2e.server import LiveServer
from tests.e2e.test_ceremony import shoot, sign_in
from tests.factories.collecting import FakeUpload, fields, make_world, png

pytestmark = pytest.mark.e2e

SLUG = "opening-e2e"
WRITTEN = [
    ("goal", "kk", "Еріктілік — әр алматылықтың ісі",
     "Әр ауданда еріктілер орталығы ашылсын.\nҚоғамға қызмет ету — біздің борышымыз.", "Айгүл Серікқызы",
     "Төраға", "Алматы қаласы Еріктілер фронт-кеңсесі", True),
    ("priority", "ru", "Поддержка серебряных волонтёров",
     "В каждом районе — центр для волонтёров старшего возраста.\nОпыт поколений — общее богатство.", "Ольга Ким",
     "Координатор", "Серебряные волонтёры Алматы", False),
    ("appeal", "en", "An appeal to 2036", "Keep helping each other.\nThe city is its people.", "Daniyar Akhmetov",
     "Chair", "Almaty Youth Volunteers", False),
    ("goal", "ru", "Единая карта добрых дел", "Все инициативы города — на одной карте.", "Арман Садыков", "",
     "Волонтёры ЧС Алматы", False),
]
OPEN_WORDS = {"kk": "Капсула ашылды", "ru": "Капсула открыта", "en": "The capsule is open"}


@pytest.fixture
def moved_clock(live_server: LiveServer) -> Iterator[LiveServer]:
    try:
        yield live_server
    finally:
        live_server.clock.reset()  # the other browser tests run on today's date


def prepare(live: LiveServer) -> tuple[str, ...]:
    async def work(db: Database) -> tuple[str, ...]:
        assert live.keys is not None
        world = make_world(db, live.clock, live.keys)  # type: ignore[arg-type]
        await world.capsules.create(CapsuleSpec(
            title="Уақыт капсуласы – 2026", slug=SLUG, opening_at=live.clock.now() + timedelta(days=1),
            translations={"ru": {"title": "Капсула времени – 2026"}, "en": {"title": "Time Capsule – 2026"}},
            locks=({"type": "custodians", "threshold": 2, "shares": 3},)), None)
        await world.capsules.publish(SLUG)
        for kind, language, title, body, author, role, organization, photo in WRITTEN:
            token = await world.invite(SLUG, organization)
            receipt = await world.contributions.submit(SLUG, token, fields(
                kind=kind, language=language, title=title, body=body, author_name=author, author_role=role,
                organization=organization), [FakeUpload("сурет.png", png(40, 24))] if photo else [])
            await world.moderation.decide(SLUG, receipt.id, "accept")
        outcome = await SealService(db, live.clock, live.keys).seal(SLUG)
        return outcome.custodian_shares

    return live.run(work)


def enter_share(page: Any, words: str) -> None:
    page.fill("#f-words", words)
    with page.expect_navigation():
        page.locator("form.share-form button[type=submit]").click()


def test_two_custodians_open_the_capsule_from_two_browsers_and_everyone_reads_it(
        moved_clock: LiveServer, browser: Any, screenshots: Path) -> None:
    live = moved_clock
    base = live.base_url
    shares = prepare(live)
    visitor = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    first = browser.new_context(viewport={"width": 420, "height": 860}, is_mobile=True)  # a phone
    second = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        page = visitor.new_page()
        for lang in ("kk", "ru", "en"):
            page.goto(f"{base}/c/{SLUG}?lang={lang}")
            assert page.locator(".trust-panel").is_visible() and page.locator(".fingerprint-groups .group").count() == 10
            shoot(page, screenshots, f"opening-{lang}-1-sealed-page", full=True)
        response = page.goto(f"{base}/c/{SLUG}/open/custodians?lang=kk")
        assert response is not None and response.status == 423
        shoot(page, screenshots, "opening-kk-2-locked")

        live.clock.jump(timedelta(days=2))  # the opening date has come
        custodian = first.new_page()
        custodian.goto(f"{base}/c/{SLUG}/open/custodians?lang=kk")
        assert custodian.locator("#f-words").get_attribute("autocomplete") == "off"
        enter_share(custodian, shares[0])
        assert "2 кілт үлесінің 1 енгізілді" in custodian.locator(".share-count").inner_text()
        assert shares[0].split()[0] not in custodian.content()
        shoot(custodian, screenshots, "opening-kk-3-custodian-one", full=True)

        other = second.new_page()
        other.goto(f"{base}/c/{SLUG}/open/custodians?lang=ru")
        words = shares[1].split()
        enter_share(other, " ".join(words[:10] + ["qqqq"] + words[11:]))  # a mistyped word
        assert "Слова №11 нет в списке слов" in other.locator(".alert-error").inner_text()
        assert other.locator("#f-words").input_value() == ""  # never echoed back
        shoot(other, screenshots, "opening-ru-4-custodian-mistake", full=True)
        enter_share(other, shares[1])
        assert OPEN_WORDS["ru"] in other.locator("main").inner_text()
        shoot(other, screenshots, "opening-ru-5-custodian-opened")

        for lang in ("en", "kk", "ru"):
            page.goto(f"{base}/c/{SLUG}?lang={lang}")
            assert page.locator("article.item").count() == 4 and page.locator(".report-ok").is_visible()
            shoot(page, screenshots, f"opening-{lang}-6-contents", full=True)
        page.goto(f"{base}/c/{SLUG}?lang=kk")
        page.fill("#q", "ҚОҒАМҒА")
        with page.expect_navigation():
            page.locator("form.search button").click()
        assert page.locator("article.item h4").all_inner_texts() == ["Еріктілік — әр алматылықтың ісі"]
        shoot(page, screenshots, "opening-kk-7-search", full=True)
        page.goto(f"{base}/c/{SLUG}?lang=ru&q=ВОЛОНТЕРОВ")
        assert page.locator("article.item h4").all_inner_texts() == ["Поддержка серебряных волонтёров"]
        page.goto(f"{base}/c/{SLUG}?lang=en&q=қоғамға")
        with page.expect_navigation():
            page.locator("a.verified").first.click()  # the item's page, at its proof
        assert page.locator("#proof .proof-ok").is_visible()
        assert page.evaluate("document.querySelector('.attachments img').naturalWidth") == 40
        shoot(page, screenshots, "opening-en-8-item", full=True)

        organizer = second.new_page()
        sign_in(organizer, base, "en")
        organizer.goto(f"{base}/organize/c/{SLUG}/open")
        assert "4 of 4 contributions verified" in organizer.locator(".report").inner_text()
        shoot(organizer, screenshots, "opening-en-9-report")
    finally:
        for context in (visitor, first, second):
            context.close()
    print(f"screenshots: {screenshots}")
