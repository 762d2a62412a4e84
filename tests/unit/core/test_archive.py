"""Archives (FORMAT §9): a valid BagIt bag, verification that names the first bad part (also
when the bag's own checksums were recomputed), safe reading, and opening into a folder."""

from __future__ import annotations

import hashlib
import io
import stat
import warnings
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bagit
import pytest

from capsule.archive_texts import archive_texts
from capsule.core import canonical
from capsule.core.archive import open_archive, verify_archive, write_sealed_archive
from capsule.core.archive_pages import safe_file_name
from capsule.core.certificate import sign_certificate
from capsule.core.errors import (
    FormatError,
    LockedError,
    ShareTooFewError,
    SignatureError,
    TamperError,
    ValidationError,
)
from capsule.core.keys import SigningKey
from capsule.core.locks import CustodiansLock, DrandLock, ServerLock
from capsule.core.tlock import get_backend, round_time
from tests.factories.sealed import DEFAULT_ITEMS, ItemSpec, SealedCapsule, build_sealed, tiny_png

TOP = "capsule-almaty-2026"
AFTER = datetime(2036, 3, 5, 7, 0, tzinfo=UTC)  # the opening instant, 12:00 in Almaty
BEACON_1000 = bytes.fromhex("b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125"
                            "e342b73a8dd2bacbe47e4b6b63ed5e39")
XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def capsule() -> SealedCapsule:
    return build_sealed(locks=[ServerLock(), CustodiansLock(threshold=2, shares=3), DrandLock()],
                        drand_backend=get_backend("arkworks"))


