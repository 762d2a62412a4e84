"""Opening: locked before the date for everyone, the organizers' open page after it, and the
custodians entering their shares one at a time, each mistake with its own message."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from litestar.testing import AsyncTestClient

from capsule.config import Settings
from capsule.core.clock import ManualClock
from capsule.core.service_keys import ServiceKeys
from capsule.persistence.database import Database
from capsule.persistence.services.sealing import SealOutcome, SealService
from capsule.web.app import create_app
from tests.factories.collecting import OPENING, World
from tests.integration.pages.conftest import Client, accepted, csrf, plain, post_form

CUSTODIANS = {"locks": ({"type": "custodians", "threshold": 2, "shares": 3},)}
ITEMS = [("goal", "Алматы еріктілер орталығы"), ("appeal", "Күміс еріктілер")]


async def sealed(world: World, slug: str = "almaty-2026", **spec: object) -> SealOutcome:
    await world.collecting(slug, **spec)
    await accepted(world, slug, ITEMS)
    return await SealService(world.db, world.clock, world.keys).seal(slug)


async def enter(client: Client, slug: str, words: str, lang: str = "en") -> object:
    return await post_form(client, f"/c/{slug}/open/custodians?lang={lang}", {"words": words})


async def test_before_the_date_every_opening_page_is_locked_for_everyone(
        organizer: Client, client: Client, world: World) -> None:
    outcome = await sealed(world, **CUSTODIANS)
    for who, path in ((organizer, "/organize/c/almaty-2026/open"), (client, "/c/almaty-2026/open/custodians"),
                      (organizer, "/c/almaty-2026/items/0"), (client, "/c/almaty-2026/items/0/attachments/0"),
                      (organizer, "/c/almaty-2026/items/0/document.json")):
        page = await who.get(path, params={"lang": "en"})
        assert page.status_code == 423, path
        assert "Locked until March 5, 2036, 12:00 PM" in plain(page.text) and "(UTC)" in page.text
        assert "no-store" in page.headers["cache-control"]
    refused = await enter(client, "almaty-2026", outcome.custodian_shares[0])
    assert refused.status_code == 423 and outcome.custodian_shares[0].split()[5] not in refused.text
    assert (await world.capsules.get("almaty-2026")).state == "sealed"
    public = await client.get("/c/almaty-2026", params={"lang": "en"})
    assert "What the capsule holds" not in public.text and "Мақсат №1" not in public.text


async def test_the_server_lock_opens_with_one_button_after_the_date(organizer: Client, world: World) -> None:
    await sealed(world)
    world.clock.set(OPENING)
    page = await organizer.get("/organize/c/almaty-2026/open", params={"lang": "en"})
    assert page.status_code == 200 and 'name="action" value="server"' in page.text and "Open now" in page.text
    opened = await post_form(organizer, "/organize/c/almaty-2026/open", {"action": "server"})
    assert opened.status_code == 303 and opened.headers["location"] == "/organize/c/almaty-2026/open?done=opened"
    report = await organizer.get(opened.headers["location"], params={"lang": "en"})
    assert "2 of 2 contributions verified: each is exactly what was sealed." in report.text
    assert (await world.capsules.get("almaty-2026")).state == "opened"


async def test_a_capsule_set_to_open_by_itself_opens_on_the_first_visit_after_the_date(
        client: Client, world: World) -> None:
    await sealed(world, auto_open=True)
    world.clock.set(OPENING - timedelta(seconds=1))
    assert "What the capsule holds" not in (await client.get("/c/almaty-2026", params={"lang": "en"})).text
    world.clock.set(OPENING)
    page = await client.get("/c/almaty-2026", params={"lang": "en"})
    assert "What the capsule holds" in page.text and "Мақсат №1" in page.text
    assert (await world.capsules.get("almaty-2026")).state == "opened"


async def test_custodians_enter_their_shares_one_at_a_time_and_each_mistake_has_its_own_message(
        client: Client, world: World) -> None:
    outcome = await sealed(world, **CUSTODIANS)
    other = await sealed(world, "other", **CUSTODIANS)
    first, second, _ = outcome.custodian_shares
    world.clock.set(OPENING + timedelta(days=1))
    page = await client.get("/c/almaty-2026/open/custodians", params={"lang": "en"})
    assert page.status_code == 200 and "0 of 2 key shares entered" in page.text
    assert 'autocomplete="off"' in page.text and 'spellcheck="false"' in page.text and 'autocapitalize="none"' in page.text
    words = first.split()
    typo = " ".join([*words[:4], "qqqq", *words[5:]])
    swapped = " ".join([*words[:3], "academic" if words[3] != "academic" else "acid", *words[4:]])
    mistakes = [
        ("", "Please type the words of your card."),
        (typo, "Word 5 is not a word that key shares use."),
        (swapped, "These words are not a valid key share"),
        (" ".join(words[:20]), "These words are not a valid key share"),
        (other.custodian_shares[0], "This key share belongs to another capsule."),
    ]
    for words_typed, message in mistakes:
        answer = await enter(client, "almaty-2026", words_typed)
        assert answer.status_code == 422 and message in answer.text, message
        for word in set(words_typed.split()) - {"qqqq"}:
            assert f">{word}<" not in answer.text and f" {word} " not in answer.text.split("<textarea")[1][:300]
        assert "></textarea>" in answer.text  # never echoed back
    forged = await client.post("/c/almaty-2026/open/custodians", data={"words": first}, follow_redirects=False)
    assert forged.status_code == 403  # no CSRF token: refused before the share is even looked at
    public = await client.get("/c/almaty-2026", params={"lang": "en"})
    assert 'href="/c/almaty-2026/open/custodians"' in public.text  # the way there, once the date has come
    entered = await enter(client, "almaty-2026", first.upper())
    assert entered.status_code == 303 and entered.headers["location"].endswith("done=entered")
    thanks = await client.get(entered.headers["location"] + "&lang=en")
    assert "your share was accepted" in thanks.text and "1 of 2 key shares entered" in thanks.text
    duplicate = await enter(client, "almaty-2026", first)
    assert duplicate.status_code == 422 and "This custodian's share has already been entered." in html.unescape(duplicate.text)
    last = await enter(client, "almaty-2026", second)
    assert last.status_code == 303 and last.headers["location"].endswith("done=opened")
    done = await client.get(last.headers["location"] + "&lang=en")
    assert "The capsule is open" in done.text and 'name="words"' not in done.text
    assert (await world.capsules.get("almaty-2026")).state == "opened"


async def test_the_shares_entered_survive_a_restart(client: Client, world: World, settings: Settings,
                                                    clock: ManualClock, service_keys: ServiceKeys,
                                                    db_url: str) -> None:
    outcome = await sealed(world, **CUSTODIANS)
    world.clock.set(OPENING)
    assert (await enter(client, "almaty-2026", outcome.custodian_shares[2])).status_code == 303
    restarted_db = Database(db_url)  # a new process: a new app, a new database pool, the same data
    app = create_app(settings, clock, keys=service_keys, database=restarted_db)
    app.on_shutdown.append(restarted_db.dispose)
    async with AsyncTestClient(app, base_url="http://capsule.test") as restarted:
        page = await restarted.get("/c/almaty-2026/open/custodians", params={"lang": "en"})
        assert "1 of 2 key shares entered" in page.text
        answer = await restarted.post("/c/almaty-2026/open/custodians", data={
            "_csrf_token": await csrf(restarted), "words": outcome.custodian_shares[0]}, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].endswith("done=opened")
    assert (await world.capsules.get("almaty-2026")).state == "opened"


async def test_too_few_shares_are_said_so_when_the_organizers_open_with_all_locks(
        organizer: Client, client: Client, world: World) -> None:
    outcome = await sealed(world, lock_policy="all",
                           locks=({"type": "server"}, {"type": "custodians", "threshold": 2, "shares": 3}))
    world.clock.set(OPENING)
    page = await organizer.get("/organize/c/almaty-2026/open", params={"lang": "en"})
    assert "Every lock is needed:" in page.text and "Custodians: 0 of 2 key shares entered" in page.text
    assert (await enter(client, "almaty-2026", outcome.custodian_shares[1])).status_code == 303
    too_few = await post_form(organizer, "/organize/c/almaty-2026/open?lang=en", {"action": "all"})
    assert too_few.status_code == 422 and "Not enough key shares yet: 1 entered, 2 needed." in too_few.text
    assert (await enter(client, "almaty-2026", outcome.custodian_shares[0])).headers["location"].endswith("opened")


async def test_a_flood_of_shares_from_one_address_is_slowed_down(client: Client, world: World) -> None:
    await sealed(world, **CUSTODIANS)
    world.clock.set(OPENING)
    statuses = [(await enter(client, "almaty-2026", "academic acid")).status_code for _ in range(11)]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429


async def test_a_capsule_without_custodians_has_no_custodians_page(client: Client, world: World) -> None:
    await sealed(world)
    world.clock.set(OPENING)
    assert (await client.get("/c/almaty-2026/open/custodians")).status_code == 404


@pytest.mark.parametrize("lang", ["kk", "ru"])
async def test_the_custodians_page_speaks_kazakh_and_russian(client: Client, world: World, lang: str) -> None:
    await sealed(world, **CUSTODIANS)
    world.clock.set(OPENING)
    page = await client.get("/c/almaty-2026/open/custodians", params={"lang": lang})
    expected = {"kk": "2 кілт үлесінің 0 енгізілді", "ru": "Введено 0 из 2 долей ключа"}[lang]
    assert expected in page.text
