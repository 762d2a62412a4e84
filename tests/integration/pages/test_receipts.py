"""The contributor's receipt: status, commitment, own document, edit and withdraw."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from capsule.core import envelope
from tests.factories.collecting import World, png
from tests.integration.pages.conftest import NO_FILE, Client, csrf, fields, hidden, plain, post_form, submitted


async def test_the_receipt_shows_status_commitment_and_a_warning_to_keep_the_link(client: Client, world: World) -> None:
    slug = await world.collecting(submissions_close_at=datetime(2026, 12, 31, 13, 0, tzinfo=UTC))
    path = await submitted(client, slug, await world.invite(slug))
    for lang, words in (("kk", ("Осы сілтемені сақтап қойыңыз", "Қарауды күтуде", "2026 ж. 31 желтоқсан, 18:00")),
                        ("ru", ("Сохраните эту ссылку", "Ждёт проверки", "31 декабря 2026 г., 18:00")),
                        ("en", ("Save this link", "Waiting for review", "December 31, 2026, 6:00 PM"))):
        page = await client.get(path + f"&lang={lang}")
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store, private"
        for word in words:
            assert word in plain(page.text)
    token = path.split("token=")[1].split("&")[0]
    assert f"http://capsule.test{path.split('&')[0]}" in page.text and token in page.text


async def test_the_own_document_download_hashes_to_the_commitment(client: Client, world: World) -> None:
    slug = await world.collecting()
    path = await submitted(client, slug, await world.invite(slug))
    page = await client.get(path)
    commitment = page.text.split('<code class="hash">')[1].split("<")[0]
    receipt_id, token = path.split("/receipts/")[1].split("?")[0], path.split("token=")[1].split("&")[0]
    document = await client.get(f"/receipts/{receipt_id}/document", params={"token": token})
    assert document.status_code == 200
    assert document.headers["content-disposition"] == f'attachment; filename="contribution-{receipt_id}.json"'
    assert hashlib.sha256(document.content).hexdigest() == commitment
    assert envelope.parse_document(document.content).title == "Еріктілер қозғалысын дамыту"


async def test_a_wrong_token_shows_nothing(client: Client, world: World) -> None:
    slug = await world.collecting()
    path = await submitted(client, slug, await world.invite(slug))
    receipt_id = path.split("/receipts/")[1].split("?")[0]
    for suffix in ("", "/document", "/edit", "/withdraw"):
        answer = await client.get(f"/receipts/{receipt_id}{suffix}", params={"token": "rct_" + "A" * 43})
        assert answer.status_code == 404 and "Еріктілер" not in answer.text


async def test_edit_makes_a_new_version_keeping_a_chosen_file(client: Client, world: World) -> None:
    slug = await world.collecting()
    path = await submitted(client, slug, await world.invite(slug), files=[("a.png", png()), ("b.txt", "сәлем".encode())])
    receipt_id, token = path.split("/receipts/")[1].split("?")[0], path.split("token=")[1].split("&")[0]
    form = await client.get(f"/receipts/{receipt_id}/edit", params={"token": token, "lang": "kk"})
    assert form.status_code == 200 and "Жазбаңызды өзгерту" in form.text
    assert 'value="Еріктілер қозғалысын дамыту"' in form.text and "a.png" in form.text and "b.txt" in form.text
    answer = await client.post(f"/receipts/{receipt_id}/edit", data={
        "_csrf_token": await csrf(client), "submit_key": "e", "token": token,
        **fields(title="Жаңа тақырып"), "keep": "1"}, files=[("attachments", ("c.png", png(3, 3), "image/png"))],
        follow_redirects=False)
    assert answer.status_code == 303 and "done=edited" in answer.headers["location"]
    page = await client.get(answer.headers["location"] + "&lang=en")
    assert "saved as a new version" in page.text and "version 2" in page.text
    document = envelope.parse_document((await client.get(f"/receipts/{receipt_id}/document",
                                                         params={"token": token})).content)
    assert document.title == "Жаңа тақырып" and [a.name for a in document.attachments] == ["b.txt", "c.png"]


async def test_a_bad_edit_shows_the_form_again_with_what_was_typed(client: Client, world: World) -> None:
    slug = await world.collecting()
    path = await submitted(client, slug, await world.invite(slug), files=[("a.png", png())])
    receipt_id, token = path.split("/receipts/")[1].split("?")[0], path.split("token=")[1].split("&")[0]
    answer = await client.post(f"/receipts/{receipt_id}/edit?lang=en", data={
        "_csrf_token": await csrf(client), "submit_key": "e", "token": token, **fields(body="")},
        files=NO_FILE, follow_redirects=False)
    assert answer.status_code == 422 and "Please fill in this field." in answer.text
    assert 'value="Еріктілер қозғалысын дамыту"' in answer.text and hidden(answer.text, "token") == token
    assert 'name="keep" value="0">' in answer.text  # unticked, as posted


async def test_withdraw_asks_first_then_deletes(client: Client, world: World) -> None:
    slug = await world.collecting()
    path = await submitted(client, slug, await world.invite(slug))
    receipt_id, token = path.split("/receipts/")[1].split("?")[0], path.split("token=")[1].split("&")[0]
    confirm = await client.get(f"/receipts/{receipt_id}/withdraw", params={"token": token, "lang": "ru"})
    assert confirm.status_code == 200 and "Отозвать ваш материал?" in confirm.text
    done = await post_form(client, f"/receipts/{receipt_id}/withdraw", {"token": token})
    assert done.status_code == 303
    page = await client.get(done.headers["location"] + "&lang=en")
    assert "Withdrawn" in page.text and "Change my contribution" not in page.text
    assert (await client.get(f"/receipts/{receipt_id}/document", params={"token": token})).status_code == 409


async def test_after_the_deadline_the_receipt_stays_but_cannot_be_changed(client: Client, world: World) -> None:
    slug = await world.collecting(submissions_close_at=datetime(2026, 4, 1, tzinfo=UTC))
    path = await submitted(client, slug, await world.invite(slug))
    receipt_id, token = path.split("/receipts/")[1].split("?")[0], path.split("token=")[1].split("&")[0]
    world.clock.set(datetime(2026, 4, 2, tzinfo=UTC))
    page = await client.get(path + "&lang=en")
    assert page.status_code == 200 and "Change my contribution" not in page.text
    withdraw = await post_form(client, f"/receipts/{receipt_id}/withdraw?lang=en", {"token": token})
    assert withdraw.status_code == 409 and "closed on April 1, 2026" in withdraw.text
    edit = await client.post(f"/receipts/{receipt_id}/edit", data={
        "_csrf_token": await csrf(client), "submit_key": "e", "token": token, **fields()},
        files=NO_FILE, follow_redirects=False)
    assert edit.status_code == 409
