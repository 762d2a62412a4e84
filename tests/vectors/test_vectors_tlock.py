"""tlock format vectors (tests/vectors/tlock_*.txt), one case per file (STYLE.md, Tests).

Header keys:
  expect        success | malformed (FormatError) | tampered (TamperError: bad beacon, MAC or
                ciphertext) | locked (well formed, but no beacon for its round is given)
  construction  tlock
  encoding      armor (the payload is the file as is) | base64 (the binary age file)
  round, chain_hash   what the stanza must say (checked whenever the header parses)
  signature     the beacon signature offered to decrypt (hex)
  plaintext_hex what success must decrypt to
  error         text the error message must contain
  description, source   for people

The files are parsed here until the shared tests/vectors/loader.py exists.
"""

from __future__ import annotations

import base64
import binascii
from pathlib import Path

import pytest

from capsule.core.errors import FormatError, SignatureError, TamperError
from capsule.core.tlock import TlockHeader, decrypt, parse_stanza

HERE = Path(__file__).parent
KEYS = {"expect", "construction", "encoding", "round", "chain_hash", "signature", "plaintext_hex",
        "error", "description", "source"}
# quicknet round 12040883 (drand/tlock tlock_test.go): a valid beacon for some other round.
OTHER_BEACON = bytes.fromhex("929906c959032ab363c9f26570d215d66f5c06cb0c44fe508c12bb5839f04ec8"
                             "95bb6868e5b9ff13ab289bdb5266b394")


def read_vector(path: Path) -> tuple[dict[str, str], bytes]:
    raw = path.read_bytes()
    head, sep, payload = raw.partition(b"\n\n")
    assert sep, f"{path.name}: no blank line after the headers"
    headers: dict[str, str] = {}
    for line in head.decode("utf-8").split("\n"):
        key, colon, value = line.partition(": ")
        assert colon and key not in headers, f"{path.name}: bad header line {line!r}"
        assert key in KEYS, f"{path.name}: unknown header key {key!r}"
        headers[key] = value
    assert headers.get("construction") == "tlock", f"{path.name}: construction must be tlock"
    assert headers.get("expect") in {"success", "malformed", "tampered", "locked"}, path.name
    if headers.get("encoding", "armor") == "base64":
        try:
            payload = base64.b64decode(b"".join(payload.split()), validate=True)
        except binascii.Error as exc:
            raise AssertionError(f"{path.name}: payload is not base64: {exc}") from None
    else:
        assert headers.get("encoding", "armor") == "armor", f"{path.name}: unknown encoding"
    return headers, payload


VECTORS = sorted(HERE.glob("tlock_*.txt"))


def test_there_are_vectors_of_every_kind() -> None:
    kinds = {read_vector(path)[0]["expect"] for path in VECTORS}
    assert kinds == {"success", "malformed", "tampered", "locked"}


@pytest.mark.parametrize("path", VECTORS, ids=lambda p: p.stem)
def test_tlock_vector(path: Path) -> None:
    headers, data = read_vector(path)
    expect = headers["expect"]
    if "round" in headers:
        # A file that names its stanza must parse to it (a wrong-chain file too).
        assert parse_stanza(data) == TlockHeader(int(headers["round"]),
                                                 bytes.fromhex(headers["chain_hash"]))
    if expect == "locked":
        assert "signature" not in headers
        with pytest.raises(SignatureError):
            decrypt(data, OTHER_BEACON)
        return
    signature = bytes.fromhex(headers["signature"])
    if expect == "success":
        assert decrypt(data, signature) == bytes.fromhex(headers["plaintext_hex"])
        return
    error = FormatError if expect == "malformed" else TamperError
    assert "error" in headers, f"{path.name}: a failing vector must say its error"
    with pytest.raises(error) as info:
        decrypt(data, signature)
    assert headers["error"] in str(info.value)


def test_an_unknown_header_key_fails(tmp_path: Path) -> None:
    case = tmp_path / "tlock_x.txt"
    case.write_bytes(b"expect: success\nconstruction: tlock\nnonce: 00\n\npayload")
    with pytest.raises(AssertionError, match="unknown header key 'nonce'"):
        read_vector(case)
