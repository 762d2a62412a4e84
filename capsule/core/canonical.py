"""Canonical JSON: the one byte encoding of everything that is hashed or signed.

UTF-8, no insignificant whitespace, object members sorted by key, integers only (no floats),
non-ASCII characters written as themselves. Verifiers never need to re-encode: they hash the
bytes they were given. We only need encoding to be deterministic, which msgspec guarantees
with `order="sorted"`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, TypeVar

import msgspec

from capsule.core.errors import FormatError

T = TypeVar("T")


def encode(value: Any) -> bytes:
    """Canonical JSON bytes of `value` (a Struct, dict, list, str, int, bool or None).

    Raises:
        FormatError: the value holds a float or a type JSON cannot carry.
    """
    _reject_floats(value)
    try:
        return msgspec.json.encode(value, order="sorted")
    except (TypeError, msgspec.EncodeError) as exc:
        raise FormatError(f"cannot encode canonically: {exc}") from None


def decode(data: bytes, type_: type[T], *, what: str = "document") -> T:
    """Decode canonical JSON into `type_`, strictly, and check it re-encodes to the same bytes.

    Raises:
        FormatError: the bytes are not valid JSON for `type_`, or not in canonical form.
    """
    try:
        value = msgspec.json.decode(data, type=type_, strict=True)
    except msgspec.ValidationError as exc:
        raise FormatError(f"{what}: {exc}") from None
    except msgspec.DecodeError as exc:
        raise FormatError(f"{what} is not valid JSON: {exc}") from None
    except UnicodeDecodeError:  # msgspec raises it for bad UTF-8 inside a string
        raise FormatError(f"{what} is not valid UTF-8") from None
    if encode(value) != bytes(data):
        raise FormatError(f"{what} is not in canonical form")
    return value


def b64(data: bytes) -> str:
    """Standard base64 with padding (RFC 4648 §4), the encoding of keys and ciphertext in JSON."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, *, what: str = "value", length: int | None = None) -> bytes:
    """Strict inverse of `b64`.

    Raises:
        FormatError: not canonical base64, or not `length` bytes.
    """
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, AttributeError):
        raise FormatError(f"{what} is not valid base64") from None
    if b64(data) != text:
        raise FormatError(f"{what} is not canonical base64")
    if length is not None and len(data) != length:
        raise FormatError(f"{what} must be {length} bytes, got {len(data)}")
    return data


def unhex(text: str, *, what: str = "value", length: int | None = None) -> bytes:
    """Strict lowercase hex decoding.

    Raises:
        FormatError: not lowercase hex, or not `length` bytes.
    """
    try:
        data = bytes.fromhex(text)
    except (ValueError, TypeError):
        raise FormatError(f"{what} is not valid hex") from None
    if data.hex() != text:
        raise FormatError(f"{what} must be lowercase hex")
    if length is not None and len(data) != length:
        raise FormatError(f"{what} must be {length} bytes, got {len(data)}")
    return data


def _reject_floats(value: Any) -> None:
    # Floats have no single canonical text form across languages; the formats never need them.
    if isinstance(value, float):
        raise FormatError("canonical JSON carries no floats")
    if isinstance(value, dict):
        for item in value.values():
            _reject_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _reject_floats(item)
