"""Request bodies the API reads itself: a contribution as JSON or as streamed multipart.

Litestar's own `data:` parsing would buffer the body (JSON) or spool files to disk (forms), so
the contribution calls read `request.stream()` here instead: JSON up to JSON_MAX bytes, and
multipart through `capsule.web.multipart`, handing the files on to the service one at a time
while they arrive. Errors are core errors with the same shape as Litestar's own (400 for
bytes that do not parse, 422 naming the field for values that break a rule).
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator
from typing import Any, Final, TypeVar

import msgspec
from litestar import Request
from python_multipart.multipart import parse_options_header

from capsule.config import Settings
from capsule.core.errors import CapsuleError, FormatError, TooLargeError, UnsupportedMediaError, ValidationError
from capsule.persistence.services.uploads import MAX_ATTACHMENTS, Upload
from capsule.web.multipart import FilePart, MultipartLimits, Part, read_multipart

T = TypeVar("T")
JSON_MAX: Final = 256 * 1024  # a 20,000-character body in JSON is at most ~120 KB
FILES_FIELD: Final = "attachments"
LIST_FIELDS: Final = frozenset({"keep_attachments"})  # may repeat in a form
_NAMED = re.compile(r"^Object (missing required|contains unknown) field `([^`]+)`")


def decode_json(data: bytes, type_: type[T]) -> T:
    """`data` as `type_`, or a core error naming what is wrong.

    Raises:
        FormatError: not JSON, not UTF-8, or not an object (400).
        ValidationError: a field is missing or breaks its rule (422, `field` names it).
    """
    try:
        return msgspec.json.decode(data, type=type_)
    except msgspec.ValidationError as exc:
        raise _invalid(exc) from None
    except msgspec.DecodeError as exc:
        raise FormatError(f"JSON is malformed: {exc}") from None
    except UnicodeDecodeError:
        raise FormatError("the request body is not valid UTF-8") from None


def _invalid(exc: msgspec.ValidationError) -> CapsuleError:
    # msgspec says e.g. "Expected `str` of length <= 200 - at `$.title`".
    text, _, path = str(exc).partition(" - at `$")
    field = path.rstrip("`").lstrip(".")
    named = _NAMED.match(text)
    if named:
        field = f"{field}.{named.group(2)}" if field else named.group(2)
        text = "required" if named.group(1) == "missing required" else "unknown field"
    if not field:
        return FormatError(f"the request body must be a JSON object ({text})")
    return ValidationError(f"{field}: {text}", field=field, errors={field: text})


async def read_json(request: Request[Any, Any, Any], type_: type[T], *, limit: int = JSON_MAX) -> T:
    """The JSON body, refused with 413 once it passes `limit` bytes (before it is all read)."""
    if int(request.headers.get("content-length") or 0) > limit:
        raise TooLargeError(f"the request body is larger than {limit} bytes", max_bytes=limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLargeError(f"the request body is larger than {limit} bytes", max_bytes=limit)
    return decode_json(bytes(body), type_)


async def read_contribution(request: Request[Any, Any, Any], settings: Settings,
                            type_: type[T]) -> tuple[T, AsyncGenerator[Upload, None]]:
    """The contribution's fields, and its files as a stream to hand to the service (in order;
    each file is read while the service encrypts it). The caller closes the stream.

    Raises:
        UnsupportedMediaError: neither application/json nor multipart/form-data (415).
        FormatError, ValidationError, TooLargeError: see `decode_json` and `capsule.web.multipart`.
    """
    media = parse_options_header(request.headers.get("content-type", ""))[0].decode("latin-1")
    if media == "application/json" or media.endswith("+json"):
        return await read_json(request, type_), _no_files()
    if media != "multipart/form-data":
        raise UnsupportedMediaError(f"send application/json or multipart/form-data, not {media or 'nothing'}")
    parts = read_multipart(request, MultipartLimits.for_settings(settings, max_files=MAX_ATTACHMENTS))
    values: dict[str, Any] = {}
    first: FilePart | None = None
    async for part in parts:
        if isinstance(part, FilePart):
            first = part
            break
        value = await part.text()
        if part.name in LIST_FIELDS:
            values.setdefault(part.name, []).append(value)
        elif part.name in values:
            raise ValidationError(f"field {part.name} is given twice", field=part.name)
        else:
            values[part.name] = value
    try:
        fields = msgspec.convert(values, type_, strict=False)
    except msgspec.ValidationError as exc:
        error = _invalid(exc)
        if first is not None and isinstance(error, ValidationError) and str(error).endswith(": required"):
            # Perhaps it was sent, but after a file: the reader stops at the first file.
            raise ValidationError(f"{error} (a form sends every text field before the first file)",
                                  field=error.field, errors=error.params["errors"]) from None
        raise error from None
    return fields, _files(first, parts)


async def _files(first: FilePart | None, rest: AsyncGenerator[Part, None]) -> AsyncGenerator[Upload, None]:
    part: Part | None = first
    try:
        while part is not None:
            if part.name != FILES_FIELD:
                raise ValidationError(f"files go in the field {FILES_FIELD!r}, not {part.name!r}", field=part.name)
            yield part  # type: ignore[misc]  # a FilePart: the reader refuses text after a file
            part = await anext(rest, None)
    finally:
        await rest.aclose()


async def _no_files() -> AsyncGenerator[Upload, None]:
    return
    yield  # an empty async generator