@pytest.fixture(scope="module")
def sealed(capsule: SealedCapsule, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return capsule.write_archive(tmp_path_factory.mktemp("sealed") / "capsule.zip")


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {info.filename: z.read(info) for info in z.infolist()}


def write_zip(path: Path, files: dict[str, bytes]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names we test
        with zipfile.ZipFile(path, "w") as z:
            for name, data in files.items():
                z.writestr(name, data)
    return path


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def rebag(files: dict[str, bytes]) -> dict[str, bytes]:
    """Recompute the bag's checksums and Payload-Oxum, as a careful forger would."""
    payload = {n[len(TOP) + 1 :]: d for n, d in files.items() if n.startswith(f"{TOP}/data/")}
    files[f"{TOP}/manifest-sha256.txt"] = "".join(
        f"{sha(d)}  {n}\n" for n, d in sorted(payload.items())).encode()
    info = [line for line in files[f"{TOP}/bag-info.txt"].decode().splitlines()
            if not line.startswith("Payload-Oxum")]
    info.append(f"Payload-Oxum: {sum(map(len, payload.values()))}.{len(payload)}")
    files[f"{TOP}/bag-info.txt"] = ("\n".join(info) + "\n").encode()
    files[f"{TOP}/tagmanifest-sha256.txt"] = "".join(
        f"{sha(files[f'{TOP}/{n}'])}  {n}\n"
        for n in ("bagit.txt", "bag-info.txt", "manifest-sha256.txt")).encode()
    return files


def changed(src: Path, dst: Path, edits: dict[str, bytes | None], *, recompute: bool) -> Path:
    files = members(src)
    for name, data in edits.items():
        if data is None:
            files.pop(f"{TOP}/{name}")
        else:
            files[f"{TOP}/{name}"] = data
    return write_zip(dst, rebag(files) if recompute else files)


def flip(data: bytes, at: int = -20) -> bytes:
    at %= len(data)
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


# --- a valid archive -------------------------------------------------------------------------


def test_the_bag_validates_with_the_reference_bagit_library(sealed: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(sealed) as z:
        z.extractall(tmp_path)
        names = z.namelist()
        infos = {i.filename: i for i in z.infolist()}
    assert all(n.startswith(f"{TOP}/") for n in names)
    bag = bagit.Bag(str(tmp_path / TOP))
    bag.validate()
    assert bag.info["Payload-Oxum"] and bag.version_info == (1, 0)
    assert infos[f"{TOP}/data/items/000002/attachment-00.bin"].compress_type == zipfile.ZIP_STORED
    assert infos[f"{TOP}/data/README.txt"].compress_type == zipfile.ZIP_DEFLATED
    assert f"{TOP}/data/locks/drand.age" in names


def test_verify_passes_and_summarizes(capsule: SealedCapsule, sealed: Path) -> None:
    summary = verify_archive(sealed, pinned_key=capsule.signing.public_raw)
    assert (summary.capsule_id, summary.title, summary.items) == (capsule.capsule_id, capsule.title, 4)
    assert summary.fingerprint == capsule.fingerprint and summary.signer == capsule.signing.kid
    assert summary.kinds == {"goal": 2, "priority": 1, "appeal": 1} and not summary.opened
    assert [type(x).__name__ for x in summary.locks] == ["ServerLockInfo", "CustodiansLockInfo",
                                                         "DrandLockInfo"]
    assert summary.audit_events == capsule.cert.audit.size


def test_readme_speaks_three_languages(sealed: Path) -> None:
    text = members(sealed)[f"{TOP}/data/README.txt"].decode()
    assert "уақыт капсуласы" in text and "Капсула времени" in text and "Time capsule" in text
    assert "capsule verify capsule-almaty-2026.zip" in text and "sha256sum -c" in text
    assert "any 2 of the 3 custodians" in text.replace("Any", "any")
    assert "Барлығы 3 сақтаушының кез келген 2 адамы" in text


def test_a_non_seekable_stream_takes_the_archive(capsule: SealedCapsule, tmp_path: Path) -> None:
    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b) -> int:  # type: ignore[override]
            self.data += b
            return len(b)

    pipe = Pipe()
    write_sealed_archive(pipe, capsule.parts(), archive_texts())  # type: ignore[arg-type]
    path = tmp_path / "piped.zip"
    path.write_bytes(pipe.data)
    assert verify_archive(path).fingerprint == capsule.fingerprint


def test_the_writer_refuses_a_blob_that_is_not_the_manifests(capsule: SealedCapsule) -> None:
    def read(name: str):
        data = capsule.blobs[name]
        return [flip(data) if name.endswith("000001/document.bin") else data]

    parts = capsule.parts()
    import msgspec

    parts = msgspec.structs.replace(parts, read_blob=read)
    with pytest.raises(TamperError, match="data/items/000001/document.bin: sha256"):
        write_sealed_archive(io.BytesIO(), parts, archive_texts())


# --- one flipped byte in each kind of part: the bag names it ---------------------------------


@pytest.mark.parametrize("part", [
    "data/certificate.json", "data/certificate.sig", "data/signing-key.json", "data/manifest.json",
    "data/items/000001/document.bin", "data/items/000002/attachment-00.bin",
    "data/locks/drand.age", "data/audit-log.jsonl", "data/README.txt",
])
def test_a_flipped_payload_byte_is_named(sealed: Path, tmp_path: Path, part: str) -> None:
    data = members(sealed)[f"{TOP}/{part}"]
    bad = changed(sealed, tmp_path / "bad.zip", {part: flip(data)}, recompute=False)
    with pytest.raises(TamperError, match=f"^{part}: sha256 [0-9a-f]+ does not match manifest-sha256.txt"):
        verify_archive(bad)


@pytest.mark.parametrize("part", ["bag-info.txt", "manifest-sha256.txt", "bagit.txt"])
def test_a_flipped_tag_file_byte_is_named(sealed: Path, tmp_path: Path, part: str) -> None:
    data = members(sealed)[f"{TOP}/{part}"]
    bad = changed(sealed, tmp_path / "bad.zip", {part: flip(data, 3)}, recompute=False)
    with pytest.raises((TamperError, FormatError), match=f"^{part}: "):
        verify_archive(bad)


def test_a_flipped_tagmanifest_byte_is_named(sealed: Path, tmp_path: Path) -> None:
    data = members(sealed)[f"{TOP}/tagmanifest-sha256.txt"]
    bad = changed(sealed, tmp_path / "bad.zip", {"tagmanifest-sha256.txt": flip(data, 5)},
                  recompute=False)
    with pytest.raises(TamperError, match="does not match tagmanifest-sha256.txt"):
        verify_archive(bad)


# --- a forger who recomputes the bag's checksums: the signed parts still name the change -----


def recomputed(sealed: Path, tmp_path: Path, edits: dict[str, bytes | None]) -> Path:
    return changed(sealed, tmp_path / "forged.zip", edits, recompute=True)


def test_a_replaced_blob_with_a_recomputed_bagit_line(sealed: Path, tmp_path: Path) -> None:
    part = "data/items/000002/attachment-00.bin"
    bad = recomputed(sealed, tmp_path, {part: flip(members(sealed)[f"{TOP}/{part}"], 70_000)})
    with pytest.raises(TamperError, match=f"^{part}: sha256 .* does not match manifest.json"):
        verify_archive(bad)


def test_a_replaced_lock_file(sealed: Path, tmp_path: Path) -> None:
    part = "data/locks/drand.age"
    bad = recomputed(sealed, tmp_path, {part: members(sealed)[f"{TOP}/{part}"] + b"\n"})
    with pytest.raises(TamperError, match=f"^{part}: sha256 .* does not match manifest.json"):
        verify_archive(bad)


def test_a_changed_certificate(sealed: Path, tmp_path: Path) -> None:
    cert = members(sealed)[f"{TOP}/data/certificate.json"].replace(b'"items":4', b'"items":5')
    bad = recomputed(sealed, tmp_path, {"data/certificate.json": cert})
    with pytest.raises(SignatureError, match="^data/certificate.sig: signature over "
                       "data/certificate.json does not verify"):
        verify_archive(bad)


def test_a_signature_of_another_key(capsule: SealedCapsule, sealed: Path, tmp_path: Path) -> None:
    other = SigningKey.generate()
    sig = canonical.b64(other.sign(capsule.certificate)) + "\n"
    bad = recomputed(sealed, tmp_path, {"data/certificate.sig": sig.encode()})
    with pytest.raises(SignatureError, match="^data/certificate.sig: "):
        verify_archive(bad)


def test_a_substituted_signing_key(capsule: SealedCapsule, sealed: Path, tmp_path: Path) -> None:
    # The forger re-signs the genuine certificate with their own key and ships that key.
    import msgspec

    from capsule.core.archive_write import encode_signing_key

    forger = SigningKey.generate()
    cert = msgspec.structs.replace(capsule.cert, signer=forger.kid)
    cert_bytes, sig = sign_certificate(forger, cert)
    edits = {"data/signing-key.json": encode_signing_key(forger.public_raw),
             "data/certificate.json": cert_bytes,
             "data/certificate.sig": (canonical.b64(sig) + "\n").encode()}
    bad = recomputed(sealed, tmp_path, edits)
    assert verify_archive(bad).signer == forger.kid  # self-consistent: only pinning catches it
    with pytest.raises(SignatureError, match=f"^data/signing-key.json: key {forger.kid} is not "
                       f"the pinned signing key {capsule.signing.kid}"):
        verify_archive(bad, pinned_key=capsule.signing.public_raw)
    # Only the key swapped: its kid is not the certificate's signer.
    bad = recomputed(sealed, tmp_path, {"data/signing-key.json": encode_signing_key(forger.public_raw)})
    with pytest.raises(SignatureError, match="^data/certificate.sig: "):
        verify_archive(bad)
    key = members(sealed)[f"{TOP}/data/signing-key.json"].replace(b'"kid":"', b'"kid":"0')
    bad = recomputed(sealed, tmp_path, {"data/signing-key.json": key})
    with pytest.raises(TamperError, match="^data/signing-key.json: kid 0[0-9a-f]+ is not the key's"):
        verify_archive(bad)


def test_a_changed_manifest(sealed: Path, tmp_path: Path) -> None:
    manifest = members(sealed)[f"{TOP}/data/manifest.json"].replace(b'"kind":"appeal"',
                                                                     b'"kind":"goal"')
    bad = recomputed(sealed, tmp_path, {"data/manifest.json": manifest})
    with pytest.raises(TamperError, match="^data/manifest.json: manifest sha256 .* is not certificate"):
        verify_archive(bad)


def test_a_changed_audit_log(sealed: Path, tmp_path: Path) -> None:
    log = members(sealed)[f"{TOP}/data/audit-log.jsonl"]
    lines = log.split(b"\n")
    lines[1] = lines[1].replace(b'"actor":"organizer"', b'"actor":"system"')
    bad = recomputed(sealed, tmp_path, {"data/audit-log.jsonl": b"\n".join(lines)})
    with pytest.raises(TamperError, match="^data/audit-log.jsonl: audit log seq 12: head"):
        verify_archive(bad)
    truncated = b"".join(line + b"\n" for line in log.split(b"\n")[:5])
    bad = recomputed(sealed, tmp_path, {"data/audit-log.jsonl": truncated})
    with pytest.raises(TamperError, match="^data/audit-log.jsonl: audit log has 5 events"):
        verify_archive(bad)


def test_events_after_sealing_keep_the_archive_valid(sealed: Path, tmp_path: Path) -> None:
    from capsule.core.audit import Actor, EventType, append, jsonl_lines, verify_chain

    log = members(sealed)[f"{TOP}/data/audit-log.jsonl"]
    ref = verify_chain(jsonl_lines(log))
    body, _ = append(bytes.fromhex(ref.head), ref.size + 1, AFTER, EventType.CAPSULE_OPENING_STARTED,
                     Actor.ORGANIZER, {"lock": "server"})
    bad = recomputed(sealed, tmp_path, {"data/audit-log.jsonl": log + body + b"\n"})
    assert verify_archive(bad).audit_events == ref.size + 1


def test_a_missing_file(sealed: Path, tmp_path: Path) -> None:
    bad = changed(sealed, tmp_path / "a.zip", {"data/items/000001/document.bin": None},
                  recompute=False)
    with pytest.raises(FormatError, match="^data/items/000001/document.bin: listed in "
                       "manifest-sha256.txt but missing"):
        verify_archive(bad)
    bad = recomputed(sealed, tmp_path, {"data/items/000001/document.bin": None})
    with pytest.raises(FormatError, match="^data/items/000001/document.bin: listed in "
                       "manifest.json but missing"):
        verify_archive(bad)
    bad = recomputed(sealed, tmp_path, {"data/README.txt": None})
    with pytest.raises(FormatError, match="^data/README.txt: missing"):
        verify_archive(bad)


def test_an_extra_file(sealed: Path, tmp_path: Path) -> None:
    extra = {"data/items/000009/document.bin": b"x"}
    bad = changed(sealed, tmp_path / "a.zip", extra, recompute=False)
    with pytest.raises(FormatError, match="^data/items/000009/document.bin: not listed in "
                       "manifest-sha256.txt"):
        verify_archive(bad)
    bad = recomputed(sealed, tmp_path, extra)
    with pytest.raises(FormatError, match="^data/items/000009/document.bin: not part of a "
                       "capsule archive"):
        verify_archive(bad)
    bad = changed(sealed, tmp_path / "b.zip", {"manifest-md5.txt": b""}, recompute=False)
    with pytest.raises(FormatError, match="^manifest-md5.txt: not a file of a capsule archive"):
        verify_archive(bad)
    files = members(sealed)
    files["evil.txt"] = b"outside the folder"
    with pytest.raises(FormatError, match="evil.txt: not inside the archive's one top folder"):
        verify_archive(write_zip(tmp_path / "c.zip", files))


# --- reading a zip defensively ---------------------------------------------------------------


@pytest.mark.parametrize("name", [
    f"{TOP}/../../etc/cron.d/evil", "/etc/passwd", f"{TOP}/data/..\\..\\evil", f"{TOP}//data/x",
    f"{TOP}/./data/x", "C:/evil", f"{TOP}/data/a\nb", f"{TOP}/data/100%.txt",
])
def test_zip_slip_names_are_refused(sealed: Path, tmp_path: Path, name: str) -> None:
    files = members(sealed)
    files[name] = b"x"
    with pytest.raises(FormatError, match="is not a plain relative path"):
        verify_archive(write_zip(tmp_path / "slip.zip", files))


def test_links_duplicates_and_encrypted_entries_are_refused(sealed: Path, tmp_path: Path) -> None:
    files = members(sealed)
    path = tmp_path / "link.zip"
    write_zip(path, files)
    with zipfile.ZipFile(path, "a") as z:
        info = zipfile.ZipInfo(f"{TOP}/data/link")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, "/etc/passwd")
    with pytest.raises(FormatError, match="a link, not a file"):
        verify_archive(path)
    path = write_zip(tmp_path / "dup.zip", files)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(path, "a") as z:
            z.writestr(f"{TOP}/data/README.txt", b"second copy")
    with pytest.raises(FormatError, match="data/README.txt: appears twice"):
        verify_archive(path)
    path = write_zip(tmp_path / "enc.zip", files)
    raw = bytearray(path.read_bytes())
    raw[6] |= 0x01  # general purpose flag of the first local header: encrypted
    central = raw.rfind(b"PK\x01\x02", 0)
    first = raw.find(b"PK\x01\x02")
    raw[first + 8] |= 0x01
    path.write_bytes(bytes(raw))
    assert central > 0
    with pytest.raises(FormatError, match="encrypted zip entries"):
        verify_archive(path)


def test_absurd_sizes_are_refused_before_reading(sealed: Path, tmp_path: Path) -> None:
    cert = members(sealed)[f"{TOP}/data/certificate.json"] + b" " * (1 << 20)
    bad = recomputed(sealed, tmp_path, {"data/certificate.json": cert})
    with pytest.raises(FormatError, match="certificate.json: .* more than the 1048576 allowed"):
        verify_archive(bad)


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "x.zip"
    path.write_bytes(b"PK not really")
    with pytest.raises(FormatError, match="is not a readable zip file"):
        verify_archive(path)


# --- opening ---------------------------------------------------------------------------------


def test_open_writes_what_was_sealed(capsule: SealedCapsule, sealed: Path, tmp_path: Path) -> None:
    out = tmp_path / "opened"
    report = open_archive(sealed, out, now=AFTER, texts=archive_texts(),
                          private_key=capsule.keypair.private)
    assert report.ok and report.verified == 4
    for index, document in capsule.documents.items():
        assert (out / f"data/opened/{index:06d}/document.json").read_bytes() == document
    assert (out / "data/opened/000000/00-сурет.png").read_bytes() == tiny_png()
    pdf = out / "data/opened/000002/00-үндеу — толық мәтін.pdf"
    assert pdf.read_bytes() == capsule.attachments[2, 0]
    bagit.Bag(str(out)).validate()
    page = (out / "data/index.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page and DEFAULT_ITEMS[0].title in page
    assert 'lang="ru"' in page and "ә ғ қ ң ө ұ ү һ і" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert not list(tmp_path.glob(".opened.*"))  # the work folder was moved into place


def test_an_opened_folder_zipped_again_verifies(capsule: SealedCapsule, sealed: Path,
                                                tmp_path: Path) -> None:
    out = tmp_path / "opened"
    open_archive(sealed, out, now=AFTER, texts=archive_texts(), private_key=capsule.keypair.private)
    files = {f"{TOP}/{p.relative_to(out).as_posix()}": p.read_bytes()
             for p in sorted(out.rglob("*")) if p.is_file()}
    zipped = write_zip(tmp_path / "opened.zip", files)
    summary = verify_archive(zipped)
    assert summary.opened and summary.report is not None and summary.report.verified == 4
    # Anyone can now open the mirror with the published key, no secret needed.
    again = open_archive(zipped, tmp_path / "again", now=AFTER, texts=archive_texts())
    assert again.verified == 4
    doc = f"data/opened/000001/document.json"
    forged = changed(zipped, tmp_path / "f.zip", {doc: capsule.documents[1] + b" "}, recompute=True)
    with pytest.raises(TamperError, match=f"^{doc}: sha256 .* does not match the commitment"):
        verify_archive(forged)


def test_the_opened_archive_escapes_user_text(tmp_path: Path) -> None:
    items = (ItemSpec(kind="appeal", title=XSS, body='<img src=x onerror="alert(2)"> & «сәлем»',
                      author="<b>Әлия</b>", organization="O'Reilly & Co", language="kk",
                      attachments=(('"><img src=x onerror=alert(3)>.png', "image/png", tiny_png()),)),
             *DEFAULT_ITEMS[:1])
    capsule = build_sealed(items=items, title=f"Капсула {XSS}")
    path = tmp_path / "opened.zip"
    report = capsule.write_opened_archive(path, opened_at=AFTER)
    assert report.verified == 2
    files = members(path)
    page = files[f"{TOP}/data/index.html"].decode("utf-8")
    assert XSS not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page and "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page
    assert "<b>" not in page and "&lt;b&gt;Әлия&lt;/b&gt;" in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "Еріктілер қозғалысын әр ауданға жеткізу" in page
    assert f"{TOP}/data/opened/000000/00-___img src=x onerror=alert(3)_.png" in files
    verify_archive(path)


def test_open_refuses_before_the_date_and_writes_nothing(capsule: SealedCapsule, sealed: Path,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "early"
    with pytest.raises(LockedError, match="opens at 2036-03-05T07:00:00Z"):
        open_archive(sealed, out, now=AFTER - timedelta(seconds=1), texts=archive_texts(),
                     private_key=capsule.keypair.private)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_open_refuses_before_the_date_even_with_a_published_key(capsule: SealedCapsule,
                                                                 tmp_path: Path) -> None:
    path = tmp_path / "opened.zip"
    capsule.write_opened_archive(path, opened_at=AFTER)
    with pytest.raises(LockedError, match="opens at"):
        open_archive(path, tmp_path / "out", now=AFTER - timedelta(days=1), texts=archive_texts())
    assert not (tmp_path / "out").exists()


def test_open_refuses_a_folder_that_is_not_empty(capsule: SealedCapsule, sealed: Path,
                                                 tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    with pytest.raises(ValidationError, match="is not an empty folder"):
        open_archive(sealed, tmp_path / "out", now=AFTER, texts=archive_texts(),
                     private_key=capsule.keypair.private)
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["keep.txt"]
    (tmp_path / "empty").mkdir()
    open_archive(sealed, tmp_path / "empty", now=AFTER, texts=archive_texts(),
                 private_key=capsule.keypair.private)
    assert (tmp_path / "empty" / "bagit.txt").exists()


def test_open_with_custodian_shares(capsule: SealedCapsule, sealed: Path, tmp_path: Path) -> None:
    report = open_archive(sealed, tmp_path / "out", now=AFTER, texts=archive_texts(),
                          mnemonics=capsule.mnemonics[1:])
    assert report.verified == 4
    with pytest.raises(ShareTooFewError, match="need 2 of 3 shares, got 1"):
        open_archive(sealed, tmp_path / "few", now=AFTER, texts=archive_texts(),
                     mnemonics=capsule.mnemonics[:1])
    assert not (tmp_path / "few").exists()


def test_open_with_nothing_or_a_wrong_key(capsule: SealedCapsule, sealed: Path,
                                          tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="nothing to open it with"):
        open_archive(sealed, tmp_path / "a", now=AFTER, texts=archive_texts())
    from capsule.core.errors import DecryptionError
    from capsule.core.keys import generate_capsule_key

    with pytest.raises(DecryptionError, match="not this capsule's private key"):
        open_archive(sealed, tmp_path / "b", now=AFTER, texts=archive_texts(),
                     private_key=generate_capsule_key().private)


def test_open_with_the_drand_beacon(tmp_path: Path) -> None:
    fast = get_backend("arkworks")
    capsule = build_sealed(locks=[DrandLock()], opening_at=round_time(1000), drand_backend=fast)
    path = capsule.write_archive(tmp_path / "drand.zip")
    report = open_archive(path, tmp_path / "out", now=round_time(1000), texts=archive_texts(),
                          drand_signature=BEACON_1000, drand_backend=fast)
    assert report.verified == 4
    with pytest.raises(SignatureError, match="^data/locks/drand.age: .*round 1000"):
        open_archive(path, tmp_path / "bad", now=round_time(1000), texts=archive_texts(),
                     drand_signature=bytes(48), drand_backend=fast)


@pytest.mark.parametrize(("name", "want"), [
    ("photo.jpg", "photo.jpg"), ("a/b\\c", "a_b_c"), ('x<>:"|?*%.txt', "x________.txt"),
    ("trailing. . ", "trailing"), ("", "file"), ("...", "file"), ("\u202egpj.exe", "_gpj.exe"),
    ("ә" * 150 + ".pdf", "ә" * 98 + ".pdf"),
])
def test_safe_file_names(name: str, want: str) -> None:
    assert safe_file_name(name) == want


def test_a_translation_that_loses_a_placeholder_is_refused() -> None:
    import msgspec

    from capsule.archive_texts import strings
    from capsule.core.archive import ArchiveTexts

    ru, en = strings("ru"), strings("en")
    lost = msgspec.structs.replace(strings("kk"), lock_custodians="%(threshold)s сақтаушы")
    with pytest.raises(FormatError, match="kk.lock_custodians must use shares"):
        ArchiveTexts(kk=lost, ru=ru, en=en)
    misspelt = msgspec.structs.replace(strings("kk"), readme_title="«%(titel)s»")
    with pytest.raises(FormatError, match="kk.readme_title: bad placeholder 'titel'"):
        ArchiveTexts(kk=misspelt, ru=ru, en=en)
