"""A streaming `multipart/form-data` reader: text fields and files, strictly in order.

Litestar's `request.form()` spools files to temporary files; a contribution's attachments
must never touch the disk in the clear (DESIGN §4.3). This reader feeds `request.stream()`
through python-multipart's callback parser and hands out one part at a time, so each file is
encrypted by the service while it is still arriving and memory stays about one network chunk.

Usage (API and HTML form alike)::

    limits = MultipartLimits.for_settings(settings)
    async for part in read_multipart(request, limits):
        if part.is_file:            # a FilePart: also a `services.uploads.Upload`
            ...part.filename, part.declared_type, part.chunks()...
        else:                       # a FieldPart
            value = await part.text()

Rules a form must follow (enforced here, each with its own error):

- text fields come before files: a text field after a file is refused (422, naming it),
  because the service must know the fields before it starts encrypting the first file;
- at most `max_files` files (422), `max_fields` text fields (422), `max_field_bytes` per text
  field (422, naming it), `max_file_bytes` per file (413, naming the file), `max_body_bytes`
  for the whole request (413), `max_header_bytes` per part's headers (400);
- a text field is UTF-8 (else 400, naming it); Unicode normalization is the services' job;
- a file input left empty (browsers send `filename=""` and no bytes) is skipped;
- parts are consumed in order: asking for the next part skips what is left of the current
  one; a part's content can be read once.

Errors are core errors (`FormatError`, `ValidationError`, `TooLargeError`), so
`capsule.web.errors` gives them their status like any other.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from capsule.core.errors import FormatError, TooLargeError, UnsupportedMediaError, ValidationError

if TYPE_CHECKING:
    from capsule.config import Settings

PIECE: Final = 64 * 1024  # the largest piece handed on at once, whatever the network delivers
MAX_FILES: Final = 5  # as `services.uploads.MAX_ATTACHMENTS`
# A 20,000-character body is at most 80,000 bytes of UTF-8; leave room, refuse floods.
MAX_FIELD_BYTES: Final = 100_000


@dataclass(frozen=True)
class MultipartLimits:
    max_file_bytes: int
    max_files: int = MAX_FILES
    max_fields: int = 30
    max_field_bytes: int = MAX_FIELD_BYTES
    max_header_bytes: int = 8 * 1024
    # The whole body; None: every file at its limit plus every field at its limit.
    max_body_bytes: int | None = None

    @classmethod
    def for_settings(cls, settings: Settings, **changes: Any) -> MultipartLimits:
        return cls(max_file_bytes=settings.max_upload_bytes, **changes)

    @property
    def body_cap(self) -> int:
        if self.max_body_bytes is not None:
            return self.max_body_bytes
        return self.max_files * self.max_file_bytes + self.max_fields * self.max_field_bytes + 64 * 1024


class _Part:
    is_file: ClassVar[bool]

    def __init__(self, stream: _Stream, name: str, content_type: str) -> None:
        self.name = name
        self.content_type = content_type
        self._stream = stream
        self._started = False
        self._finished = False

    async def chunks(self) -> AsyncIterator[bytes]:
        """The part's bytes, piece by piece (at most 64 KiB each); once only."""
        if self._started:
            raise RuntimeError(f"part {self.name!r} was already read")
        self._started = True
        while True:
            kind, data = await self._stream.next_event()
            if kind == "part_end":
                self._finished = True
                return
            if kind != "part_data":
                raise FormatError(f"malformed multipart body in part {self.name!r}", field=self.name)
            self._count(len(data))
            for start in range(0, len(data), PIECE):
                yield data[start:start + PIECE]

    def _count(self, size: int) -> None:
        """Called before each piece is handed on; raises to refuse the part."""

    async def _skip(self) -> None:
        if self._finished:
            return
        if self._started:
            raise RuntimeError(f"part {self.name!r} was left half-read")
        async for _ in self.chunks():
            pass


class FieldPart(_Part):
    """A text field."""

    is_file: ClassVar[Literal[False]] = False
    filename: None = None

    def __init__(self, stream: _Stream, name: str, content_type: str, limit: int) -> None:
        super().__init__(stream, name, content_type)
        self._limit = limit
        self._size = 0

    def _count(self, size: int) -> None:
        self._size += size
        if self._size > self._limit:
            raise ValidationError(f"field {self.name} is longer than {self._limit} bytes", field=self.name,
                                  max_bytes=self._limit)

    async def text(self) -> str:
        """The whole value as text (UTF-8; a byte-order mark is dropped)."""
        raw = b"".join([piece async for piece in self.chunks()])
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise FormatError(f"field {self.name} is not valid UTF-8", field=self.name) from None


