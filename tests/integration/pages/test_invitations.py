"""Organizer pages: invitation links (list, create with a limit, copy, revoke)."""

from __future__ import annotations

import html

from tests.factories.collecting import World
from tests.integration.pages.conftest import Client, post_form, submitted


async def test_created_invitations_are_listed_with_their_link_use_and_status(
        organizer: Client, world: World) -> None:
    slug = await world.collecting()
    answer = await post_form(organizer, f"/organize/c/{slug}/invitations", {
        "organization": "Қазақстан Қызыл Жарты Ай", "name": "Айгүл Серікқызы", "email": "aigul@example.kz",
        "max_contributions": "2"})
    assert answer.status_code == 303
    [invitation] = await world.invitations.list(slug)
    assert invitation.max_contributions == 2
    await submitted(organizer, slug, invitation.token)
    page = await organizer.get(answer.headers["location"] + "&lang=en")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store, private"
    text = page.text
    assert "The invitation was created." in text
    assert "Қазақстан Қызыл Жарты Ай" in text and "Айгүл Серікқызы" in text and "1 of 2" in text and "Active" in text
    link = f"http://capsule.test/c/{slug}/contribute?invite={invitation.token}"
    assert f'value="{html.escape(link)}" readonly' in text
    # The copy button is progressive enhancement: hidden until the external script shows it.
    assert f'data-copy="link-{invitation.id}"' in text and " hidden>" in text
    assert '<script src="/static/capsule.js" defer></script>' in text
    script = await organizer.get("/static/capsule.js")
    assert script.status_code == 200 and "clipboard" in script.text


async def test_a_used_up_invitation_says_so(organizer: Client, world: World) -> None:
    slug = await world.collecting()
    token = await world.invite(slug, "Бір рет", max_contributions=1)
    await submitted(organizer, slug, token)
    page = await organizer.get(f"/organize/c/{slug}/invitations", params={"lang": "ru"})
    assert "1 из 1" in page.text and "Исчерпано" in page.text


async def test_bad_invitation_fields_come_back_with_their_errors(organizer: Client, world: World) -> None:
    slug = await world.collecting()
    answer = await post_form(organizer, f"/organize/c/{slug}/invitations?lang=en",
                             {"organization": "", "name": "Айгүл", "max_contributions": "0"})
    assert answer.status_code == 422 and "Please name the organization" in answer.text
    assert 'value="Айгүл"' in answer.text
    answer = await post_form(organizer, f"/organize/c/{slug}/invitations?lang=en",
                             {"organization": "Ұйым", "max_contributions": "many"})
    assert answer.status_code == 422 and "Enter a whole number from 1 to 1000" in answer.text
    assert await world.invitations.list(slug) == []


async def test_revoking_asks_first_then_the_link_stops_working(organizer: Client, world: World) -> None:
    slug = await world.collecting()
    created = await world.invitations.create(slug, "Жастар ұйымы")
    base = f"/organize/c/{slug}/invitations/{created.id}/revoke"
    confirm = await organizer.get(base, params={"lang": "kk"})
    assert confirm.status_code == 200 and "«Жастар ұйымы» шақыруының күші жойылсын ба?" in confirm.text
    assert not (await world.invitations.list(slug))[0].revoked
    done = await post_form(organizer, base)
    assert done.status_code == 303 and (await world.invitations.list(slug))[0].revoked
    page = await organizer.get(f"/c/{slug}/contribute", params={"invite": created.token})
    assert page.status_code == 403
