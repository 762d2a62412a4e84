"""The ceremony on the projector: live counts, the pending warning, the confirmation, the seal,
then the fingerprint, its QR code and custodian cards shown exactly once."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from capsule.core import certificate, shares
from capsule.core.lifecycle import Status
from capsule.persistence import models as m
from capsule.persistence.services.sealing import SealService
from capsule.web import qr
from tests.factories.collecting import World, fields
from tests.integration.pages.conftest import Client, accepted, plain, post_form

ORGS = [("goal", "Алматы еріктілер орталығы"), ("priority", "Алматы еріктілер орталығы"),
        ("appeal", "Күміс еріктілер"), ("goal", "Almaty Youth Volunteers")]
CUSTODIANS = ({"type": "custodians", "threshold": 2, "shares": 3},)


def cards(page: str) -> list[list[str]]:
    """The words of each custodian card on a page, in order."""
    found = []
    for card in page.split('<article class="custodian-card"')[1:]:
        words = re.findall(r'<span class="w">([a-z]+)</span>', card.split("</ol>")[0])
        found.append(words)
    return found


def fingerprint_on(page: str) -> str:
    groups = re.findall(r'<span class="group">([0-9A-F]{4})</span>', page)
    return " ".join(groups)


async def test_the_projector_counts_by_kind_and_organization_and_warns_of_pending(
        organizer: Client, world: World) -> None:
    slug = await world.collecting()
    await accepted(world, slug, ORGS)
    await world.contributions.submit(slug, await world.invite(slug, "Кешіккен ұйым"), fields())
    page = await organizer.get(f"/organize/c/{slug}/ceremony", params={"lang": "en"})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store, private"
    tiles = re.findall(r'<span class="tile-number">(\d+)</span><span class="tile-label">([^<]+)', page.text)
    assert tiles == [("2", "Strategic goals"), ("1", "Priorities"), ("1", "Appeals"), ("4", "accepted in all")]
    assert "From 3 organizations" in page.text
    orgs = re.findall(r'<span class="org-name">([^<]+)</span> <span class="org-count">(\d+)', page.text)
    assert orgs[0] == ("Алматы еріктілер орталығы", "2") and len(orgs) == 3
    assert "1 contribution is still waiting for review" in page.text and "Кешіккен ұйым" in page.text
    assert '<noscript><meta http-equiv="refresh" content="20"></noscript>' in page.text
    assert '<script src="/static/ceremony.js" defer></script>' in page.text and " style=" not in page.text
    live = await organizer.get(f"/organize/c/{slug}/ceremony/live", params={"lang": "kk"})
    assert "<html" not in live.text and 'data-state="collecting"' in live.text
    assert "Стратегиялық мақсаттар" in live.text and re.search(r'tile-number">4<', live.text)
    assert (await organizer.get(f"/organize/c/{slug}/ceremony/progress")).json()["state"] == "idle"


async def test_sealing_with_pending_needs_the_choice_to_leave_them_out(organizer: Client, world: World) -> None:
    slug = await world.collecting()
    await accepted(world, slug, ORGS[:2])
    late = await world.contributions.submit(slug, await world.invite(slug, "Кешіккен ұйым"), fields())
    for lang, words in (("kk", ("«Уақыт капсуласы – 2026» мөрленсін бе?", "2036 ж. 5 наурыз, 12:00")),
                        ("ru", ("Запечатать «Уақыт капсуласы – 2026»?", "5 марта 2036 г., 12:00")),
                        ("en", ("Seal “Уақыт капсуласы – 2026”?", "March 5, 2036, 12:00 PM"))):
        confirm = await organizer.get(f"/organize/c/{slug}/ceremony/confirm", params={"lang": lang})
        for word in words:
            assert word in plain(confirm.text), (lang, word)
    assert 'name="exclude_pending" value="on" required' in confirm.text
    refused = await post_form(organizer, f"/organize/c/{slug}/ceremony/seal?lang=en")
    assert refused.status_code == 409 and "It was not sealed: 1 contribution is still waiting" in refused.text
    assert (await world.capsules.get(slug)).state == "collecting"
    assert (await organizer.get(f"/organize/c/{slug}/ceremony/progress")).json()["state"] == "failed"
    sealed = await post_form(organizer, f"/organize/c/{slug}/ceremony/seal?lang=en", {"exclude_pending": "on"})
    assert sealed.status_code == 200 and "2 contributions sealed · 1 left out" in sealed.text
    receipt = await world.contributions.receipt(late.id, late.receipt_token)
    assert receipt.status == Status.EXCLUDED
    assert (await organizer.get(f"/organize/c/{slug}/ceremony/progress")).json()["state"] == "done"


async def test_the_seal_shows_the_fingerprint_its_qr_code_and_each_custodian_card_once(
        organizer: Client, world: World, client: Client) -> None:
    slug = await world.collecting(locks=CUSTODIANS)
    await accepted(world, slug, ORGS)
    answer = await post_form(organizer, f"/organize/c/{slug}/ceremony/seal?lang=kk")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store, private"
    async with world.db.read() as session:
        seal = (await session.execute(select(m.Seal))).scalar_one()
    assert fingerprint_on(answer.text) == seal.fingerprint and len(seal.fingerprint.split()) == 10
    assert f'<img class="qr qr-big" src="/c/{slug}/fingerprint.svg"' in answer.text
    assert "2036 ж. 5 наурыз" in plain(answer.text)
    # Exactly n cards of 33 words each; any k of them open the lock of the certificate.
    found = cards(answer.text)
    assert [len(words) for words in found] == [33, 33, 33]
    lock = certificate.parse_certificate(seal.certificate).locks[0]
    assert shares.combine([" ".join(found[0]), " ".join(found[2])], lock)
    assert shares.combine([" ".join(found[1]), " ".join(found[2])], lock)
    assert len(re.findall(r'<svg role="img" xmlns="http://www.w3.org/2000/svg"', answer.text)) == 3
    assert "Сақтаушы 1 / 3" in answer.text and "Сақтаушы 3 / 3" in answer.text
    for code in ("kk", "ru", "en"):
        assert f'<section lang="{code}">' in answer.text
    assert "Больше они показаны не будут" not in answer.text  # the warning is in the page's language
    assert "Олар қайта көрсетілмейді" in answer.text
    assert " style=" not in answer.text and "<style" not in answer.text

    svg = await client.get(f"/c/{slug}/fingerprint.svg")
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert svg.content == qr.svg(f"http://capsule.test/c/{slug}?fingerprint={''.join(seal.fingerprint.split())}",
                                 title=seal.fingerprint)
    assert b"style" not in svg.content and svg.headers["etag"].startswith('"')
    again = await client.get(f"/c/{slug}/fingerprint.svg", headers={"if-none-match": svg.headers["etag"]})
    assert again.status_code == 304 and again.content == b""

    # A reload, or a second seal, shows the fingerprint again, never the words.
    reload = await organizer.get(f"/organize/c/{slug}/ceremony", params={"lang": "en"})
    second = await post_form(organizer, f"/organize/c/{slug}/ceremony/seal?lang=en")
    assert reload.status_code == 200 and second.status_code == 409
    for page in (reload, second):
        assert fingerprint_on(page.text) == seal.fingerprint and cards(page.text) == []
        assert " ".join(found[0][:4]) not in page.text
        assert "shown once, at sealing" in page.text
    assert "already sealed: it cannot be sealed twice" in second.text


async def test_a_capsule_without_custodians_has_no_cards_and_the_progress_endpoint_is_for_organizers(
        organizer: Client, world: World, client: Client) -> None:
    slug = await world.collecting()
    await accepted(world, slug, ORGS[:1])
    answer = await post_form(organizer, f"/organize/c/{slug}/ceremony/seal")
    assert answer.status_code == 200 and cards(answer.text) == [] and "custodian-card" not in answer.text
    organizer.cookies.clear()
    anonymous = await organizer.get(f"/organize/c/{slug}/ceremony/progress", follow_redirects=False)
    assert anonymous.status_code in (302, 303) and anonymous.headers["location"].startswith("/login")
    assert (await client.get(f"/organize/c/{slug}/ceremony", follow_redirects=False)).status_code in (302, 303)


async def test_the_public_page_shows_the_fingerprint_the_seal_files_and_how_to_check(
        client: Client, world: World) -> None:
    slug = await world.collecting()
    await accepted(world, slug, ORGS)
    outcome = await SealService(world.db, world.clock, world.keys).seal(slug)
    page = await client.get(f"/c/{slug}", params={"lang": "en"})
    assert page.status_code == 200 and fingerprint_on(page.text) == outcome.fingerprint
    for link in ("archive", "certificate", "certificate.sig", "manifest", "log"):
        assert f'href="/api/v1/capsules/{slug}/{link}"' in page.text
    assert "How to check" in page.text and f"capsule verify capsule-{slug}-sealed.zip" in page.text and "docs/FORMAT.md" in page.text
    counts = re.findall(r'<span class="count">(\d)</span>', page.text)
    assert counts == ["2", "1", "1"]
    digits = "".join(outcome.fingerprint.split())
    scanned = await client.get(f"/c/{slug}", params={"lang": "en", "fingerprint": digits.lower()})
    assert "The fingerprint you scanned is this capsule" in html.unescape(scanned.text)
    wrong = await client.get(f"/c/{slug}", params={"lang": "en", "fingerprint": "0" * 40})
    assert "is NOT this capsule" in html.unescape(wrong.text)
