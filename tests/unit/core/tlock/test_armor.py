"""ASCII armor: what age -a writes, and only what age's armor reader accepts."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, strategies as st

from capsule.core.errors import FormatError
from capsule.core.tlock import armor

from .conftest import DATA, HELLO

BEGIN, END = armor.BEGIN, armor.END


@given(st.binary(max_size=400))
def test_armor_round_trips(data: bytes) -> None:
    text = armor.armor(data)
    assert armor.dearmor(text) == data
    assert all(len(line) <= 64 for line in text.splitlines())
    assert armor.is_armored(text)


@pytest.mark.parametrize("size", [0, 47, 48, 49, 96])
def test_end_line_follows_a_full_line_directly(size: int) -> None:
    lines = armor.armor(bytes(size)).split(b"\n")
    assert lines[0] == BEGIN and lines[-2] == END and lines[-1] == b""
    assert b"" not in lines[:-1]


@pytest.mark.parametrize("path", sorted(DATA.glob("*.age")), ids=lambda p: p.name)
def test_published_files_rearmor_identically(path) -> None:
    text = path.read_bytes()
    assert armor.armor(armor.dearmor(text)) == text


BODY = base64.b64encode(bytes(range(60)))  # 80 columns: one full line and a short one
GOOD = BEGIN + b"\n" + BODY[:64] + b"\n" + BODY[64:] + b"\n" + END + b"\n"


@pytest.mark.parametrize("text", [
    b"\n \t\n" + GOOD,
    GOOD.replace(b"\n", b"\r\n"),
    GOOD + b"\n\n  \n",
    GOOD[:-1],
])
def test_whitespace_age_tolerates_is_accepted(text: bytes) -> None:
    assert armor.dearmor(text) == bytes(range(60))


@pytest.mark.parametrize(("text", "message"), [
    (b"", "no end line"),
    (b"garbage\n" + GOOD, "invalid first line"),
    (b" " + GOOD, "invalid first line"),
    (GOOD.replace(BEGIN, BEGIN.lower()), "invalid first line"),
    (BEGIN + b"\n", "no end line"),
    (GOOD[: GOOD.index(END)], "no end line"),
    (BEGIN + b"\n" + BODY[:64] + b"\n", "no end line"),
    (GOOD.replace(END, END + b" "), "short line not followed by the end line"),
    (BEGIN + b"\n" + BODY[:68] + b"\n" + BODY[68:] + b"\n" + END, "line of 68 columns"),
    (BEGIN + b"\n" + BODY[:60] + b"\n" + BODY[60:] + b"\n" + END, "not followed by the end line"),
    (BEGIN + b"\n" + BODY[:64] + b"\n" + BODY[64:] + b"\n\n" + END, "not followed by the end line"),
    (BEGIN + b"\n" + BODY[:63] + b"\n" + END, "not base64"),
    (BEGIN + b"\n" + b"AB==\n" + END, "not canonical"),
    (BEGIN + b"\n" + b"AA\n" + END, "not base64"),
    (BEGIN + b"\n" + b"A A=\n" + END, "not base64"),
    (GOOD + b"x", "trailing data"),
    (GOOD + GOOD, "trailing data"),
    (GOOD + b" " * 1024, "too much trailing whitespace"),
    (b" " * 1025 + b"\n" + GOOD, "too much leading whitespace"),
])
def test_bad_armor_is_refused(text: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        armor.dearmor(text)


def test_every_truncation_of_a_published_file_is_refused() -> None:
    text = HELLO.read_bytes()
    # Cutting only the final newline leaves a valid file (age accepts a missing last newline).
    for cut in range(len(text) - 1):
        with pytest.raises(FormatError):
            armor.dearmor(text[:cut])
