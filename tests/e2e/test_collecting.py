"""The whole collecting walk in a real browser: an organizer prepares a capsule and an
invitation; a leader, with JavaScript off and only the keyboard, contributes in kk, ru or en;
the organizer accepts it, and the leader's receipt says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.server import ORGANIZER_EMAIL, ORGANIZER_PASSWORD, LiveServer
from tests.factories.collecting import png

pytestmark = pytest.mark.e2e

CAPSULE_TITLES = {"kk": "Уақыт капсуласы – 2026", "ru": "Капсула времени – 2026", "en": "Time Capsule – 2026"}
ORGANIZATIONS = {"kk": "Алматы қаласы Еріктілер фронт-кеңсесі", "ru": "Серебряные волонтёры Алматы",
                 "en": "Almaty Youth Volunteers"}
FORM_HEADINGS = {"kk": "Уақыт капсуласына жазбаңыз", "ru": "Ваш материал для капсулы времени",
                 "en": "Your contribution to the time capsule"}
RECEIPT_HEADINGS = {"kk": "Жазбаңыздың түбіртегі", "ru": "Квитанция о вашем материале",
                    "en": "Receipt of your contribution"}
COPIED = {"kk": "Көшірілді", "ru": "Скопировано", "en": "Copied"}
ACCEPTED = {"kk": "Қабылданды", "ru": "Принято", "en": "Accepted"}
# What each leader writes, and which kind (by arrow keys from the first radio button).
WRITES = {
    "kk": dict(arrows=0, title="Еріктілер қозғалысын дамыту",
               body="Әрбір ауданда еріктілер орталығы ашылсын.\nҚоғамға қызмет — біздің борышымыз.",
               author="Айгүл Серікқызы", role="Төраға"),
    "ru": dict(arrows=1, title="Поддержка серебряных волонтёров",
               body="В каждом районе — центр для волонтёров старшего возраста.\nОпыт поколений — общее богатство.",
               author="Ольга Ким", role="Координатор"),
    "en": dict(arrows=2, title="An appeal to 2036",
               body="Keep helping each other.\nThe city is its people.", author="Daniyar Akhmetov", role="Chair"),
}


def tab_to(page: Any, selector: str, limit: int = 40) -> None:
    """Press Tab until `selector` has the focus (as a keyboard user moves through the page)."""
    for _ in range(limit):
        if page.locator(f"{selector}:focus").count():
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def shoot(page: Any, folder: Path, name: str) -> None:
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def prepare(organizer: Any, base: str, lang: str, folder: Path) -> str:
    """Sign in, create and publish a capsule, create an invitation; returns the invitation link."""
    slug = f"capsule-{lang}"
    organizer.goto(f"{base}/organize?lang={lang}")
    assert "/login?next=" in organizer.url
    organizer.fill("#f-email", ORGANIZER_EMAIL)
    organizer.fill("#f-password", ORGANIZER_PASSWORD)
    organizer.locator("main form button[type=submit]").click()
    assert organizer.url == f"{base}/organize?lang={lang}"  # back where the guard sent us from
    organizer.goto(f"{base}/organize/new")
    organizer.fill("#f-title", CAPSULE_TITLES[lang])
    organizer.fill("#f-slug", slug)
    organizer.fill("#f-opening_at", "2036-03-05T12:00")
    organizer.locator("main form button[type=submit]").click()
    assert organizer.url.endswith(f"/organize/c/{slug}?done=created")
    organizer.locator(f"a[href='/organize/c/{slug}/publish']").click()
    organizer.locator("main form button[type=submit]").click()
    assert organizer.url.endswith("done=published")
    organizer.goto(f"{base}/organize/c/{slug}/invitations")
    organizer.fill("#f-organization", ORGANIZATIONS[lang])
    organizer.fill("#f-max_contributions", "3")
    organizer.locator("main form button[type=submit]").click()
    copy = organizer.locator("button[data-copy]").first
    assert copy.is_visible()  # shown by the external script; hidden without JavaScript
    copy.click()
    expect(copy).to_have_text(COPIED[lang])
    shoot(organizer, folder, f"{lang}-1-invitations")
    return str(organizer.locator("input[readonly][id^='link-']").first.input_value())


def contribute_by_keyboard(leader: Any, link: str, lang: str, folder: Path) -> str:
    """Fill the form with Tab and typing only, attach a PNG, preview, send; returns the receipt URL."""
    writes = WRITES[lang]
    leader.goto(f"{link}&lang={lang}")
    assert leader.locator("h1").inner_text() == FORM_HEADINGS[lang]
    assert leader.locator("button[data-copy]").count() == 0
    shoot(leader, folder, f"{lang}-2-form")
    tab_to(leader, "#f-kind-goal")
    leader.keyboard.press("Space")
    for _ in range(writes["arrows"]):
        leader.keyboard.press("ArrowDown")
    tab_to(leader, "#f-title")
    leader.keyboard.type(writes["title"])
    leader.keyboard.press("Tab")
    assert leader.locator("#f-body:focus").count()
    leader.keyboard.type(writes["body"])
    leader.keyboard.press("Tab")
    leader.keyboard.type(writes["author"])
    leader.keyboard.press("Tab")
    leader.keyboard.type(writes["role"])
    tab_to(leader, "#f-language")
    assert leader.locator("#f-language").input_value() == lang  # the page's language by default
    # The file dialog belongs to the operating system; Playwright hands the file to the input.
    leader.set_input_files("#f-attachments", files=[{"name": "сурет.png", "mimeType": "image/png", "buffer": png(8, 8)}])
    tab_to(leader, "main form button[type=submit]")
    with leader.expect_navigation():
        leader.keyboard.press("Enter")
    assert writes["title"] in leader.locator("article.contribution").inner_text()
    assert "сурет.png" in leader.locator("article.contribution").inner_text()
    shoot(leader, folder, f"{lang}-3-preview")
    tab_to(leader, "form.confirm-form button[type=submit]:not([formaction])")
    with leader.expect_navigation():
        leader.keyboard.press("Enter")
    assert leader.locator("h1").inner_text() == RECEIPT_HEADINGS[lang]
    shoot(leader, folder, f"{lang}-4-receipt")
    return str(leader.url)


def accept(organizer: Any, base: str, lang: str, folder: Path) -> None:
    organizer.goto(f"{base}/organize/c/capsule-{lang}/contributions")
    organizer.locator("td a[href*='/contributions/']").first.click()
    assert WRITES[lang]["title"] in organizer.locator("article.contribution h1").inner_text()
    shoot(organizer, folder, f"{lang}-5-moderation")
    organizer.locator("button[name=decision][value=accept]").click()
    assert organizer.url.endswith("done=accept")


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_a_leader_contributes_by_keyboard_without_javascript_and_the_organizer_accepts(
        live_server: LiveServer, browser: Any, screenshots: Path, lang: str) -> None:
    base = live_server.base_url
    errors: list[str] = []
    organizer_context = browser.new_context(viewport={"width": 1200, "height": 900},
                                            permissions=["clipboard-read", "clipboard-write"])
    leader_context = browser.new_context(java_script_enabled=False, viewport={"width": 900, "height": 900})
    try:
        organizer = organizer_context.new_page()
        organizer.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        link = prepare(organizer, base, lang, screenshots)
        leader = leader_context.new_page()
        receipt = contribute_by_keyboard(leader, link, lang, screenshots)
        accept(organizer, base, lang, screenshots)
        leader.goto(receipt)
        assert ACCEPTED[lang] in leader.locator(".status-line").inner_text()
        assert not errors, errors  # no script or policy (CSP) errors on the organizer's pages
    finally:
        organizer_context.close()
        leader_context.close()
    print(f"screenshots: {screenshots}")
