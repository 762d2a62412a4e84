"""User text stays escaped, and Kazakh stays intact, on every page of the ceremony, the
opening and the contents: titles, organizations, contributions, search queries."""

from __future__ import annotations

from datetime import timedelta

from capsule.persistence.services.capsules import CapsuleSpec
from capsule.persistence.services.opening import OpeningService
from tests.factories.collecting import OPENING, FakeUpload, World, fields, png
from tests.integration.pages.conftest import Client, post_form
from tests.integration.pages.test_xss import EVIL, assert_escaped

KAZAKH = "Әділет, ғылым, қоғам, ұлттық үміт, өмір, һәм ірі іс — ңғқүұөәһі"


async def test_every_sealed_and_opened_page_escapes_user_text_and_keeps_kazakh(
        organizer: Client, client: Client, world: World) -> None:
    await world.capsules.create(CapsuleSpec(
        title=EVIL, description=EVIL, slug="evil", opening_at=OPENING,
        locks=({"type": "custodians", "threshold": 2, "shares": 2},)), None)
    await world.capsules.publish("evil")
    token = await world.invite("evil", EVIL[:200])
    evil = {"title": EVIL, "body": EVIL + "\n" + KAZAKH, "author_name": EVIL, "author_role": EVIL, "organization": EVIL}
    receipt = await world.contributions.submit("evil", token, fields(**evil), [FakeUpload(EVIL[:60] + ".png", png())])
    await world.moderation.decide("evil", receipt.id, "accept")
    pending = await world.contributions.submit("evil", token, fields(**evil))

    assert_escaped((await organizer.get("/organize/c/evil/ceremony")).text, "ceremony projector")
    assert_escaped((await organizer.get("/organize/c/evil/ceremony/live")).text, "ceremony live count")
    assert_escaped((await organizer.get("/organize/c/evil/ceremony/confirm")).text, "seal confirmation")
    refused = await post_form(organizer, "/organize/c/evil/ceremony/seal")
    assert refused.status_code == 409
    assert_escaped(refused.text, "seal refused while pending")
    sealed = await post_form(organizer, "/organize/c/evil/ceremony/seal", {"exclude_pending": "on"})
    assert sealed.status_code == 200 and sealed.text.count('class="custodian-card"') == 2
    assert_escaped(sealed.text, "seal result with custodian cards")
    shares = [" ".join(card.split("</ol>")[0].split('<span class="w">')[i].split("<")[0] for i in range(1, 34))
              for card in sealed.text.split('<article class="custodian-card"')[1:]]

    assert_escaped((await client.get("/c/evil")).text, "sealed capsule page")
    assert_escaped((await client.get(f"/receipts/{receipt.id}", params={"token": receipt.receipt_token})).text,
                   "sealed receipt")
    assert_escaped((await client.get("/c/evil/items/0")).text, "locked item page")

    world.clock.set(OPENING + timedelta(minutes=1))
    assert_escaped((await client.get("/c/evil/open/custodians")).text, "custodians page")
    wrong = await post_form(client, "/c/evil/open/custodians", {"words": EVIL})
    assert wrong.status_code == 422 and "<script>" not in wrong.text
    assert_escaped((await organizer.get("/organize/c/evil/open")).text, "organizer opening page")
    await post_form(client, "/c/evil/open/custodians", {"words": shares[0]})
    opened = await post_form(client, "/c/evil/open/custodians", {"words": shares[1]})
    assert opened.headers["location"].endswith("done=opened")
    assert await OpeningService(world.db, world.clock, world.keys).report("evil") is not None

    contents = await client.get("/c/evil")
    assert_escaped(contents.text, "opened contents")
    assert KAZAKH in contents.text
    item = await client.get("/c/evil/items/0")
    assert_escaped(item.text, "item page")
    assert KAZAKH in item.text
    search = await client.get("/c/evil", params={"q": EVIL[:150]})
    for fragment in ("<script>alert", '"><img'):
        assert fragment not in search.text
    found = await client.get("/c/evil", params={"q": "ҢҒҚҮҰӨӘҺІ"})
    assert KAZAKH in found.text  # case-insensitive, every Kazakh letter
    assert_escaped((await organizer.get("/organize/c/evil/open")).text, "verification report")
    assert pending.id
