"""Organizer pages: the moderation queue, reading one contribution, its files, decisions."""

from __future__ import annotations

from urllib.parse import quote

from capsule.core import audit
from capsule.persistence import audit_log
from tests.factories.collecting import World, png
from tests.integration.pages.conftest import Client, post_form, submitted


async def _events(world: World, slug: str) -> list[str]:
    async with world.db.read() as session:
        capsule = await world.capsules.get(slug)
        return [str(audit.parse_event(e.body).type) for e in await audit_log.events(session, capsule.id)]


async def test_the_queue_lists_by_status_without_reading_anything(organizer: Client, world: World) -> None:
    slug = await world.collecting()
    first = await submitted(organizer, slug, await world.invite(slug, "Бірінші ұйым"), submit_key="1")
    await submitted(organizer, slug, await world.invite(slug, "Екінші ұйым"), submit_key="2")
    await world.moderation.decide(slug, await _id(first), "accept")
    page = await organizer.get(f"/organize/c/{slug}/contributions", params={"lang": "en"})
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store, private"
    assert "Бірінші ұйым" in page.text and "Екінші ұйым" in page.text
    pending = await organizer.get(f"/organize/c/{slug}/contributions", params={"status": "pending", "lang": "en"})
    assert "Екінші ұйым" in pending.text and "Бірінші ұйым" not in pending.text
    assert "contribution.read" not in await _events(world, slug)
    assert "Еріктілер қозғалысын дамыту" not in page.text  # the queue shows no content


async def test_reading_decrypts_logs_the_read_and_offers_the_files_as_downloads(
        organizer: Client, world: World) -> None:
    slug = await world.collecting()
    receipt = await submitted(organizer, slug, await world.invite(slug), files=[("сурет.png", png())])
    contribution_id = await _id(receipt)
    page = await organizer.get(f"/organize/c/{slug}/contributions/{contribution_id}", params={"lang": "ru"})
    assert page.status_code == 200
    assert '<article class="contribution panel" lang="kk">' in page.text
    assert "Еріктілер қозғалысын дамыту" in page.text and "Айгүл Серікқызы, Төраға" in page.text
    assert "Стратегическая цель" in page.text and "сурет.png" in page.text
    assert (await _events(world, slug))[-1] == "contribution.read"
    file = await organizer.get(f"/organize/c/{slug}/contributions/{contribution_id}/attachments/0")
    assert file.status_code == 200 and file.content == png()
    assert file.headers["content-disposition"] == f"attachment; filename*=UTF-8''{quote('сурет.png')}"
    assert file.headers["x-content-type-options"] == "nosniff"
    assert file.headers["cache-control"] == "no-store, private"
    missing = await organizer.get(f"/organize/c/{slug}/contributions/{contribution_id}/attachments/3")
    assert missing.status_code == 404


async def test_strangers_get_no_file_and_no_text(client: Client, world: World) -> None:
    slug = await world.collecting()
    receipt = await submitted(client, slug, await world.invite(slug), files=[("a.png", png())])
    contribution_id = await _id(receipt)
    for path in (f"/organize/c/{slug}/contributions/{contribution_id}",
                 f"/organize/c/{slug}/contributions/{contribution_id}/attachments/0"):
        answer = await client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


async def test_a_rejection_with_a_note_reaches_the_receipt_and_an_acceptance_the_status(
        organizer: Client, world: World) -> None:
    slug = await world.collecting()
    receipt = await submitted(organizer, slug, await world.invite(slug))
    contribution_id = await _id(receipt)
    base = f"/organize/c/{slug}/contributions/{contribution_id}"
    done = await post_form(organizer, f"{base}/decision", {"decision": "reject", "note": "Мәтінді қысқартыңыз"})
    assert done.status_code == 303 and done.headers["location"] == f"/organize/c/{slug}/contributions?done=reject"
    shown = await organizer.get(receipt + "&lang=kk")
    assert "Қабылданбады" in shown.text and "Мәтінді қысқартыңыз" in shown.text
    await post_form(organizer, f"{base}/decision", {"decision": "accept"})
    shown = await organizer.get(receipt + "&lang=kk")
    assert "Қабылданды" in shown.text and "Мәтінді қысқартыңыз" not in shown.text


async def test_a_too_long_note_shows_the_page_again_with_the_note(organizer: Client, world: World) -> None:
    slug = await world.collecting()
    contribution_id = await _id(await submitted(organizer, slug, await world.invite(slug)))
    answer = await post_form(organizer, f"/organize/c/{slug}/contributions/{contribution_id}/decision?lang=en",
                             {"decision": "reject", "note": "қ" * 2001})
    assert answer.status_code == 422 and "The note may have at most 2000 characters." in answer.text
    assert "қ" * 2001 in answer.text


async def _id(receipt_path: str) -> str:
    return receipt_path.split("/receipts/")[1].split("?")[0]
