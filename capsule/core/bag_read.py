"""Reading a zipped BagIt 1.0 bag (RFC 8493) defensively, in constant memory (FORMAT §9).

`BagReader` checks every entry before anything looks at its content: one top folder, no
absolute or climbing names (zip-slip), no links, no duplicates, no encrypted entries, only
stored or deflated data, sizes within bounds. `validate()` then checks RFC 8493 §3 for this
profile (SHA-256 manifests, a tag manifest covering every tag file, Payload-Oxum) and names
the first bad file.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import stat
import zipfile
from collections.abc import Iterator
from typing import Final

from capsule.core.bag import BAG_INFO, BAGIT_TXT, MANIFEST, PIECE, TAG_FILES, TAG_MANIFEST, check_path
from capsule.core.errors import FormatError, TamperError

MAX_ENTRIES: Final = 1 << 23  # a million items with attachments and opened copies
MAX_TAG_FILE: Final = 1 << 30  # manifest-sha256.txt of the largest capsule
_LINE: Final = re.compile(r"([0-9a-fA-F]{64})[ \t]+(\S.*)")


class BagReader:
    """A zipped bag, checked for unsafe entries on opening. Paths are relative to the top
    folder (`data/manifest.json`, `bagit.txt`)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        try:
            self._zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise FormatError(f"{os.fspath(path)} is not a readable zip file: {exc}") from None
        try:
            self.top, self.files = self._entries()
        except BaseException:
            self._zip.close()
            raise

    def _entries(self) -> tuple[str, dict[str, zipfile.ZipInfo]]:
        infos = self._zip.infolist()
        if len(infos) > MAX_ENTRIES:
            raise FormatError(f"archive has {len(infos)} entries, more than {MAX_ENTRIES}")
        tops, files = set(), {}
        for info in infos:
            name = info.filename
            if name.endswith("/") and info.file_size == 0:
                check_path(name.rstrip("/"), what="zip entry")
                continue  # a folder entry, as some zip tools add
            check_path(name, what="zip entry")
            top, sep, rest = name.partition("/")
            if not sep:
                raise FormatError(f"{name}: not inside the archive's one top folder")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise FormatError(f"{name}: a link, not a file")
            if info.flag_bits & 0x1:
                raise FormatError(f"{name}: encrypted zip entries are not part of the format")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise FormatError(f"{name}: compression method {info.compress_type} is not "
                                  "stored or deflate")
            if rest in files:
                raise FormatError(f"{rest}: appears twice in the archive")
            tops.add(top)
            files[rest] = info
        if len(tops) != 1:
            raise FormatError(f"archive must hold one top folder, found {len(tops)}: "
                              f"{', '.join(sorted(tops)[:5])}")
        return tops.pop(), files

    def __enter__(self) -> BagReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()

    def size(self, path: str) -> int:
        return self.files[path].file_size

    def stream(self, path: str) -> Iterator[bytes]:
        """The file's bytes in pieces; never more than the size its entry declares.

        Raises:
            FormatError: missing, or the zip data is damaged (CRC, truncated, longer).
        """
        info = self.files.get(path)
        if info is None:
            raise FormatError(f"{path}: missing from the archive")
        left = info.file_size
        try:
            with self._zip.open(info) as handle:
                while piece := handle.read(min(PIECE, left + 1)):
                    left -= len(piece)
                    if left < 0:
                        raise FormatError(f"{path}: longer than its zip entry says")
                    yield piece
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            # ValueError: zlib data errors surface as zipfile's "invalid distance" et al.
            raise TamperError(f"{path}: damaged zip data: {exc}") from None

    def read(self, path: str, *, limit: int) -> bytes:
        """A whole (small) file.

        Raises:
            FormatError: missing, damaged, or larger than `limit` bytes.
        """
        info = self.files.get(path)
        if info is None:
            raise FormatError(f"{path}: missing from the archive")
        if info.file_size > limit:
            raise FormatError(f"{path}: {info.file_size} bytes, more than the {limit} allowed")
        return b"".join(self.stream(path))

    def hash(self, path: str) -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        for piece in self.stream(path):
            digest.update(piece)
            size += len(piece)
        return digest.hexdigest(), size

    def validate(self) -> dict[str, tuple[str, int]]:
        """RFC 8493 §3 for this profile; return every payload file's SHA-256 and size.

        Raises:
            FormatError: a tag file is missing or malformed, or a file is missing or extra.
            TamperError: a file does not match its manifest line, or Payload-Oxum is wrong.
        """
        if self.read("bagit.txt", limit=4096) != BAGIT_TXT:
            raise FormatError("bagit.txt: not 'BagIt-Version: 1.0' with UTF-8 tag files")
        extra = sorted(p for p in self.files if not p.startswith("data/")
                       and p not in (*TAG_FILES, TAG_MANIFEST))
        if extra:
            raise FormatError(f"{extra[0]}: not a file of a capsule archive")
        tag_lines = self._manifest(TAG_MANIFEST)
        if sorted(tag_lines) != sorted(TAG_FILES):
            raise FormatError(f"{TAG_MANIFEST}: must list exactly {', '.join(TAG_FILES)}")
        for path, want in tag_lines.items():
            self._check(path, self.hash(path)[0], want, TAG_MANIFEST)
        oxum = _parse_info(self.read(BAG_INFO, limit=1 << 20)).get("Payload-Oxum", "")
        lines = self._manifest(MANIFEST)
        for path in lines:
            if not path.startswith("data/"):
                raise FormatError(f"{MANIFEST}: {path} is not under data/")
            if path not in self.files:
                raise FormatError(f"{path}: listed in {MANIFEST} but missing")
        extra = sorted(p for p in self.files if p.startswith("data/") and p not in lines)
        if extra:
            raise FormatError(f"{extra[0]}: not listed in {MANIFEST}")
        octets = sum(self.size(p) for p in lines)
        if oxum != f"{octets}.{len(lines)}":
            raise TamperError(f"{BAG_INFO}: Payload-Oxum {oxum!r} is not {octets}.{len(lines)}")
        found: dict[str, tuple[str, int]] = {}
        for path, want in lines.items():
            found[path] = got = self.hash(path)
            self._check(path, got[0], want, MANIFEST)
        return found

    @staticmethod
    def _check(path: str, got: str, want: str, manifest: str) -> None:
        if not hmac.compare_digest(got, want.lower()):
            raise TamperError(f"{path}: sha256 {got} does not match {manifest} ({want})",
                              part=path)

    def _manifest(self, name: str) -> dict[str, str]:
        try:
            text = self.read(name, limit=MAX_TAG_FILE).decode("utf-8")
        except UnicodeDecodeError:
            raise FormatError(f"{name}: not UTF-8") from None
        if text and not text.endswith("\n"):
            raise FormatError(f"{name}: does not end with a newline")
        found: dict[str, str] = {}
        # Split on LF only: str.splitlines() would also cut at U+2028 inside a file name.
        for number, line in enumerate(text.split("\n")[:-1], start=1):
            match = _LINE.fullmatch(line)
            if match is None:
                raise FormatError(f"{name}: line {number} is not '<sha256>  <path>'")
            path = check_path(match.group(2).rstrip(), what=f"{name} line {number}:")
            if path in found:
                raise FormatError(f"{name}: {path} is listed twice")
            found[path] = match.group(1)
        return found


def _parse_info(data: bytes) -> dict[str, str]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FormatError(f"{BAG_INFO}: not UTF-8") from None
    if text and not text.endswith("\n"):
        raise FormatError(f"{BAG_INFO}: does not end with a newline")
    fields: dict[str, str] = {}
    for number, line in enumerate(text.split("\n")[:-1], start=1):
        label, colon, value = line.partition(": ")
        if not colon or not label.strip() or label[0].isspace():
            raise FormatError(f"{BAG_INFO}: line {number} is not 'Label: value'")
        fields.setdefault(label, value)
    return fields
