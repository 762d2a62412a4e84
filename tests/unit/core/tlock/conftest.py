"""Shared data and fixtures of the tlock tests.

testdata/ is a verbatim copy of the published drand vectors (see testdata/README.md for where
each file comes from), so the tests run offline and without /work/shared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from capsule.core.tlock import Backend, available_backends, get_backend

DATA = Path(__file__).parent / "testdata"
HELLO = DATA / "tle_quicknet_r12040883_hello_world.age"
HELLO_ROUND = 12040883


def load_json(name: str) -> Any:
    return json.loads((DATA / name).read_text())


BEACONS: dict[int, bytes] = {
    b["round"]: bytes.fromhex(b["signature"]) for b in load_json("quicknet_beacons.json")["beacons"]
}
VECTORS: list[dict[str, Any]] = load_json("vectors.json")["ciphertexts"]


@pytest.fixture(params=available_backends())
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each backend installed here: the slow py_ecc path runs only in tests that ask for it."""
    return get_backend(request.param)


@pytest.fixture
def fast() -> Backend:
    """The fastest backend installed, for tests that loop over many inputs."""
    return get_backend()