class FilePart(_Part):
    """A file; satisfies `capsule.persistence.services.uploads.Upload`."""

    is_file: ClassVar[Literal[True]] = True

    def __init__(self, stream: _Stream, name: str, content_type: str, filename: str, limit: int) -> None:
        super().__init__(stream, name, content_type)
        self.filename = filename
        self.declared_type = content_type or "application/octet-stream"
        self._limit = limit
        self._size = 0

    def _count(self, size: int) -> None:
        # The service refuses at the same byte; this keeps any other consumer bounded too.
        self._size += size
        if self._size > self._limit:
            label = self.filename or self.name
            raise TooLargeError(f"{label}: larger than {self._limit // (1024 * 1024)} MiB", field=self.name,
                                filename=label, limit_mb=self._limit // (1024 * 1024))


Part = FieldPart | FilePart


def boundary_of(content_type: str | None) -> bytes:
    """The boundary of a `multipart/form-data` content type.

    Raises:
        UnsupportedMediaError: not multipart/form-data.
        FormatError: no usable boundary.
    """
    kind, options = parse_options_header(content_type or "")
    if kind != b"multipart/form-data":
        raise UnsupportedMediaError(f"expected multipart/form-data, got {kind.decode('latin-1') or 'nothing'}")
    boundary = options.get(b"boundary", b"")
    if not 1 <= len(boundary) <= 70:
        raise FormatError("multipart/form-data needs a boundary of 1 to 70 characters")
    return boundary


async def read_multipart(request: Any, limits: MultipartLimits) -> AsyncGenerator[Part, None]:
    """The parts of a `multipart/form-data` request body, in order (see the module docstring).

    Raises:
        UnsupportedMediaError, FormatError, ValidationError, TooLargeError: as described above.
    """
    boundary = boundary_of(request.headers.get("content-type"))
    if int(request.headers.get("content-length") or 0) > limits.body_cap:  # refused before reading
        raise TooLargeError(f"the request body is larger than {limits.body_cap} bytes", max_bytes=limits.body_cap)
    stream = _Stream(request.stream(), boundary, limits)
    async for part in stream.parts():
        yield part


class _Stream:
    """python-multipart's callbacks turned into a queue of events, refilled on demand."""

    def __init__(self, source: AsyncIterator[bytes], boundary: bytes, limits: MultipartLimits) -> None:
        self.source = source
        self.limits = limits
        self.events: deque[tuple[str, bytes]] = deque()
        self.received = 0
        self.exhausted = False

        def data(kind: str) -> Any:
            return lambda buffer, start, end: self.events.append((kind, bytes(buffer[start:end])))

        def mark(kind: str) -> Any:
            return lambda: self.events.append((kind, b""))

        self.parser = MultipartParser(boundary, callbacks={  # type: ignore[typeddict-item]
            "on_part_begin": mark("part_begin"), "on_part_data": data("part_data"), "on_part_end": mark("part_end"),
            "on_header_field": data("header_field"), "on_header_value": data("header_value"),
            "on_header_end": mark("header_end"), "on_headers_finished": mark("headers_finished"),
            "on_end": mark("end"),
        }, max_header_count=8, max_header_size=limits.max_header_bytes)

    async def next_event(self) -> tuple[str, bytes]:
        while not self.events:
            if self.exhausted:
                raise FormatError("the multipart body ended before its closing boundary")
            try:
                chunk = await anext(self.source)
            except StopAsyncIteration:
                self.exhausted = True
                continue
            self.received += len(chunk)
            if self.received > self.limits.body_cap:
                raise TooLargeError(f"the request body is larger than {self.limits.body_cap} bytes",
                                    max_bytes=self.limits.body_cap)
            try:
                self.parser.write(chunk)
            except MultipartParseError as exc:
                raise FormatError(f"malformed multipart body: {exc}") from None
        return self.events.popleft()

    async def parts(self) -> AsyncGenerator[Part, None]:
        fields = files = 0
        current: Part | None = None
        while True:
            if current is not None:
                await current._skip()
            kind, _ = await self.next_event()
            if kind == "end":
                return
            if kind != "part_begin":
                raise FormatError("malformed multipart body")
            name, filename, content_type = await self._headers()
            if filename is not None:
                if filename == "" and await self._empty():
                    current = None
                    continue  # a file input nobody chose a file for
                files += 1
                if files > self.limits.max_files:
                    raise ValidationError(f"at most {self.limits.max_files} files", field=name,
                                          max=self.limits.max_files)
                current = FilePart(self, name, content_type, filename, self.limits.max_file_bytes)
            else:
                if files:
                    raise ValidationError(f"field {name} comes after a file; send text fields before files",
                                          field=name)
                fields += 1
                if fields > self.limits.max_fields:
                    raise ValidationError(f"more than {self.limits.max_fields} fields", field=name,
                                          max=self.limits.max_fields)
                current = FieldPart(self, name, content_type, self.limits.max_field_bytes)
            yield current

    async def _headers(self) -> tuple[str, str | None, str]:
        headers: dict[str, bytes] = {}
        field, value, size = b"", b"", 0
        while True:
            kind, data = await self.next_event()
            size += len(data)
            if size > self.limits.max_header_bytes:
                raise FormatError(f"the headers of a part are longer than {self.limits.max_header_bytes} bytes")
            if kind == "header_field":
                field += data
            elif kind == "header_value":
                value += data
            elif kind == "header_end":
                headers[field.decode("latin-1").strip().lower()] = value.strip()
                field, value = b"", b""
            elif kind == "headers_finished":
                break
            else:
                raise FormatError("malformed multipart headers")
        disposition, options = parse_options_header(headers.get("content-disposition", b""))
        if disposition != b"form-data" or b"name" not in options:
            raise FormatError("every part needs 'Content-Disposition: form-data; name=…'")
        filename = options.get(b"filename")
        content_type = parse_options_header(headers.get("content-type", b""))[0].decode("latin-1")
        return _text(options[b"name"]), (_text(filename) if filename is not None else None), content_type

    async def _empty(self) -> bool:
        """Whether the part that just began ends at once (then it is consumed)."""
        kind, data = await self.next_event()
        if kind == "part_end":
            return True
        self.events.appendleft((kind, data))
        return False


def _text(raw: bytes) -> str:
    # Browsers send names as UTF-8 and escape '"', CR and LF as %22, %0D, %0A (WHATWG HTML).
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return text.replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n")
