"""The streaming multipart reader (`capsule.web.multipart`): order, limits, refusal while streaming."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field

import pytest

from capsule.core.errors import FormatError, TooLargeError, UnsupportedMediaError, ValidationError
from capsule.web.multipart import FilePart, MultipartLimits, read_multipart
from tests.factories.collecting import png
from tests.integration.api.conftest import Api, kk_fields, multipart_body

LIMITS = MultipartLimits(max_file_bytes=1024 * 1024)


@dataclass
class FakeRequest:
    """What the reader uses of a request: headers and a body stream, counting pieces pulled."""

    body: bytes
    content_type: str
    piece: int = 1000
    pulled: int = 0
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.headers = {"content-type": self.content_type, **self.headers}

    async def stream(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.body), self.piece):
            self.pulled += 1
            yield self.body[start:start + self.piece]


async def read_all(request: FakeRequest, limits: MultipartLimits = LIMITS) -> list[tuple[str, str | None, bytes]]:
    out = []
    async for part in read_multipart(request, limits):
        if isinstance(part, FilePart):
            out.append((part.name, part.filename, b"".join([c async for c in part.chunks()])))
        else:
            out.append((part.name, None, (await part.text()).encode()))
    return out


def request(parts: Iterable[tuple[str, str | None, bytes]], piece: int = 1000) -> FakeRequest:
    body, content_type = multipart_body(list(parts))
    return FakeRequest(body, content_type, piece)


@pytest.mark.parametrize("piece", [1, 7, 4096, 10**7])
async def test_fields_and_files_arrive_in_order_whatever_the_piece_size(piece: int) -> None:
    parts = [("title", None, "Сәлем, әлем! ғ қ ң ө ұ ү һ і".encode()), ("body", None, b"line 1\r\nline 2"),
             ("attachments", "сурет %22бір%22.png", png()), ("attachments", "b.txt", b"hello")]
    got = await read_all(request(parts, piece))
    assert got == [("title", None, "Сәлем, әлем! ғ қ ң ө ұ ү һ і".encode()), ("body", None, b"line 1\r\nline 2"),
                   ("attachments", 'сурет "бір".png', png()), ("attachments", "b.txt", b"hello")]


async def test_an_empty_file_input_is_skipped_and_an_unread_part_is_passed_over() -> None:
    req = request([("a", None, b"1"), ("attachments", "", b""), ("attachments", "x.png", png()),
                   ("attachments", "y.txt", b"y")])
    names = []
    async for part in read_multipart(req, LIMITS):
        names.append((part.name, part.filename))  # nothing read: the reader skips each part's rest
    assert names == [("a", None), ("attachments", "x.png"), ("attachments", "y.txt")]


@pytest.mark.parametrize(("parts", "error", "field"), [
    ([("attachments", "a.png", png()), ("title", None, b"late")], ValidationError, "title"),
    ([("title", None, "ә".encode() * 60_000)], ValidationError, "title"),
    ([(f"f{n}", None, b"x") for n in range(31)], ValidationError, "f30"),
    ([("attachments", f"{n}.png", png()) for n in range(6)], ValidationError, "attachments"),
    ([("title", None, b"\xff\xfe")], FormatError, "title"),
])
async def test_each_rule_has_its_error_naming_the_part(parts: list, error: type[Exception], field: str) -> None:
    with pytest.raises(error) as caught:
        await read_all(request(parts))
    named = getattr(caught.value, "field", None) or caught.value.params.get("field")  # type: ignore[attr-defined]
    assert named == field


async def test_a_file_over_the_limit_is_refused_after_its_first_extra_piece() -> None:
    req = request([("title", None, b"t"), ("attachments", "big.png", b"\x00" * (3 * 1024 * 1024))], piece=64 * 1024)
    with pytest.raises(TooLargeError, match="big.png: larger than 1 MiB") as caught:
        await read_all(req)
    assert caught.value.params["filename"] == "big.png"
    assert req.pulled <= 1024 * 1024 // (64 * 1024) + 2  # about 1 MiB read of 3 MiB


async def test_the_whole_body_is_capped_while_streaming_and_by_its_declared_length() -> None:
    limits = MultipartLimits(max_file_bytes=1024 * 1024, max_body_bytes=100_000)
    req = request([("attachments", f"{n}.bin", b"\x00" * 60_000) for n in range(5)], piece=10_000)
    with pytest.raises(TooLargeError, match="request body is larger than 100000 bytes"):
        await read_all(req, limits)
    assert req.pulled == 11
    declared = request([("a", None, b"x")])
    declared.headers["content-length"] = "100001"
    with pytest.raises(TooLargeError):
        await read_all(declared, limits)
    assert declared.pulled == 0


@pytest.mark.parametrize(("body", "content_type", "error"), [
    (b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunfinished", "multipart/form-data; boundary=b",
     FormatError),
    (b"garbage without any boundary", "multipart/form-data; boundary=b", FormatError),
    (b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n", "multipart/form-data; boundary=b", FormatError),
    (b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\nX: " + b"y" * 9000 + b"\r\n\r\nx\r\n--b--\r\n",
     "multipart/form-data; boundary=b", FormatError),
    (b"", "multipart/form-data", FormatError),
    (b"a=b", "application/x-www-form-urlencoded", UnsupportedMediaError),
])
async def test_malformed_bodies_are_refused(body: bytes, content_type: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        await read_all(FakeRequest(body, content_type))


async def test_over_http_an_oversized_upload_is_refused_before_the_client_has_sent_it(small_api: Api) -> None:
    await small_api.collecting()
    invitation = await small_api.invite()
    head, content_type = multipart_body([(k, None, v.encode()) for k, v in kk_fields().items()])
    head = head[: head.rindex(b"--capsule-test-boundary--")]
    pieces = {"sent": 0}

    async def body() -> AsyncIterator[bytes]:
        yield head + b'--capsule-test-boundary\r\nContent-Disposition: form-data; name="attachments"; ' \
                     b'filename="huge.png"\r\nContent-Type: image/png\r\n\r\n' + png()
        for _ in range(160):  # 10 MiB, if it were all read
            pieces["sent"] += 1
            yield b"\x00" * (64 * 1024)
        yield b"\r\n--capsule-test-boundary--\r\n"

    response = await small_api.client.post("/api/v1/capsules/almaty-2026/contributions", content=body(),
                                           headers={"Content-Type": content_type, "X-Invitation": invitation["token"]})
    assert response.status_code == 413 and response.json()["params"]["filename"] == "huge.png"
    assert pieces["sent"] < 20  # stopped after about 1 MiB
