"""drand in the pages: the organizer opens a drand-locked capsule with a beacon fetched from a
relay (a local one here, answering drand's real beacon of round 1000) or pasted by hand."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from capsule.config import Settings
from capsule.core import tlock
from capsule.persistence.services.sealing import SealService
from tests.factories.collecting import World
from tests.integration.pages.conftest import Client, accepted, plain, post_form
from tests.integration.persistence.test_drand_lock import OPENS, OTHER, ROUND, SIGNATURE, published


class _Relay(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server convention
        status, body = published(self.path)
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def relay_url() -> Iterator[str]:
    """One local drand relay answering the published beacon of round 1000, in its own thread
    (the app under test runs in the test client's event loop)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Relay)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def settings(settings: Settings, relay_url: str) -> Settings:
    return settings.with_(drand_urls=(relay_url,), drand_timeout=5)


async def drand_capsule(world: World, **spec: object) -> str:
    world.clock.set(OPENS - timedelta(hours=1))
    slug = await world.collecting("drand-capsule", opening_at=OPENS, **spec)
    await accepted(world, slug, [("goal", "Алматы еріктілер орталығы")])
    await SealService(world.db, world.clock, world.keys).seal(slug)
    return slug


async def test_the_public_page_names_the_round_its_time_and_the_chain(client: Client, world: World) -> None:
    slug = await drand_capsule(world, locks=({"type": "drand"},))
    page = plain((await client.get(f"/c/{slug}", params={"lang": "en"})).text)
    assert f"drand round {ROUND}" in page and "quicknet" in page and tlock.QUICKNET.chain_hash.hex()[:16] in page
    when = tlock.round_time(ROUND)
    assert when == OPENS and "(UTC)" in page


async def test_a_pasted_signature_opens_it_and_a_wrong_one_is_refused(organizer: Client, world: World) -> None:
    slug = await drand_capsule(world, locks=({"type": "drand"},))
    world.clock.set(OPENS + timedelta(minutes=1))
    page = await organizer.get(f"/organize/c/{slug}/open", params={"lang": "en"})
    assert "Fetch the beacon and open" in page.text
    assert f"https://api.drand.sh/{tlock.QUICKNET.chain_hash.hex()}/public/{ROUND}" in page.text
    not_hex = await post_form(organizer, f"/organize/c/{slug}/open?lang=en", {"action": "drand", "signature": "zz"})
    assert not_hex.status_code == 400 and "hexadecimal digits" in not_hex.text
    wrong = await post_form(organizer, f"/organize/c/{slug}/open?lang=en", {"action": "drand", "signature": OTHER.hex()})
    assert wrong.status_code == 422 and "The signature does not match." in wrong.text
    assert (await world.capsules.get(slug)).state == "sealed"
    pasted = await post_form(organizer, f"/organize/c/{slug}/open", {"action": "drand", "signature": SIGNATURE.hex()})
    assert pasted.status_code == 303 and (await world.capsules.get(slug)).state == "opened"


async def test_all_of_drand_and_custodians_fetches_the_beacon_once_the_custodians_are_in(
        organizer: Client, client: Client, world: World) -> None:
    world.clock.set(OPENS - timedelta(hours=1))
    await world.collecting("drand-capsule", opening_at=OPENS, lock_policy="all",
                           locks=({"type": "drand"}, {"type": "custodians", "threshold": 2, "shares": 3}))
    await accepted(world, "drand-capsule", [("appeal", "Күміс еріктілер")])
    outcome = await SealService(world.db, world.clock, world.keys).seal("drand-capsule")
    world.clock.set(OPENS + timedelta(minutes=1))
    waiting = await post_form(organizer, "/organize/c/drand-capsule/open?lang=en", {"action": "all"})
    assert waiting.status_code == 423 and "The custodians have not entered enough key shares yet." in waiting.text
    for share in outcome.custodian_shares[:2]:
        answer = await post_form(client, "/c/drand-capsule/open/custodians", {"words": share})
        assert answer.headers["location"].endswith("done=entered")  # the custodians alone cannot open it
    page = await client.get("/c/drand-capsule/open/custodians", params={"lang": "en"})
    assert "Enough shares are in." in page.text
    opened = await post_form(organizer, "/organize/c/drand-capsule/open", {"action": "all"})  # fetched from the relay
    assert opened.status_code == 303 and (await world.capsules.get("drand-capsule")).state == "opened"
    report = await organizer.get(opened.headers["location"], params={"lang": "en"})
    assert "1 of 1 contribution verified" in report.text
