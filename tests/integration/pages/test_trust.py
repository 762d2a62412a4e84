"""The capsule page says, for each lock, who could open the capsule before its date; the
settings form offers every lock and the policy, and warns when drand would be alone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from capsule.core import tlock
from capsule.persistence.services.sealing import SealService
from tests.factories.collecting import World
from tests.integration.pages.conftest import Client, plain, post_form

ROUND = tlock.round_at(datetime(2036, 3, 5, 7, 0, tzinfo=UTC))
SENTENCES: dict[str, dict[str, list[str]]] = {
    "server": {
        "en": ["The operator of this service could open it before the date."],
        "ru": ["Оператор этого сервиса мог бы открыть её раньше срока."],
        "kk": ["Бұл қызметтің операторы оны мерзімінен бұрын аша алар еді."],
    },
    "custodians": {
        "en": ["Any 3 of the 5 custodians together could open it before the date."],
        "ru": ["Любые 3 из 5 хранителей вместе могли бы открыть её раньше срока."],
        "kk": ["Барлығы 5 сақтаушының кез келген 3 адамы бірігіп оны мерзімінен бұрын аша алар еді."],
    },
    "drand": {
        "en": [f"Nobody: it is time-locked to drand round {ROUND} (published at March 5, 2036, 12:00 PM (Asia/Almaty)), "
               "operated by the League of Entropy.", "quicknet", "52db9ba70e0cc0f6…", "March 5, 2036, 7:00 AM (UTC)"],
        "ru": [f"Никто: она заперта по времени на раунд {ROUND} сети drand (его опубликуют 5 марта 2036 г., 12:00 "
               "(Asia/Almaty)), которую поддерживает League of Entropy."],
        "kk": [f"Ешкім: капсула drand желісінің {ROUND} раундына уақыт бойынша құлыпталған (ол 2036 ж. 5 наурыз, 12:00 "
               "(Asia/Almaty) жарияланады), бұл желіні League of Entropy жүргізеді."],
    },
    "all": {
        "en": ["Only all of these together could open it:", "any 3 of the 5 custodians, together;",
               f"the drand network, which publishes the key of round {ROUND} only at the date.",
               "So nobody can open it before the date."],
        "ru": ["Открыть её могли бы только все вместе:", "любые 3 из 5 хранителей вместе;",
               "Значит, раньше срока её не откроет никто."],
        "kk": ["Оны тек осылардың бәрі бірге аша алар еді:", "Демек, оны мерзімінен бұрын ешкім аша алмайды."],
    },
}
LOCKS: dict[str, dict[str, Any]] = {
    "server": {},
    "custodians": {"locks": ({"type": "custodians", "threshold": 3, "shares": 5},)},
    "drand": {"locks": ({"type": "drand"},)},
    "all": {"lock_policy": "all",
            "locks": ({"type": "drand"}, {"type": "custodians", "threshold": 3, "shares": 5})},
}


@pytest.mark.parametrize("kind", list(LOCKS))
async def test_the_capsule_page_says_who_could_open_it_before_the_date(client: Client, world: World, kind: str) -> None:
    slug = await world.collecting(**LOCKS[kind])
    for sealed in (False, True):
        if sealed:
            await SealService(world.db, world.clock, world.keys).seal(slug)
        for lang, sentences in SENTENCES[kind].items():
            page = await client.get(f"/c/{slug}", params={"lang": lang})
            trust = plain(page.text).split('class="panel trust-panel"')[1].split("</section>")[0]
            for sentence in sentences:
                assert sentence in " ".join(trust.replace("<strong>", "").replace("</strong>", "").split()), (lang, sentence)


async def test_several_locks_where_any_one_opens_are_said_so(client: Client, world: World) -> None:
    slug = await world.collecting(locks=({"type": "server"}, {"type": "custodians", "threshold": 2, "shares": 3}))
    page = plain((await client.get(f"/c/{slug}", params={"lang": "en"})).text)
    assert "Any one of these could open it on its own:" in page
    assert "The operator of this service could open it before the date." in page
    assert "Any 2 of the 3 custodians together could open it before the date." in page


SETTINGS = {"title": "Уақыт капсуласы – 2026", "timezone": "Asia/Almaty", "opening_at": "2036-03-05T12:00",
            "threshold": "3", "shares": "5"}


async def test_the_form_offers_drand_and_the_policy_and_saves_all_of_drand_and_custodians(
        organizer: Client, world: World) -> None:
    form = await organizer.get("/organize/new", params={"lang": "en"})
    assert 'name="lock" value="drand"' in form.text and 'name="lock_policy" value="all"' in form.text
    assert "League of Entropy" in form.text and "not post-quantum" in form.text and "couple of years" in form.text
    answer = await organizer.post("/organize/new", data={
        "_csrf_token": organizer.cookies["capsule_csrf"], **SETTINGS, "slug": "both",
        "lock": ["drand", "custodians"], "lock_policy": "all"}, follow_redirects=False)
    assert answer.status_code == 303
    capsule = await world.capsules.get("both")
    assert capsule.lock_policy == "all"
    assert capsule.locks == [{"type": "custodians", "threshold": 3, "shares": 5}, {"type": "drand"}]
    edit = await organizer.get("/organize/c/both/edit")
    assert 'value="drand" checked' in edit.text and 'value="custodians" checked' in edit.text
    assert 'value="all" checked' in edit.text and 'value="server" checked' not in edit.text


async def test_drand_alone_is_saved_with_a_warning_and_auto_open_needs_the_server_lock(
        organizer: Client, world: World) -> None:
    answer = await post_form(organizer, "/organize/new?lang=en", {**SETTINGS, "slug": "alone", "lock": "drand",
                                                                  "auto_open": "on"})
    assert answer.status_code == 303
    capsule = await world.capsules.get("alone")
    assert capsule.locks == [{"type": "drand"}] and not capsule.auto_open
    overview = await organizer.get("/organize/c/alone", params={"lang": "en"})
    assert "drand is this capsule's only lock." in overview.text
    edit = await organizer.get("/organize/c/alone/edit", params={"lang": "en"})
    assert 'class="alert alert-warning drand-alone is-shown"' in edit.text
    auto = await post_form(organizer, "/organize/new", {**SETTINGS, "slug": "auto", "lock": "server", "auto_open": "on"})
    assert auto.status_code == 303 and (await world.capsules.get("auto")).auto_open


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"lock": ""}, "locks", "Choose at least one lock."),
    ({"lock": "server", "lock_policy": "all"}, "lock_policy", "needs at least two locks"),
])
async def test_lock_choices_that_cannot_work_are_refused_at_their_field(
        organizer: Client, world: World, changes: dict[str, str], field: str, message: str) -> None:
    answer = await post_form(organizer, "/organize/new?lang=en", {**SETTINGS, "slug": "bad", **changes})
    assert answer.status_code == 422 and message in answer.text and f'<a href="#f-{field}">' in answer.text
