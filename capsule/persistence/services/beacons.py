"""drand beacons from public relays (CAPSULE_DRAND_URLS), for opening a capsule's drand lock.

Relays are tried in turn, each with a timeout. An answer is used only if it is for the round
asked and its BLS signature verifies against the pinned chain key (`tlock.verify_beacon`): a
relay can be slow, wrong or hostile, but it can never make us decrypt with a false beacon.
When none answers, the error names what each relay did, and the organizer can paste the
signature by hand instead (air-gapped opening).
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx
import msgspec

from capsule.core import tlock
from capsule.core.errors import BeaconUnavailableError, CapsuleError, SignatureError


class _Beacon(msgspec.Struct):
    round: int
    signature: str


class BeaconClient:
    def __init__(self, urls: Sequence[str], timeout: float, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.urls = [url.rstrip("/") for url in urls]
        self.timeout = timeout
        self._transport = transport

    async def signature(self, round_: int, chain: tlock.Chain = tlock.QUICKNET) -> bytes:
        """The verified beacon signature of `round_`.

        Raises:
            BeaconUnavailableError: no relay gave a verifying beacon; the message says, per relay,
                what went wrong (not yet published, timed out, unreachable, garbage, bad signature).
        """
        problems: list[str] = []
        async with httpx.AsyncClient(timeout=self.timeout, transport=self._transport, follow_redirects=False) as client:
            for base in self.urls:
                host = httpx.URL(base).host or base
                try:
                    signature = await self._ask(client, base, round_, chain)
                except _Problem as problem:
                    problems.append(f"{host}: {problem}")
                    continue
                return signature
        raise BeaconUnavailableError(
            f"no drand relay gave the beacon of round {round_}: " + "; ".join(problems or ["no relays configured"]),
            round=round_, relays=problems,
        )

    async def _ask(self, client: httpx.AsyncClient, base: str, round_: int, chain: tlock.Chain) -> bytes:
        url = f"{base}/{chain.chain_hash.hex()}/public/{round_}"
        try:
            response = await client.get(url, headers={"Accept": "application/json"})
        except httpx.TimeoutException:
            raise _Problem("timed out") from None
        except httpx.HTTPError as exc:
            raise _Problem(f"unreachable ({type(exc).__name__})") from None
        if response.status_code in (404, 425) or (response.status_code == 500 and b"future" in response.content):
            raise _Problem("the round is not published yet")
        if response.status_code != 200:
            raise _Problem(f"answered HTTP {response.status_code}")
        try:
            beacon = msgspec.json.decode(response.content[:65536], type=_Beacon)
            signature = bytes.fromhex(beacon.signature)
        except (msgspec.DecodeError, msgspec.ValidationError, ValueError):
            raise _Problem("answered something that is not a beacon") from None
        if beacon.round != round_:
            raise _Problem(f"answered round {beacon.round} instead")
        try:
            tlock.verify_beacon(round_, signature, chain)
        except (SignatureError, CapsuleError) as exc:
            raise _Problem(f"gave a signature that does not verify ({exc})") from None
        return signature


class _Problem(Exception):
    pass
