"""The sealing ceremony in a real browser on a 1920×1080 projector, in kk, ru and en: the live
count, the confirmation, the seal, the fingerprint and its QR code, custodian cards printed one
per page — and shown only once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from capsule.persistence.database import Database
from capsule.persistence.services.capsules import CapsuleSpec
from tests.e2e.server import ORGANIZER_EMAIL, ORGANIZER_PASSWORD, LiveServer
from tests.factories.collecting import OPENING, fields, make_world

pytestmark = pytest.mark.e2e

PROJECTOR = {"width": 1920, "height": 1080}
TITLES = {"kk": "Уақыт капсуласы – 2026", "ru": "Капсула времени – 2026", "en": "Time Capsule – 2026"}
ORGANIZATIONS = ["Алматы қаласы Еріктілер фронт-кеңсесі", "Серебряные волонтёры Алматы", "Almaty Youth Volunteers",
                 "«Жасыл Алматы» экоеріктілері", "Қызыл Жарты Ай — Алматы", "Волонтёры ЧС Алматы"]
SEALED_WORD = {"kk": "Мөрленген", "ru": "Запечатана", "en": "Sealed"}


def sign_in(page: Any, base: str, lang: str) -> None:
    page.goto(f"{base}/login?lang={lang}")
    page.fill("#f-email", ORGANIZER_EMAIL)
    page.fill("#f-password", ORGANIZER_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/organize**")


def prepare(live: LiveServer, slug: str, lang: str) -> None:
    """A collecting capsule with a 2-of-3 custodians lock, eight accepted contributions from six
    organizations and one still waiting for review (through the services, as the demo does)."""
    async def work(db: Database) -> None:
        assert live.keys is not None
        world = make_world(db, live.clock, live.keys)  # type: ignore[arg-type]
        await world.capsules.create(CapsuleSpec(
            title=TITLES[lang], slug=slug, opening_at=OPENING,
            locks=({"type": "custodians", "threshold": 2, "shares": 3},)), None)
        await world.capsules.publish(slug)
        for n in range(8):
            organization = ORGANIZATIONS[n % len(ORGANIZATIONS)]
            token = await world.invite(slug, organization)
            receipt = await world.contributions.submit(slug, token, fields(
                kind=("goal", "priority", "appeal")[n % 3], organization=organization))
            await world.moderation.decide(slug, receipt.id, "accept")
        await world.contributions.submit(slug, await world.invite(slug, "Кешіккен ұйым"), fields())

    live.run(work)


def shoot(page: Any, folder: Path, name: str, *, full: bool = False) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=full)


def pdf_pages(data: bytes) -> int:
    return data.count(b"/Type /Page") - data.count(b"/Type /Pages")


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_the_ceremony_on_a_projector_seals_and_prints_the_custodian_cards_once(
        live_server: LiveServer, browser: Any, screenshots: Path, lang: str) -> None:
    base, slug = live_server.base_url, f"ceremony-{lang}"
    prepare(live_server, slug, lang)
    context = browser.new_context(viewport=PROJECTOR)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        sign_in(page, base, lang)
        page.goto(f"{base}/organize/c/{slug}/ceremony")
        assert page.locator(".tile-number").all_inner_texts() == ["3", "3", "2", "8"]
        assert page.locator(".pending-warning").is_visible()
        # The essentials fit the projector: nothing to scroll.
        assert page.evaluate("document.documentElement.scrollHeight") <= PROJECTOR["height"]
        shoot(page, screenshots, f"ceremony-{lang}-1-projector")

        page.locator("a.button-big").click()
        page.wait_for_url(f"**/ceremony/confirm")
        assert TITLES[lang] in page.locator("h1").inner_text()
        shoot(page, screenshots, f"ceremony-{lang}-2-confirm", full=True)
        page.locator("#f-exclude_pending").check()
        with page.expect_navigation():
            page.locator("form.seal-form button[type=submit]").click()

        fingerprint = page.locator(".seal-result .fingerprint-groups").inner_text()
        assert len(fingerprint.split()) == 10 and SEALED_WORD[lang] in page.locator("h1").inner_text()
        assert page.evaluate("document.querySelector('img.qr-big').naturalWidth") > 0
        assert page.locator(".custodian-card").count() == 3
        assert page.locator(".custodian-card").first.locator(".words li").count() == 33
        assert page.evaluate("document.documentElement.scrollHeight") > PROJECTOR["height"]  # the cards below
        shoot(page, screenshots, f"ceremony-{lang}-3-sealed")
        assert page.locator("button[data-print]").is_visible()
        page.emulate_media(media="print")
        shoot(page, screenshots, f"ceremony-{lang}-4-cards-print", full=True)
        if lang == "kk":
            pdf = page.pdf(format="A4")
            (screenshots / f"ceremony-{lang}-cards.pdf").write_bytes(pdf)
            assert pdf_pages(pdf) == 3  # one card per printed page, nothing else
            page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi, as printed
            page.locator(".custodian-card").first.screenshot(path=str(screenshots / f"ceremony-{lang}-5-card-a4.png"))
            page.set_viewport_size(PROJECTOR)
        page.emulate_media(media="screen")

        page.goto(f"{base}/organize/c/{slug}/ceremony")
        assert page.locator(".fingerprint-groups").inner_text() == fingerprint
        assert page.locator(".custodian-card").count() == 0  # shown once, never again
        assert not errors, errors
    finally:
        context.close()
    print(f"screenshots: {screenshots}")


def test_the_projector_count_follows_new_contributions_by_itself(live_server: LiveServer, browser: Any) -> None:
    base, slug = live_server.base_url, "ceremony-live"
    prepare(live_server, slug, "kk")
    context = browser.new_context(viewport=PROJECTOR)
    try:
        page = context.new_page()
        sign_in(page, base, "kk")
        page.goto(f"{base}/organize/c/{slug}/ceremony")
        assert page.locator(".tile-total .tile-number").inner_text() == "8"

        async def one_more(db: Database) -> None:
            assert live_server.keys is not None
            world = make_world(db, live_server.clock, live_server.keys)  # type: ignore[arg-type]
            receipt = await world.contributions.submit(slug, await world.invite(slug, "Жаңа ұйым"), fields())
            await world.moderation.decide(slug, receipt.id, "accept")

        live_server.run(one_more)
        expect(page.locator(".tile-total .tile-number")).to_have_text("9", timeout=8000)  # no reload: the script
        assert "Жаңа ұйым" in page.locator(".org-list").inner_text()
    finally:
        context.close()
