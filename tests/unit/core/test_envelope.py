"""The contribution envelope (FORMAT §3): the canonical document, its commitment, the DEK
and its wrap, the document blob, attachment keys, and the whole flow end to end."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capsule.core import canonical, envelope
from capsule.core.envelope import (
    AttachmentMeta,
    Document,
    attachment_key,
    build_document,
    check_commitment,
    commitment_of,
    decrypt_document,
    describe_attachment,
    encode_document,
    encrypt_document,
    new_dek,
    open_document,
    parse_document,
    seal_document,
    unwrap_dek,
    wrap_dek,
)
from capsule.core.errors import DecryptionError, FormatError, TamperError
from capsule.core.keys import generate_capsule_key
from capsule.core.lifecycle import Kind
from capsule.core.stream import StreamDecryptor, StreamEncryptor

PAIR = generate_capsule_key()
CAPSULE = UUID("6f1c5a4e-2b7d-4c1e-9a3f-5d8e7b6c4a21")
ITEM = UUID("0b9d3e52-7a41-4f6c-8e2d-1c5b9a7f3e60")
AT = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
DEK = bytes(range(32))
SHA = hashlib.sha256(b"").hexdigest()


def document(**changes: object) -> bytes:
    fields: dict[str, object] = dict(
        capsule_id=CAPSULE, contribution_id=ITEM, kind="goal", title="Еріктілер", body="Мақсат",
        author="Айгүл", role="", organization="Almaty Volunteers", language="kk", submitted_at=AT)
    fields.update(changes)
    return build_document(**fields)  # type: ignore[arg-type]


def fields_of(data: bytes) -> dict[str, object]:
    return msgspec.json.decode(data)  # type: ignore[no-any-return]


def without(fields: dict[str, object], key: str) -> dict[str, object]:
    return {k: v for k, v in fields.items() if k != key}


def reencode(fields: dict[str, object]) -> bytes:
    return msgspec.json.encode(fields, order="sorted")


def flips(blob: bytes):  # every single-bit flip of `blob`
    for i in range(len(blob) * 8):
        flipped = bytearray(blob)
        flipped[i // 8] ^= 1 << (i % 8)
        yield bytes(flipped)


# --- the canonical document ----------------------------------------------------------------


def test_build_document_gives_canonical_json_with_every_field() -> None:
    data = document()
    parsed = fields_of(data)
    assert list(parsed) == sorted(parsed)
    assert parsed["format"] == "capsule-contribution/1"
    assert parsed["submitted_at"] == "2026-03-05T10:00:00Z"
    assert parsed["capsule_id"] == str(CAPSULE) and parsed["id"] == str(ITEM)
    assert len(bytes.fromhex(parsed["salt"])) == 32  # type: ignore[arg-type]
    assert canonical.encode(parsed) == data
    assert "Еріктілер".encode() in data  # non-ASCII written as itself


def test_every_document_has_its_own_salt() -> None:
    assert document() != document()
    assert document(_salt=bytes(32)) == document(_salt=bytes(32))


def test_text_is_normalized_to_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Айгүл Серікқызы")
    assert nfd != "Айгүл Серікқызы"
    data = document(author=nfd, title=nfd, body=nfd, role=nfd, organization=nfd)
    doc = parse_document(data)
    assert doc.author == doc.title == doc.body == doc.role == doc.organization == "Айгүл Серікқызы"


def test_submitted_at_is_utc_at_second_precision() -> None:
    almaty = timezone(timedelta(hours=5))
    data = document(submitted_at=datetime(2026, 3, 5, 15, 0, 0, 999_999, tzinfo=almaty))
    assert fields_of(data)["submitted_at"] == "2026-03-05T10:00:00Z"
    with pytest.raises(ValueError, match="naive datetime"):
        document(submitted_at=datetime(2026, 3, 5, 10, 0))


file_names = st.text(min_size=1).filter(lambda s: s not in (".", "..") and not set(s) & set("/\\"))


@given(
    st.sampled_from(list(Kind)),
    st.sampled_from(["kk", "ru", "en"]),
    st.text(), st.text(), st.text(), st.text(), st.text(),
    st.lists(st.tuples(file_names, st.integers(0, 2**53)), max_size=3),
)
def test_any_document_round_trips_and_commits(
    kind: Kind, language: str, title: str, body: str, author: str, role: str, org: str,
    atts: list[tuple[str, int]],
) -> None:
    metas = []
    for name, size in atts:
        try:
            metas.append(describe_attachment(name, "application/pdf", SHA, size))
        except FormatError as exc:  # only control characters may make a name unacceptable
            assert "control character" in str(exc)
    data = document(kind=kind, language=language, title=title, body=body, author=author, role=role,
                    organization=org, attachments=metas)
    doc = parse_document(data)
    assert encode_document(doc) == data
    assert doc.kind == kind.value and doc.attachments == tuple(metas)
    assert commitment_of(data) == hashlib.sha256(data).digest()
    texts = (doc.title, doc.body, doc.author, doc.role, doc.organization)
    assert all(unicodedata.is_normalized("NFC", text) for text in texts)


@pytest.mark.parametrize(("change", "message"), [
    ({"kind": "wish"}, "document kind 'wish' is not one of appeal, goal, priority"),
    ({"language": "de"}, "document language 'de' is not one of kk, ru, en"),
    ({"_salt": bytes(31)}, "salt must be 32 bytes, got 31"),
])
def test_build_document_refuses_bad_fields(change: dict[str, object], message: str) -> None:
    with pytest.raises(FormatError, match=message):
        document(**change)


def test_document_checks_every_field_at_construction() -> None:
    good = parse_document(document())
    for change, message in [
        ({"format": "capsule-contribution/2"}, "document format 'capsule-contribution/2' is not"),
        ({"salt": "AB" * 32}, "document salt .* is not 64 lowercase hex digits"),
        ({"submitted_at": "2026-03-05T10:00:00+05:00"}, "submitted_at .* is not UTC"),
        ({"submitted_at": "2026-03-05T10:00:00.5Z"}, "submitted_at .* is not UTC"),
        ({"title": unicodedata.normalize("NFD", "й")}, "document title is not in Unicode NFC"),
        ({"body": 5}, "document body must be text, got int"),
        ({"id": str(ITEM)}, "document id must be a UUID"),
        ({"attachments": [1]}, "attachments must be a tuple of AttachmentMeta"),
    ]:
        with pytest.raises(FormatError, match=message):
            msgspec.structs.replace(good, **change)


@pytest.mark.parametrize(("change", "message"), [
    ({"name": "../../etc/passwd"}, "not a plain file name"),
    ({"name": "a\\b"}, "not a plain file name"),
    ({"name": ".."}, "not a plain file name"),
    ({"name": ""}, "not a plain file name"),
    ({"name": "a\nb"}, "not a plain file name"),
    ({"name": unicodedata.normalize("NFD", "й.txt")}, "attachment name is not in Unicode NFC"),
    ({"media_type": "image"}, "media type 'image' is not type/subtype"),
    ({"sha256": "00" * 31}, "sha256 .* is not 64 lowercase hex digits"),
    ({"size": -1}, "size -1 is not a non-negative integer"),
    ({"size": True}, "size True is not a non-negative integer"),
])
def test_attachment_meta_is_checked(change: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {"name": "a.jpg", "media_type": "a/b", "sha256": SHA, "size": 0}
    with pytest.raises(FormatError, match=message):
        AttachmentMeta(**(fields | change))  # type: ignore[arg-type]


def test_describe_attachment_normalizes_what_uploads_send() -> None:
    meta = describe_attachment(unicodedata.normalize("NFD", "сурет.jpg"), "Image/JPEG; q=1", SHA, 3)
    assert meta == AttachmentMeta(name="сурет.jpg", media_type="image/jpeg", sha256=SHA, size=3)


def test_error_messages_never_quote_contribution_text() -> None:
    secret = unicodedata.normalize("NFD", "құпия мәтін й")
    with pytest.raises(FormatError) as info:
        msgspec.structs.replace(parse_document(document()), body=secret)
    assert secret not in str(info.value) and "құпия" not in str(info.value)


@pytest.mark.parametrize(("mangle", "message"), [
    (lambda d: d.replace(b'","', b'", "', 1), "not in canonical form"),
    (lambda d: d + b"\n", "not in canonical form"),
    (lambda d: reencode(fields_of(d) | {"extra": 1}), "unknown field `extra`"),
    (lambda d: reencode(without(fields_of(d), "salt")), "missing required field `salt`"),
    (lambda d: reencode(without(fields_of(d), "format")), "not in canonical form"),
    (lambda d: reencode(fields_of(d) | {"id": str(ITEM).upper()}), "not in canonical form"),
    (lambda d: reencode(fields_of(d) | {"id": ITEM.hex}), "not in canonical form"),
    (lambda d: reencode(fields_of(d) | {"kind": "wish"}), "kind 'wish' is not one of"),
    (lambda d: reencode(fields_of(d) | {"attachments": [
        {"name": "a", "media_type": "a/b", "sha256": SHA, "size": 1.0}]}), "Expected `int`"),
    (lambda d: d[:-1], "not valid JSON"),
    (lambda d: b"[]", "Expected `object`"),
])
def test_parse_document_is_strict(mangle, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FormatError, match=message):
        parse_document(mangle(document()))


def test_check_commitment() -> None:
    data = document()
    check_commitment(data, commitment_of(data))
    got = commitment_of(data).hex()
    with pytest.raises(TamperError, match=f"item 3: sha256 {got} does not match commitment 00"):
        check_commitment(data, bytes(32), what="item 3")


# --- the DEK and its wrap ------------------------------------------------------------------


def test_dek_wrap_round_trip() -> None:
    dek = new_dek()
    wrapped = wrap_dek(PAIR.public, CAPSULE, ITEM, dek)
    assert len(wrapped) == 1168 == envelope.WRAPPED_DEK_SIZE
    assert unwrap_dek(PAIR.private, CAPSULE, ITEM, wrapped) == dek
    assert new_dek() != dek and len(dek) == 32


def test_a_dek_wrap_is_bound_to_capsule_contribution_and_key() -> None:
    wrapped = wrap_dek(PAIR.public, CAPSULE, ITEM, DEK)
    cases = [(uuid4(), ITEM, PAIR.private), (CAPSULE, uuid4(), PAIR.private),
             (ITEM, CAPSULE, PAIR.private), (CAPSULE, ITEM, generate_capsule_key().private)]
    for capsule_id, item_id, private in cases:
        with pytest.raises(DecryptionError, match=f"wrapped dek of contribution {item_id} does"):
            unwrap_dek(private, capsule_id, item_id, wrapped)


def test_every_single_bit_flip_of_a_wrapped_dek_is_refused() -> None:
    # ML-KEM's implicit rejection turns a changed ciphertext into a wrong key: the tag fails.
    wrapped = wrap_dek(PAIR.public, CAPSULE, ITEM, DEK)
    for flipped in flips(wrapped):
        with pytest.raises(DecryptionError, match="wrapped dek of contribution .* does not open"):
            unwrap_dek(PAIR.private, CAPSULE, ITEM, flipped)


def test_wrapped_dek_sizes_are_checked() -> None:
    wrapped = wrap_dek(PAIR.public, CAPSULE, ITEM, DEK)
    with pytest.raises(FormatError, match="wrapped dek of .* must be 1168 bytes, got 1167"):
        unwrap_dek(PAIR.private, CAPSULE, ITEM, wrapped[:-1])
    with pytest.raises(FormatError, match="data key must be 32 bytes, got 16"):
        wrap_dek(PAIR.public, CAPSULE, ITEM, bytes(16))
    with pytest.raises(FormatError, match="capsule public key must be 1216 bytes"):
        wrap_dek(PAIR.public[:-1], CAPSULE, ITEM, DEK)


# --- the document blob ---------------------------------------------------------------------


@given(st.binary(max_size=2000))
def test_document_blob_round_trip(data: bytes) -> None:
    blob = seal_document(DEK, CAPSULE, ITEM, data)
    assert len(blob) == 12 + len(data) + 16
    assert open_document(DEK, CAPSULE, ITEM, blob) == data


def test_every_single_bit_flip_of_a_document_blob_is_refused() -> None:
    blob = seal_document(DEK, CAPSULE, ITEM, document())
    for flipped in flips(blob):
        with pytest.raises(DecryptionError, match=f"document of contribution {ITEM} does not"):
            open_document(DEK, CAPSULE, ITEM, flipped)


def test_a_document_blob_is_bound_to_its_ids_and_dek() -> None:
    blob = seal_document(DEK, CAPSULE, ITEM, b"{}")
    cases = [(DEK, uuid4(), ITEM), (DEK, CAPSULE, uuid4()), (DEK, ITEM, CAPSULE),
             (new_dek(), CAPSULE, ITEM)]
    for dek, capsule_id, item_id in cases:
        with pytest.raises(DecryptionError, match="does not decrypt"):
            open_document(dek, capsule_id, item_id, blob)
    with pytest.raises(FormatError, match="shorter than nonce and tag"):
        open_document(DEK, CAPSULE, ITEM, blob[:27])


# --- attachment keys -----------------------------------------------------------------------


def test_attachment_keys_follow_the_spec_and_differ_by_index() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    spec = HKDF(hashes.SHA256(), 32, None, b"capsule/v1 attachment\x00\x00\x01\x02").derive(DEK)
    assert attachment_key(DEK, 258) == spec
    assert len({attachment_key(DEK, i) for i in range(50)}) == 50
    assert attachment_key(DEK, 2**32 - 1) != attachment_key(new_dek(), 2**32 - 1)


@pytest.mark.parametrize("index", [-1, 2**32, "0", 1.0])
def test_attachment_index_must_fit_u32(index: object) -> None:
    with pytest.raises(FormatError, match="attachment index .* is not in 0..2\\*\\*32-1"):
        attachment_key(DEK, index)  # type: ignore[arg-type]


def test_an_attachment_does_not_decrypt_under_another_index() -> None:
    enc = StreamEncryptor(attachment_key(DEK, 0))
    blob = enc.update(b"photo") + enc.finalize()
    dec = StreamDecryptor(attachment_key(DEK, 1), what="attachment 1")
    with pytest.raises(DecryptionError, match=r"attachment 1: chunk 0 \(the last\) does not"):
        dec.update(blob) + dec.finalize()


# --- the whole flow ------------------------------------------------------------------------


def test_dek_first_then_attachments_then_the_document() -> None:
    dek = new_dek()
    uploads = [("photo.jpg", "image/jpeg", b"\xff\xd8" * 70_000), ("empty.txt", "text/plain", b"")]
    blobs, metas = [], []
    for i, (name, media, content) in enumerate(uploads):
        enc = StreamEncryptor(attachment_key(dek, i))
        blobs.append(enc.update(content[:1000]) + enc.update(content[1000:]) + enc.finalize())
        metas.append(describe_attachment(name, media, enc.sha256, enc.size))
    data = document(attachments=metas)
    sealed = encrypt_document(PAIR.public, CAPSULE, ITEM, data, dek=dek)
    assert sealed.commitment == commitment_of(data) and sealed.dek == dek
    assert dek.hex() not in repr(sealed)

    opened = decrypt_document(PAIR.private, CAPSULE, ITEM, sealed.wrapped_dek, sealed.blob,
                              commitment=sealed.commitment)
    assert opened.data == data and opened.dek == dek
    for i, meta in enumerate(opened.document.attachments):
        dec = StreamDecryptor(attachment_key(opened.dek, i), what=f"attachment {i}")
        content = dec.update(blobs[i]) + dec.finalize()
        dec.check(meta.size, meta.sha256)
        assert content == uploads[i][2]


def test_encrypt_document_makes_a_dek_when_none_is_given() -> None:
    sealed = encrypt_document(PAIR.public, CAPSULE, ITEM, document())
    assert unwrap_dek(PAIR.private, CAPSULE, ITEM, sealed.wrapped_dek) == sealed.dek


def test_decrypt_document_refuses_a_wrong_commitment() -> None:
    sealed = encrypt_document(PAIR.public, CAPSULE, ITEM, document())
    with pytest.raises(TamperError, match=f"document of contribution {ITEM}: sha256 .* does not "
                                          "match commitment"):
        decrypt_document(PAIR.private, CAPSULE, ITEM, sealed.wrapped_dek, sealed.blob,
                         commitment=bytes(32))


def test_decrypt_document_refuses_a_document_naming_other_ids() -> None:
    # Sealed for ITEM but the document inside says another id: a mix-up, never a valid item.
    other = uuid4()
    sealed = encrypt_document(PAIR.public, CAPSULE, ITEM, document(contribution_id=other))
    with pytest.raises(TamperError, match=f"names capsule {CAPSULE}, id {other}"):
        decrypt_document(PAIR.private, CAPSULE, ITEM, sealed.wrapped_dek, sealed.blob)


def test_decrypt_document_refuses_bytes_that_are_not_a_document() -> None:
    sealed = encrypt_document(PAIR.public, CAPSULE, ITEM, b'{"a":1}')
    with pytest.raises(FormatError, match="contribution document"):
        decrypt_document(PAIR.private, CAPSULE, ITEM, sealed.wrapped_dek, sealed.blob,
                         commitment=sealed.commitment)


def test_document_fields_match_format_3_1() -> None:
    assert set(Document.__struct_fields__) == {
        "attachments", "author", "body", "capsule_id", "format", "id", "kind", "language",
        "organization", "role", "salt", "submitted_at", "title"}
    assert set(AttachmentMeta.__struct_fields__) == {"media_type", "name", "sha256", "size"}
