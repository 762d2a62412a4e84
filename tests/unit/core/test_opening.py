"""Opening (FORMAT §9.2): every item verified, and one damaged item reported without stopping
the others."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from uuid import uuid4

import msgspec
import pytest

from capsule.core.envelope import AttachmentMeta
from capsule.core.errors import FormatError, NotFoundError
from capsule.core.keys import generate_capsule_key
from capsule.core.manifest import BlobRef
from capsule.core.opening import (
    MemorySink,
    NullSink,
    OpenedItem,
    Report,
    encode_report,
    open_items,
    parse_report,
)
from tests.factories.sealed import SealedCapsule, build_sealed


@pytest.fixture(scope="module")
def capsule() -> SealedCapsule:
    return build_sealed()


def reader(capsule: SealedCapsule, blobs: dict[str, bytes] | None = None) -> Callable[[str], Iterable[bytes]]:
    data = {**capsule.blobs, **(blobs or {})}

    def read(name: str) -> Iterator[bytes]:
        blob = data[name]
        yield from (blob[i : i + 40_000] for i in range(0, len(blob), 40_000))

    return read


def flipped(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def open_all(capsule: SealedCapsule, sink=None, *, read=None, key=None, **kw) -> Report:
    return open_items(key or capsule.keypair.private, capsule.capsule_id, capsule.manifest,
                      read or reader(capsule), sink if sink is not None else MemorySink(),
                      content_root=capsule.cert.content_root, **kw)


def test_n_of_n_verified_byte_identical(capsule: SealedCapsule) -> None:
    sink = MemorySink()
    report = open_all(capsule, sink)
    assert (report.total, report.verified, report.failed, report.content_root_ok) == (4, 4, [], True)
    assert report.ok and report.content_root == capsule.cert.content_root
    assert {i: item.data for i, item in sink.items.items()} == capsule.documents
    assert sink.attachments == capsule.attachments
    assert sink.items[0].document.title == capsule.specs[0].title  # Kazakh text intact


def test_report_is_canonical_json(capsule: SealedCapsule) -> None:
    report = open_all(capsule, NullSink())
    data = encode_report(report)
    assert data.startswith(b'{"capsule_id":"') and parse_report(data) == report
    with pytest.raises(FormatError, match="2 verified and 0 failed do not make 3"):
        Report(capsule_id=capsule.capsule_id, total=3, verified=2, failed=[],
               content_root=report.content_root, content_root_ok=True)


def test_a_flipped_document_byte_names_that_item_only(capsule: SealedCapsule) -> None:
    name = "items/000001/document.bin"
    sink = MemorySink()
    report = open_all(capsule, sink, read=reader(capsule, {name: flipped(capsule.blobs[name], 30)}))
    assert report.verified == 3 and not report.ok
    [failure] = report.failed
    assert (failure.index, failure.id, failure.code) == (1, capsule.manifest.items[1].id,
                                                        "integrity.failed")
    assert failure.message.startswith(f"{name}: sha256 ")
    assert sorted(sink.items) == [0, 2, 3]


def test_a_flipped_attachment_byte_is_discarded_after_streaming(capsule: SealedCapsule) -> None:
    name = "items/000002/attachment-00.bin"
    events: list[str] = []

    class Recording(MemorySink):
        def attachment(self, item, position, meta, chunks) -> None:
            events.append(f"attachment {item.index}")
            super().attachment(item, position, meta, chunks)

        def discard(self, item: OpenedItem) -> None:
            events.append(f"discard {item.index}")
            super().discard(item)

    sink = Recording()
    report = open_all(capsule, sink, read=reader(capsule, {name: flipped(capsule.blobs[name], 70_000)}))
    [failure] = report.failed
    assert failure.index == 2 and failure.message.startswith(f"{name}:")
    assert "discard 2" in events and sorted(sink.items) == [0, 1, 3]
    assert (2, 0) not in sink.attachments


def test_authenticated_encryption_catches_what_a_forged_manifest_lets_through(capsule) -> None:
    # Replace a blob AND its manifest entry: the blob check passes, the AEAD tag does not.
    name = "items/000002/attachment-00.bin"
    bad = flipped(capsule.blobs[name], 70_000)
    items = list(capsule.manifest.items)
    blobs = [items[2].blobs[0], BlobRef.of(name, bad)]
    items[2] = msgspec.structs.replace(items[2], blobs=blobs)
    manifest = msgspec.structs.replace(capsule.manifest, items=items)
    report = open_items(capsule.keypair.private, capsule.capsule_id, manifest,
                        reader(capsule, {name: bad}), MemorySink())
    [failure] = report.failed
    assert failure.code == "crypto.decrypt_failed" and "chunk 1 does not authenticate" in failure.message
    assert report.content_root_ok is None


def test_swapped_blobs_fail_both_items(capsule: SealedCapsule) -> None:
    a, b = "items/000001/document.bin", "items/000003/document.bin"
    report = open_all(capsule, read=reader(capsule, {a: capsule.blobs[b], b: capsule.blobs[a]}))
    assert [f.index for f in report.failed] == [1, 3] and report.verified == 2


def test_a_wrong_key_opens_nothing(capsule: SealedCapsule) -> None:
    report = open_all(capsule, key=generate_capsule_key().private)
    assert report.verified == 0 and {f.code for f in report.failed} == {"crypto.decrypt_failed"}
    assert all("does not open with this capsule key" in f.message for f in report.failed)


def test_a_missing_blob_fails_its_item(capsule: SealedCapsule) -> None:
    def read(name: str) -> Iterable[bytes]:
        if name == "items/000000/attachment-00.bin":
            raise NotFoundError(f"{name}: not stored")
        return reader(capsule)(name)

    report = open_all(capsule, read=read)
    assert [(f.index, f.code) for f in report.failed] == [(0, "not_found")]


def test_a_content_root_that_differs_is_reported(capsule: SealedCapsule) -> None:
    report = open_items(capsule.keypair.private, capsule.capsule_id, capsule.manifest,
                        reader(capsule), NullSink(), content_root="00" * 32)
    assert report.verified == 4 and report.content_root_ok is False and not report.ok


def test_verify_first_hands_over_only_verified_items(capsule: SealedCapsule) -> None:
    name = "items/000002/attachment-00.bin"
    seen: list[int] = []

    class Strict(MemorySink):
        def document(self, item: OpenedItem) -> None:
            seen.append(item.index)

        def discard(self, item: OpenedItem) -> None:
            raise AssertionError("nothing to discard when verified first")

    report = open_all(capsule, Strict(), verify_first=True,
                      read=reader(capsule, {name: flipped(capsule.blobs[name], 10)}))
    assert seen == [0, 1, 3] and [f.index for f in report.failed] == [2]


def test_attachments_arrive_in_pieces(capsule: SealedCapsule) -> None:
    sizes: list[int] = []

    class Counting(NullSink):
        def attachment(self, item, position, meta: AttachmentMeta, chunks) -> None:
            if item.index == 2:
                sizes.extend(len(c) for c in chunks)
            else:
                super().attachment(item, position, meta, chunks)

    open_all(capsule, Counting())
    assert len(sizes) >= 3 and max(sizes) <= 2 * 65536 and sum(sizes) == 150_000


def test_a_sink_that_stops_reading_is_a_bug(capsule: SealedCapsule) -> None:
    class Lazy(NullSink):
        def attachment(self, item, position, meta, chunks) -> None:
            next(chunks)

    with pytest.raises(RuntimeError, match="before consuming the whole attachment"):
        open_all(capsule, Lazy())


def test_a_manifest_of_another_capsule_is_refused(capsule: SealedCapsule) -> None:
    with pytest.raises(FormatError, match="manifest is for capsule"):
        open_items(capsule.keypair.private, uuid4(), capsule.manifest, reader(capsule), NullSink())


def test_without_blob_hashes_the_encryption_still_catches_a_flipped_byte(capsule) -> None:
    name = "items/000002/attachment-00.bin"
    report = open_all(capsule, check_blobs=False,
                      read=reader(capsule, {name: flipped(capsule.blobs[name], 70_000)}))
    [failure] = report.failed
    assert (failure.index, failure.code) == (2, "crypto.decrypt_failed")
    assert failure.message.startswith(f"{name}: chunk 1 does not authenticate")
