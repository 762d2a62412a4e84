"""The drand lock end to end, without the internet: relays are real HTTP servers on 127.0.0.1
answering with drand's published beacon of round 1000 (or with garbage, or not at all)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import pytest

from capsule.core import tlock
from capsule.core.errors import BeaconUnavailableError, LockedError, SignatureError
from capsule.core.lifecycle import State
from capsule.persistence.services.beacons import BeaconClient
from capsule.persistence.services.opening import OpeningService
from capsule.persistence.services.sealing import SealService
from tests.factories.collecting import World, fields

BEACONS = json.loads((Path(__file__).parents[2] / "unit/core/tlock/testdata/quicknet_beacons.json").read_text())
ROUND = 1000
SIGNATURE = bytes.fromhex(next(b["signature"] for b in BEACONS["beacons"] if b["round"] == ROUND))
OTHER = bytes.fromhex(next(b["signature"] for b in BEACONS["beacons"] if b["round"] != ROUND))
OPENS = tlock.round_time(ROUND)  # the capsule opens exactly when round 1000 was published (2023)


Handler = Callable[[str], tuple[int, bytes] | None]


@pytest.fixture
async def relay() -> AsyncIterator[Callable[[Handler], str]]:
    """Start HTTP relays on 127.0.0.1; each answers GET paths with `handler(path)` (None: hang
    until the test ends). Every connection is closed at teardown."""
    servers: list[asyncio.Server] = []
    writers: list[asyncio.StreamWriter] = []
    stop = asyncio.Event()

    async def start(handler: Handler) -> str:
        async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writers.append(writer)
            request = await reader.readuntil(b"\r\n\r\n")
            answer = handler(request.split(b" ")[1].decode())
            if answer is None:
                await stop.wait()
                return
            status, body = answer
            writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
            await writer.drain()

        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"

    yield start
    stop.set()
    for writer in writers:
        writer.close()
    for server in servers:
        server.close()
        await server.wait_closed()
    await asyncio.sleep(0)


def published(path: str) -> tuple[int, bytes]:
    assert path == f"/{tlock.QUICKNET.chain_hash.hex()}/public/{ROUND}", path
    return 200, json.dumps({"round": ROUND, "signature": SIGNATURE.hex(), "randomness": "00"}).encode()


async def sealed(world: World, **spec: object):  # type: ignore[no-untyped-def]
    world.clock.set(OPENS - timedelta(hours=1))
    await world.collecting("drand-capsule", moderation=False, opening_at=OPENS, **spec)
    receipt = await world.contributions.submit("drand-capsule", await world.invite("drand-capsule"), fields())
    outcome = await SealService(world.db, world.clock, world.keys).seal("drand-capsule")
    return receipt, outcome


async def test_all_of_drand_and_custodians_opens_with_both_and_not_with_either_alone(world: World) -> None:
    _, outcome = await sealed(world, lock_policy="all", locks=({"type": "drand"}, {"type": "custodians", "threshold": 2, "shares": 3}))
    service = OpeningService(world.db, world.clock, world.keys)
    with pytest.raises(LockedError):  # before the date, even with everything in hand
        await service.open("drand-capsule", mnemonics=outcome.custodian_shares[:2], drand_signature=SIGNATURE)
    world.clock.set(OPENS)
    with pytest.raises(LockedError, match="waiting for drand"):
        await service.open("drand-capsule", mnemonics=outcome.custodian_shares[:2])
    with pytest.raises(LockedError, match="waiting for custodians"):
        await service.open("drand-capsule", drand_signature=SIGNATURE)
    with pytest.raises(SignatureError):
        await service.open("drand-capsule", mnemonics=outcome.custodian_shares[:2], drand_signature=OTHER)
    report = await service.open("drand-capsule", mnemonics=outcome.custodian_shares[1:], drand_signature=SIGNATURE)
    assert report.ok and report.verified == 1
    assert (await world.capsules.get("drand-capsule")).state == State.OPENED


async def test_a_drand_lock_alone_opens_with_a_beacon_from_the_first_relay_that_answers_well(
        world: World, relay: Callable[[Handler], asyncio.Future]) -> None:
    await sealed(world, locks=({"type": "drand"},))
    relays = [await relay(lambda path: (425, b"too early")),
              await relay(lambda path: (200, b"<html>hello</html>")),
              await relay(lambda path: (200, json.dumps({"round": ROUND, "signature": OTHER.hex()}).encode())),
              await relay(published)]
    world.clock.set(OPENS)
    service = OpeningService(world.db, world.clock, world.keys, beacons=BeaconClient(relays, timeout=2))
    report = await service.open("drand-capsule")
    assert report.ok


async def test_when_no_relay_helps_each_says_why_and_the_capsule_stays_sealed(
        world: World, relay: Callable[[Handler], asyncio.Future]) -> None:
    await sealed(world, locks=({"type": "drand"},))
    relays = [await relay(lambda path: (404, b"")), await relay(lambda path: None),
              await relay(lambda path: (200, json.dumps({"round": ROUND + 1, "signature": SIGNATURE.hex()}).encode())),
              "http://127.0.0.1:9"]
    world.clock.set(OPENS + timedelta(minutes=5))
    service = OpeningService(world.db, world.clock, world.keys, beacons=BeaconClient(relays, timeout=0.5))
    with pytest.raises(BeaconUnavailableError) as caught:
        await service.open("drand-capsule")
    message = str(caught.value)
    for reason in ("not published yet", "timed out", "answered round 1001 instead", "unreachable"):
        assert reason in message
    assert (await world.capsules.get("drand-capsule")).state == State.SEALED
    report = await service.open("drand-capsule", drand_signature=SIGNATURE)  # air-gapped: pasted by hand
    assert report.ok
