"""age's ASCII armor (age spec, "ASCII armor"; filippo.io/age armor/armor.go), read as
strictly as age reads it.

PEM with type AGE ENCRYPTED FILE, no headers, standard padded base64 in canonical form,
lines of exactly 64 columns except the last, which is shorter (or the end line follows a
full line directly). Like age: lines may end in CRLF, up to 1 KiB of whitespace may come
before the begin line and after the end line, and nothing else.
"""

from __future__ import annotations

import base64
import re
from typing import Final

from capsule.core.errors import FormatError

BEGIN: Final = b"-----BEGIN AGE ENCRYPTED FILE-----"
END: Final = b"-----END AGE ENCRYPTED FILE-----"
COLUMNS: Final = 64
BYTES_PER_LINE: Final = COLUMNS // 4 * 3
MAX_WHITESPACE: Final = 1024

_PADDED_B64: Final = re.compile(rb"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_SPACE: Final = b" \t\n\v\f\r"


def armor(data: bytes) -> bytes:
    """The armored text of a binary age file, as `age -a` writes it."""
    text = base64.b64encode(data)
    lines = [text[i : i + COLUMNS] for i in range(0, len(text), COLUMNS)]
    return b"\n".join([BEGIN, *lines, END]) + b"\n"


def is_armored(data: bytes) -> bool:
    """Whether `data` looks armored (begins, after whitespace, with the begin line)."""
    return bytes(data).lstrip(_SPACE).startswith(BEGIN)


def _next_line(text: bytes, pos: int) -> tuple[bytes, int]:
    if pos >= len(text):
        raise FormatError("armor is truncated: no end line")
    end = text.find(b"\n", pos)
    end = len(text) if end < 0 else end
    line = text[pos:end]
    return (line[:-1] if line.endswith(b"\r") else line), end + 1


def dearmor(text: bytes) -> bytes:
    """The binary age file inside armored `text`.

    Raises:
        FormatError: a missing or wrong begin or end line, a line longer than 64 columns or a
            short line that is not the last, base64 that is not canonical, data or too much
            whitespace around the armor.
    """
    text, pos = bytes(text), 0
    skipped = len(text) - len(text.lstrip(_SPACE))
    if skipped > MAX_WHITESPACE:
        raise FormatError("armor: too much leading whitespace")
    # Leading whitespace is skipped by whole lines, as age does.
    pos = text.rfind(b"\n", 0, skipped) + 1
    line, pos = _next_line(text, pos)
    if line != BEGIN:
        raise FormatError(f"armor: invalid first line {line[:80]!r}")
    out = bytearray()
    while True:
        line, pos = _next_line(text, pos)
        if line == END:
            break
        if len(line) > COLUMNS:
            raise FormatError(f"armor: line of {len(line)} columns, the limit is {COLUMNS}")
        chunk = _unb64(line)
        out += chunk
        if len(chunk) < BYTES_PER_LINE:
            line, pos = _next_line(text, pos)
            if line != END:
                raise FormatError(f"armor: short line not followed by the end line: {line[:80]!r}")
            break
    rest = text[pos:]
    if rest.strip(_SPACE):
        raise FormatError("armor: trailing data after the end line")
    if len(rest) >= MAX_WHITESPACE:
        raise FormatError("armor: too much trailing whitespace")
    return bytes(out)


def _unb64(line: bytes) -> bytes:
    if not _PADDED_B64.fullmatch(line):
        raise FormatError(f"armor: line is not base64: {line[:80]!r}")
    data = base64.b64decode(line)
    if base64.b64encode(data) != line:
        raise FormatError(f"armor: line is not canonical base64: {line[:80]!r}")
    return data
