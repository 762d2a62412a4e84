"""Chains, beacons and round arithmetic (FORMAT.md §7)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from capsule.core.errors import FormatError, SignatureError, ValidationError
from capsule.core.tlock import (
    QUICKNET,
    Backend,
    Chain,
    beacon_message,
    beacon_randomness,
    round_at,
    round_time,
    verify_beacon,
)
from capsule.core.tlock.drand import chain_hash

from .conftest import BEACONS, HELLO_ROUND, load_json

BEACON_DATA = load_json("quicknet_beacons.json")
WALKTHROUGH = BEACON_DATA["other_chain_same_scheme"]


def chain_from_info(name: str) -> Chain:
    info = load_json(name)
    return Chain(beacon_id=info["beacon_id"], public_key=bytes.fromhex(info["public_key"]),
                 period=info["period"], genesis_time=info["genesis_time"],
                 genesis_seed=bytes.fromhex(info["genesis_seed"]),
                 chain_hash=bytes.fromhex(info["chain_hash"]), scheme=info["scheme"])


def walkthrough_chain() -> Chain:
    info = WALKTHROUGH["chain_info"]
    return Chain(beacon_id=info["metadata"]["beaconID"],
                 public_key=bytes.fromhex(info["public_key"]), period=info["period"],
                 genesis_time=info["genesis_time"], genesis_seed=bytes.fromhex(info["groupHash"]),
                 chain_hash=bytes.fromhex(info["hash"]), scheme=info["schemeID"])


def test_pinned_quicknet_equals_the_published_chain_info() -> None:
    assert chain_from_info("quicknet_chain_info.json") == QUICKNET


def test_chain_hashes_recompute_from_every_chain_info() -> None:
    assert chain_from_info("quicknet-t_chain_info.json").chain_hash.hex().startswith("cc9c3984")
    assert walkthrough_chain().chain_hash.hex() == WALKTHROUGH["chain_info"]["hash"]


def test_a_chain_whose_hash_does_not_match_its_info_is_refused() -> None:
    with pytest.raises(FormatError, match="is not the hash of its info"):
        Chain(beacon_id="quicknet", public_key=QUICKNET.public_key, period=QUICKNET.period,
              genesis_time=QUICKNET.genesis_time + 1, genesis_seed=QUICKNET.genesis_seed,
              chain_hash=QUICKNET.chain_hash)


def test_only_the_unchained_g1_scheme_is_supported() -> None:
    with pytest.raises(FormatError, match="'pedersen-bls-chained' is not supported"):
        Chain(beacon_id="default", public_key=bytes(96), period=30, genesis_time=1,
              genesis_seed=bytes(32), chain_hash=bytes(32), scheme="pedersen-bls-chained")


def test_the_default_beacon_id_is_not_hashed() -> None:
    args = dict(period=30, genesis_time=1, public_key=bytes(96), genesis_seed=bytes(32))
    assert chain_hash(**args, beacon_id="default") == chain_hash(**args, beacon_id="")
    assert chain_hash(**args, beacon_id="default") != chain_hash(**args, beacon_id="x")


@pytest.mark.parametrize("beacon", BEACON_DATA["beacons"], ids=lambda b: f"round{b['round']}")
def test_published_quicknet_beacons_verify(backend: Backend, beacon: dict) -> None:
    signature = bytes.fromhex(beacon["signature"])
    verify_beacon(beacon["round"], signature, QUICKNET, backend)
    assert beacon_randomness(signature).hex() == beacon["randomness"]


def test_walkthrough_beacon_verifies_on_its_own_chain_only(fast: Backend) -> None:
    beacon = WALKTHROUGH["beacon"]
    signature = bytes.fromhex(beacon["signature"])
    verify_beacon(beacon["round"], signature, walkthrough_chain(), fast)
    assert beacon_randomness(signature).hex() == beacon["randomness"]
    with pytest.raises(SignatureError, match="does not verify for quicknet round 38"):
        verify_beacon(beacon["round"], signature, QUICKNET, fast)


def test_another_rounds_signature_is_refused(backend: Backend) -> None:
    with pytest.raises(SignatureError, match=f"does not verify for quicknet round {HELLO_ROUND}"):
        verify_beacon(HELLO_ROUND, BEACONS[1000], QUICKNET, backend)


@pytest.mark.parametrize("bit", [0, 7, 100, 383])
def test_a_flipped_signature_bit_is_refused(fast: Backend, bit: int) -> None:
    signature = bytearray(BEACONS[HELLO_ROUND])
    signature[bit // 8] ^= 0x80 >> bit % 8
    with pytest.raises(SignatureError, match=f"round {HELLO_ROUND}"):
        verify_beacon(HELLO_ROUND, bytes(signature), QUICKNET, fast)


@pytest.mark.parametrize(("signature", "message"), [
    (BEACONS[1000][:47], "must be 48 bytes"),
    (b"", "must be 48 bytes"),
    (bytes([0xC0]) + bytes(47), "point at infinity"),
])
def test_a_signature_that_is_no_point_is_refused(
    fast: Backend, signature: bytes, message: str
) -> None:
    with pytest.raises(SignatureError, match=message):
        verify_beacon(1000, signature, QUICKNET, fast)


@pytest.mark.parametrize("rnd", [0, -1, 2**64, True, "1000"])
def test_a_round_outside_uint64_is_refused(rnd: object) -> None:
    with pytest.raises(ValidationError, match="drand round must be 1 to 2\\^64-1"):
        beacon_message(rnd)  # type: ignore[arg-type]


def test_beacon_message_is_sha256_of_the_big_endian_round() -> None:
    assert beacon_message(1000) == hashlib.sha256((1000).to_bytes(8, "big")).digest()


GENESIS = datetime.fromtimestamp(QUICKNET.genesis_time, UTC)


@pytest.mark.parametrize(("when", "rnd"), [
    (GENESIS - timedelta(days=1), 1),
    (GENESIS, 1),
    (GENESIS + timedelta(microseconds=1), 2),
    (GENESIS + timedelta(seconds=3), 2),
    (GENESIS + timedelta(seconds=3, microseconds=1), 3),
    (round_time(HELLO_ROUND), HELLO_ROUND),
    (round_time(HELLO_ROUND) - timedelta(seconds=1), HELLO_ROUND),
    (round_time(HELLO_ROUND) + timedelta(seconds=1), HELLO_ROUND + 1),
])
def test_round_at_is_the_first_beacon_not_before_the_time(when: datetime, rnd: int) -> None:
    assert round_at(when) == rnd


def test_round_time_of_published_rounds() -> None:
    assert round_time(1) == GENESIS
    assert round_time(1000) == GENESIS + timedelta(seconds=2997)


def test_round_at_refuses_a_naive_time() -> None:
    with pytest.raises(ValidationError, match="naive datetime"):
        round_at(datetime(2030, 1, 1))


def test_round_at_works_in_any_timezone() -> None:
    almaty = datetime(2036, 3, 5, 10, 0, tzinfo=timezone(timedelta(hours=5)))
    assert round_at(almaty) == round_at(datetime(2036, 3, 5, 5, 0, tzinfo=UTC))


@given(st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(9999, 1, 1),
                    timezones=st.just(UTC)))
def test_the_beacon_never_comes_before_the_opening_time(when: datetime) -> None:
    rnd = round_at(when)
    assert round_time(rnd) >= when
    # Minimal: the round before is published before the time (drand's tle would pick it).
    assert rnd == 1 or round_time(rnd - 1) < when
