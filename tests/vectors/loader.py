"""Read format vectors (tests/vectors/*.txt): one case per file (STYLE.md, Tests).

A file is `key: value` header lines, one blank line, then the payload:

    expect: success
    construction: stream
    key: 00112233…

    a1b2c3…

`expect` is required (success | malformed | tampered | locked). The payload is hex by default
(whitespace and line breaks ignored); a header `encoding: base64` makes it base64, and
`encoding: text` or `encoding: armor` leaves it byte for byte as written. Which other keys a
construction may use is for its own test to check (`Vector.check_keys`): an unknown key must
fail, so a typo never silently skips a check.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent
EXPECTS = frozenset({"success", "malformed", "tampered", "locked"})
ENCODINGS = frozenset({"hex", "base64", "text", "armor"})


@dataclass(frozen=True)
class Vector:
    name: str  # the file name without .txt, e.g. stream_two_chunks
    path: Path
    headers: dict[str, str]
    payload: bytes

    @property
    def expect(self) -> str:
        return self.headers["expect"]

    def hex(self, key: str) -> bytes:
        """A header holding hex bytes."""
        return bytes.fromhex(self.headers[key])

    def check_keys(self, allowed: set[str] | frozenset[str]) -> None:
        unknown = set(self.headers) - set(allowed) - {"expect", "construction", "encoding"}
        assert not unknown, f"{self.path.name}: unknown header key(s) {sorted(unknown)}"


def parse_vector(path: Path) -> Vector:
    raw = path.read_bytes()
    head, sep, body = raw.partition(b"\n\n")
    assert sep, f"{path.name}: no blank line after the headers"
    headers: dict[str, str] = {}
    for line in head.decode("utf-8").split("\n"):
        key, colon, value = line.partition(": ")
        assert colon and key and key not in headers, f"{path.name}: bad header line {line!r}"
        headers[key] = value
    assert headers.get("expect") in EXPECTS, f"{path.name}: expect must be one of {sorted(EXPECTS)}"
    encoding = headers.get("encoding", "hex")
    assert encoding in ENCODINGS, f"{path.name}: unknown encoding {encoding!r}"
    if encoding == "hex":
        text = b"".join(body.split()).decode("ascii")
        try:
            payload = bytes.fromhex(text)
        except ValueError:
            raise AssertionError(f"{path.name}: payload is not hex") from None
    elif encoding == "base64":
        try:
            payload = base64.b64decode(b"".join(body.split()), validate=True)
        except binascii.Error as exc:
            raise AssertionError(f"{path.name}: payload is not base64: {exc}") from None
    else:
        payload = body
    return Vector(name=path.stem, path=path, headers=headers, payload=payload)


def load_vectors(pattern: str = "*.txt") -> list[Vector]:
    """Every vector in tests/vectors/ whose file name matches `pattern`, sorted by name."""
    return [parse_vector(path) for path in sorted(HERE.glob(pattern))]


def format_vector(headers: dict[str, str], payload: bytes, *, width: int = 64) -> str:
    """The text of a vector file with a hex payload, `width` bytes per line (for generators)."""
    assert "expect" in headers and "encoding" not in headers
    lines = [f"{key}: {value}" for key, value in headers.items()]
    text = payload.hex()
    body = [text[i : i + 2 * width] for i in range(0, len(text), 2 * width)]
    return "\n".join(lines) + "\n\n" + "\n".join(body) + "\n"
