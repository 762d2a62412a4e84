"""Organizer pages: dashboard, capsule settings (dates in the capsule's zone), publishing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.factories.collecting import World
from tests.integration.pages.conftest import Client, plain, post_form, submitted

SETTINGS = {"title": "Уақыт капсуласы – 2026", "description": "Еріктілер жылы – 2026", "slug": "",
            "timezone": "Asia/Almaty", "opening_at": "2036-03-05T12:00", "submissions_close_at": "2026-12-31T18:00",
            "moderation": "on", "lock": "server", "threshold": "3", "shares": "5",
            "ru_title": "Капсула времени – 2026", "en_title": "Time Capsule – 2026"}


def settings(**changes: Any) -> dict[str, Any]:
    return {**SETTINGS, **changes}


async def test_a_new_capsule_takes_its_dates_in_its_own_time_zone_and_stores_them_in_utc(
        organizer: Client, world: World) -> None:
    answer = await post_form(organizer, "/organize/new", settings())
    assert answer.status_code == 303 and answer.headers["location"] == "/organize/c/uaqyt-kapsulasy-2026?done=created"
    capsule = await world.capsules.get("uaqyt-kapsulasy-2026")
    assert capsule.opening_at == datetime(2036, 3, 5, 7, 0, tzinfo=UTC)  # noon in Almaty (UTC+5)
    assert capsule.submissions_close_at == datetime(2026, 12, 31, 13, 0, tzinfo=UTC)
    assert capsule.state == "draft" and capsule.moderation and capsule.locks == [{"type": "server"}]
    assert capsule.translations == {"ru": {"title": "Капсула времени – 2026"}, "en": {"title": "Time Capsule – 2026"}}
    page = await organizer.get(answer.headers["location"] + "&lang=en")
    assert "The capsule was created as a draft." in page.text
    assert "March 5, 2036, 12:00 PM (Asia/Almaty)" in plain(page.text)


async def test_another_time_zone_and_a_custodian_lock(organizer: Client, world: World) -> None:
    answer = await post_form(organizer, "/organize/new", settings(
        slug="moscow", timezone="Europe/Moscow", submissions_close_at="", lock="custodians", threshold="3",
        shares="5", moderation=""))
    assert answer.status_code == 303
    capsule = await world.capsules.get("moscow")
    assert capsule.opening_at == datetime(2036, 3, 5, 9, 0, tzinfo=UTC) and capsule.submissions_close_at is None
    assert capsule.locks == [{"type": "custodians", "threshold": 3, "shares": 5}] and not capsule.moderation
    edit = await organizer.get("/organize/c/moscow/edit")
    assert 'value="2036-03-05T12:00"' in edit.text and 'id="f-lock-custodians" name="lock" value="custodians" checked' in edit.text


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"title": ""}, "title", "Please give the capsule a title"),
    ({"opening_at": "2020-01-01T00:00"}, "opening_at", "Enter a date and time in the future."),
    ({"opening_at": "soon"}, "opening_at", "Enter a date and time, for example"),
    ({"submissions_close_at": "2040-01-01T00:00"}, "submissions_close_at", "not after the opening date"),
    ({"slug": "No Spaces!"}, "slug", "Use 3 to 64 small Latin letters"),
    ({"timezone": "Asia/Nowhere"}, "timezone", "This time zone is not known."),
    ({"lock": "custodians", "threshold": "6", "shares": "5"}, "locks", "at least 2 must be needed"),
    ({"lock": "custodians", "threshold": "1", "shares": "1"}, "locks", "at least 2 must be needed"),
    ({"lock": "custodians", "threshold": "2", "shares": "17"}, "locks", "at most 16 in all"),
])
async def test_bad_settings_come_back_with_the_error_at_the_field_and_the_rest_kept(
        organizer: Client, world: World, changes: dict[str, str], field: str, message: str) -> None:
    answer = await post_form(organizer, "/organize/new?lang=en", settings(**changes))
    assert answer.status_code == 422
    assert message in answer.text and f'<a href="#f-{field}">' in answer.text
    assert 'value="Капсула времени – 2026"' in answer.text and ">Еріктілер жылы – 2026</textarea>" in answer.text
    assert await world.capsules.count() == 0


async def test_a_taken_address_is_said_so(organizer: Client, world: World) -> None:
    await world.collecting("taken")
    answer = await post_form(organizer, "/organize/new?lang=ru", settings(slug="taken"))
    assert answer.status_code == 422 and "Этот адрес уже занят другой капсулой." in answer.text


async def test_a_draft_is_edited_then_published_behind_a_confirmation(organizer: Client, world: World) -> None:
    await post_form(organizer, "/organize/new", settings(slug="draft"))
    saved = await post_form(organizer, "/organize/c/draft/edit", settings(slug="draft", title="Жаңа атау"))
    assert saved.status_code == 303 and (await world.capsules.get("draft")).title == "Жаңа атау"
    confirm = await organizer.get("/organize/c/draft/publish", params={"lang": "kk"})
    assert confirm.status_code == 200 and "«Жаңа атау» жариялансын ба?" in confirm.text
    assert (await world.capsules.get("draft")).state == "draft"  # looking is not publishing
    done = await post_form(organizer, "/organize/c/draft/publish")
    assert done.status_code == 303 and (await world.capsules.get("draft")).state == "collecting"
    again = await post_form(organizer, "/organize/c/draft/edit", settings(slug="draft"))
    assert again.status_code == 409
    assert (await organizer.get("/organize/c/draft/edit")).status_code == 409


async def test_publishing_after_the_opening_date_passed_says_what_to_do(organizer: Client, world: World) -> None:
    await post_form(organizer, "/organize/new", settings(slug="late", submissions_close_at=""))
    world.clock.set(datetime(2036, 3, 6, tzinfo=UTC))
    answer = await post_form(organizer, "/organize/c/late/publish?lang=en")
    assert answer.status_code == 422 and "The opening date has passed." in answer.text


async def test_the_dashboard_shows_each_capsule_with_its_state_and_counts(
        organizer: Client, world: World, client: Client) -> None:
    slug = await world.collecting()
    invite = await world.invite(slug)
    await world.invite(slug, "Екінші ұйым")
    await submitted(client, slug, invite, submit_key="a")
    await submitted(client, slug, invite, submit_key="b")
    page = await organizer.get("/organize", params={"lang": "en"})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store, private"
    row = page.text.split('href="/organize/c/almaty-2026">')[1].split("</tr>")[0]
    assert "Collecting" in row
    cells = [c.split("</td>")[0] for c in row.split("<td>")[1:]]
    assert cells[2:] == ["2", "0", "0", "0", "2"]  # pending, accepted, rejected, withdrawn, invitations


async def test_a_page_of_an_unknown_capsule_is_404(organizer: Client) -> None:
    page = await organizer.get("/organize/c/nothing-here", params={"lang": "kk"})
    assert page.status_code == 404 and "Мұндай бет жоқ." in page.text

