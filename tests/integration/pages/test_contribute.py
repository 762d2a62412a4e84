"""The contribution form: form → preview → receipt, and every way it can be refused."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
from litestar.connection import Request
from sqlalchemy import func, select

from capsule.persistence import models as m
from tests.factories.collecting import World, png
from tests.integration.pages.conftest import (
    NO_FILE,
    Client,
    confirm,
    contribute,
    csrf,
    fields,
    hidden,
    plain,
    post_form,
    submitted,
)

TITLES = {"kk": "Уақыт капсуласына жазбаңыз", "ru": "Ваш материал для капсулы времени",
          "en": "Your contribution to the time capsule"}


async def _contributions(world: World) -> int:
    async with world.db.read() as session:
        return (await session.execute(select(func.count()).select_from(m.Contribution)
                                      .where(m.Contribution.status != "draft"))).scalar_one()


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
async def test_the_form_speaks_the_visitors_language_and_labels_every_field(client: Client, world: World,
                                                                           lang: str) -> None:
    slug = await world.collecting()
    invite = await world.invite(slug, "Алматы еріктілер орталығы")
    page = await client.get(f"/c/{slug}/contribute", params={"invite": invite, "lang": lang})
    assert page.status_code == 200
    text = page.text
    assert TITLES[lang] in text and f'<html lang="{lang}">' in text
    for name in ("title", "body", "author_name", "author_role", "organization", "language", "attachments"):
        assert f'<label for="f-{name}">' in text and f'id="f-{name}"' in text
    for kind in ("goal", "priority", "appeal"):
        assert f'<label for="f-kind-{kind}">' in text
    assert 'value="Алматы еріктілер орталығы"' in text  # organization from the invitation
    assert f'<option value="{lang}" lang="{lang}" selected>' in text  # the page's language by default
    assert 'maxlength="200"' in text and 'maxlength="20000"' in text and "1 MiB" in text.replace("МиБ", "MiB")
    assert text.index('name="_csrf_token"') < text.index('name="kind"') < text.index('name="attachments"')
    assert page.headers["cache-control"] == "no-store, private"


async def test_preview_shows_what_was_typed_with_its_commitment_then_submit_gives_a_receipt(
        client: Client, world: World) -> None:
    slug = await world.collecting()
    invite = await world.invite(slug)
    preview = await contribute(client, slug, invite, [("сурет.png", png())], lang="en")
    assert preview.status_code == 200
    assert "Еріктілер қозғалысын дамыту" in preview.text and "Айгүл Серікқызы" in preview.text
    assert "сурет.png" in preview.text and '<article class="contribution panel" lang="kk">' in preview.text
    assert await _contributions(world) == 0  # a draft is not a contribution yet
    commitment = preview.text.split('<code class="hash">')[1].split("<")[0]
    done = await confirm(client, slug, preview.text)
    assert done.status_code == 303 and done.headers["location"].startswith("/receipts/")
    receipt = await client.get(done.headers["location"])
    assert receipt.status_code == 200 and commitment in receipt.text
    assert "Thank you! Your contribution was received." in receipt.text
    assert await _contributions(world) == 1


async def test_change_from_the_preview_returns_the_form_with_everything_typed(client: Client, world: World) -> None:
    slug = await world.collecting()
    invite = await world.invite(slug)
    preview = await contribute(client, slug, invite, [("a.png", png())])
    values = {name: hidden(preview.text, name) for name in
              ("invite", "kind", "title", "body", "author_name", "author_role", "organization", "language", "had_files")}
    back = await post_form(client, f"/c/{slug}/contribute/change", values, params={"lang": "en"})
    assert back.status_code == 200
    assert 'value="Еріктілер қозғалысын дамыту"' in back.text and 'value="Төраға"' in back.text
    assert ">Әрбір ауданда еріктілер орталығы ашылсын.\nҚоғамға қызмет — біздің борышымыз.</textarea>" in back.text
    assert 'id="f-kind-goal" name="kind" value="goal" checked' in back.text
    assert "please choose your files again" in back.text
    assert hidden(back.text, "submit_key") != "key-1"  # a new form, a new key


async def test_missing_and_too_long_fields_come_back_each_with_its_error_and_nothing_lost(
        client: Client, world: World) -> None:
    slug = await world.collecting()
    invite = await world.invite(slug)
    page = await contribute(client, slug, invite, [("a.png", png())], title="", body="ә" * 20_001,
                            author_name="Айгүл <Серікқызы>", lang="en")
    assert page.status_code == 422
    text = page.text
    assert 'aria-invalid="true"' in text
    assert 'id="f-title" name="title" type="text" value="" maxlength="200" required aria-required="true" ' \
           'aria-describedby="f-title-hint f-title-error" aria-invalid="true"' in text
    assert 'id="f-title-error"' in text and "Please fill in this field." in text
    assert 'id="f-body-error"' in text and "This is longer than 20000 characters." in text
    assert '<a href="#f-title">' in text and '<a href="#f-body">' in text  # the summary links to the fields
    assert "ә" * 20_001 in text and 'value="Айгүл &lt;Серікқызы&gt;"' in text
    assert "please choose your files again" in text
    assert await _contributions(world) == 0


async def test_errors_are_in_kazakh_on_a_kazakh_page(client: Client, world: World) -> None:
    slug = await world.collecting()
    invite = await world.invite(slug)
    page = await client.post(f"/c/{slug}/contribute?lang=kk", data={
        "_csrf_token": await csrf(client), "submit_key": "k", "invite": invite, "kind": "", "title": "",
        "body": "", "author_name": "", "organization": "", "language": "kk"},
        files=[("attachments", ("", b"", "application/octet-stream"))], follow_redirects=False)  # no file chosen
    assert page.status_code == 422
    assert "Мына қателерді түзетіңіз" in page.text and "Бұл өрісті толтырыңыз." in page.text
    assert "Нұсқалардың бірін таңдаңыз." in page.text


@pytest.mark.parametrize(("change", "reason", "message"), [
    ("unknown", "unknown", "This invitation link is not valid"),
    ("revoked", "revoked", "was revoked by the organizers"),
    ("used", "exhausted", "used as many times as it allows (1)"),
])
async def test_an_invitation_that_cannot_be_used_gets_a_403_page_saying_why(
        client: Client, world: World, change: str, reason: str, message: str) -> None:
    slug = await world.collecting()
    if change == "unknown":
        invite = "inv_" + "A" * 43
    elif change == "revoked":
        created = await world.invitations.create(slug, "A")
        await world.invitations.revoke(slug, created.id)
        invite = created.token
    else:
        invite = await world.invite(slug, max_contributions=1)
        await submitted(client, slug, invite)
    page = await client.get(f"/c/{slug}/contribute", params={"invite": invite, "lang": "en"})
    assert page.status_code == 403 and message in page.text
    posted = await client.post(f"/c/{slug}/contribute?lang=en", data={
        "_csrf_token": await csrf(client), "submit_key": "other", "invite": invite, **fields()},
        files=[("attachments", ("a.png", png(), "image/png"))], follow_redirects=False)
    assert posted.status_code == 403 and message in posted.text


async def test_after_the_deadline_the_form_says_since_when_in_the_capsules_time_zone(
        client: Client, world: World) -> None:
    slug = await world.collecting(submissions_close_at=datetime(2026, 4, 1, 13, 0, tzinfo=UTC))
    invite = await world.invite(slug)
    world.clock.set(datetime(2026, 4, 2, tzinfo=UTC))
    for lang, date in (("en", "April 1, 2026"), ("ru", "1 апреля 2026"), ("kk", "2026 ж. 1 сәуір")):
        page = await client.get(f"/c/{slug}/contribute", params={"invite": invite, "lang": lang})
        assert page.status_code == 409
        text = plain(page.text)
        assert date in text and "18:00" in text.replace("6:00 PM", "18:00") and "Asia/Almaty" in text


async def test_a_draft_capsule_takes_no_contributions_yet(client: Client, world: World) -> None:
    from capsule.persistence.services.capsules import CapsuleSpec
    from tests.factories.collecting import OPENING

    await world.capsules.create(CapsuleSpec(title="Draft", slug="draft", opening_at=OPENING), None)
    invite = await world.invite("draft")
    page = await client.get("/c/draft/contribute", params={"invite": invite, "lang": "en"})
    assert page.status_code == 409 and "does not take contributions yet" in page.text


async def test_an_oversized_file_is_413_naming_it_and_the_text_stays(client: Client, world: World) -> None:
    slug = await world.collecting()
    invite = await world.invite(slug)
    page = await client.post(f"/c/{slug}/contribute?lang=en", data={
        "_csrf_token": await csrf(client), "submit_key": "k", "invite": invite, **fields()},
        files=[("attachments", ("үлкен-сурет.png", png() + b"\0" * (1024 * 1024), "image/png"))],
        follow_redirects=False)
    assert page.status_code == 413
    assert "The file “үлкен-сурет.png” is larger than 1 MiB." in page.text
    assert 'value="Еріктілер қозғалысын дамыту"' in page.text
    assert await _contributions(world) == 0


async def test_a_disallowed_file_is_415_naming_it(client: Client, world: World) -> None:
    slug = await world.collecting()
    invite = await world.invite(slug)
    page = await client.post(f"/c/{slug}/contribute?lang=ru", data={
        "_csrf_token": await csrf(client), "submit_key": "k", "invite": invite, **fields()},
        files=[("attachments", ("программа.exe", b"MZ\x90\x00" + b"\xff" * 400, "application/octet-stream"))],
        follow_redirects=False)
    assert page.status_code == 415 and "Файл «программа.exe» не подходит по типу." in page.text


async def test_a_double_submit_makes_one_contribution(client: Client, world: World) -> None:
    slug = await world.collecting()
    invite = await world.invite(slug)
    first = await contribute(client, slug, invite, submit_key="same-form")
    second = await contribute(client, slug, invite, submit_key="same-form")
    assert hidden(first.text, "draft") == hidden(second.text, "draft")
    one, two = await confirm(client, slug, first.text), await confirm(client, slug, second.text)
    assert one.headers["location"] == two.headers["location"]
    assert await _contributions(world) == 1


async def test_the_multipart_form_checks_its_csrf_token_in_the_stream(client: Client, world: World) -> None:
    slug = await world.collecting()
    invite = await world.invite(slug)
    await csrf(client)
    wrong = await contribute(client, slug, invite, csrf_token="0" * 128)
    assert wrong.status_code == 403
    missing = await client.post(f"/c/{slug}/contribute", data={"invite": invite, **fields()},
                                files=[("attachments", ("a.png", png(), "image/png"))], follow_redirects=False)
    assert missing.status_code == 403
    late = await client.post(f"/c/{slug}/contribute", data={"invite": invite, **fields(),
                                                            "_csrf_token": await csrf(client)},
                             files=NO_FILE, follow_redirects=False)
    assert late.status_code == 403  # the token must come first, before anything is read
    assert await _contributions(world) == 0


async def test_urlencoded_steps_keep_litestars_csrf(client: Client, world: World) -> None:
    slug = await world.collecting()
    invite = await world.invite(slug)
    preview = await contribute(client, slug, invite)
    refused = await client.post(f"/c/{slug}/contribute/confirm", data={
        "invite": invite, "draft": hidden(preview.text, "draft")}, follow_redirects=False)
    assert refused.status_code == 403
    assert await _contributions(world) == 0


async def test_the_form_is_never_parsed_by_litestars_spooling_reader(
        client: Client, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(self: Request, *args: object) -> None:  # pragma: no cover - must not run
        raise AssertionError("request.form() would spool the attachment to a temporary file")

    slug = await world.collecting()
    invite = await world.invite(slug)
    await csrf(client)
    monkeypatch.setattr(Request, "form", refuse)
    page = await contribute(client, slug, invite, [("сурет.png", png())])
    assert page.status_code == 200


async def test_a_language_link_on_the_form_keeps_the_invitation(client: Client, world: World) -> None:
    slug = await world.collecting()
    invite = await world.invite(slug)
    page = await client.get(f"/c/{slug}/contribute", params={"invite": invite, "lang": "kk"})
    assert html.escape(f"?invite={invite}&lang=ru") in page.text
    preview = await contribute(client, slug, invite)
    assert html.escape(f"/c/{slug}/contribute?invite={invite}&lang=en") in preview.text
