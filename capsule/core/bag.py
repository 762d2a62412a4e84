"""BagIt 1.0 (RFC 8493) bags, written and read in constant memory (FORMAT §9).

A bag is written file by file to a `Target` (a zip streamed to any binary stream, even one that
cannot seek such as a web response; or a folder), hashing each payload file as it passes; the
tag files come last. Archives hold ciphertext, which does not compress, so blobs are stored
and only text is deflated.

Reading and validating a bag is in `bag_read`.
"""

from __future__ import annotations

import hashlib
import re
import stat
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import BinaryIO, Final, Protocol

from capsule.core.errors import FormatError

BAGIT_TXT: Final = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
MANIFEST: Final = "manifest-sha256.txt"
TAG_MANIFEST: Final = "tagmanifest-sha256.txt"
BAG_INFO: Final = "bag-info.txt"
TAG_FILES: Final = ("bagit.txt", BAG_INFO, MANIFEST)
PIECE: Final = 1024 * 1024
_BAD_NAME: Final = re.compile(r"[\x00-\x1f\x7f\\]")


def manifest_line(sha256: str, path: str) -> str:
    """One line of a BagIt manifest. Names never hold CR, LF or % (see `check_path`)."""
    return f"{sha256}  {path}\n"


def check_path(path: str, *, what: str = "file name") -> str:
    """Refuse a relative path that could leave the bag or be read two ways: absolute, `..`,
    `.`, empty parts, backslashes, control characters, or `%` (RFC 8493 §2.1.3 would need it
    percent-encoded; Capsule never writes one).

    Raises:
        FormatError: the path is not a plain relative path.
    """
    parts = path.split("/")
    if (not path or path.startswith("/") or _BAD_NAME.search(path) or "%" in path
            or any(p in ("", ".", "..") for p in parts) or ":" in parts[0]):
        raise FormatError(f"{what} {path[:200]!r} is not a plain relative path")
    return path


class Target(Protocol):
    """Where a bag's files go. `remove` may be unsupported (a zip cannot take a file back)."""

    def write(self, path: str, chunks: Iterable[bytes], *, size: int | None,
              compress: bool) -> tuple[str, int]: ...

    def remove(self, path: str) -> None: ...

    def close(self) -> None: ...


def _pieces(data: bytes) -> Iterator[bytes]:
    with memoryview(data) as view:
        for i in range(0, len(data), PIECE):
            yield bytes(view[i : i + PIECE])


class ZipTarget:
    """A zip with one top folder, written front to back (no seeking needed)."""

    def __init__(self, out: BinaryIO, top: str, when: date) -> None:
        self._zip = zipfile.ZipFile(out, "w", allowZip64=True)
        self._top = check_path(top, what="top folder")
        self._time = (when.year, when.month, when.day, 0, 0, 0)

    def write(self, path: str, chunks: Iterable[bytes], *, size: int | None,
              compress: bool) -> tuple[str, int]:
        info = zipfile.ZipInfo(f"{self._top}/{check_path(path)}", date_time=self._time)
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = (stat.S_IFREG | 0o644) << 16
        info.file_size = size or 0  # decides ZIP64 up front; unknown sizes force it
        digest, total = hashlib.sha256(), 0
        with self._zip.open(info, "w", force_zip64=size is None) as handle:
            for chunk in chunks:
                digest.update(chunk)
                total += len(chunk)
                handle.write(chunk)
        return digest.hexdigest(), total

    def remove(self, path: str) -> None:
        raise RuntimeError(f"a zip being streamed cannot take back {path}")

    def close(self) -> None:
        self._zip.close()


class DirTarget:
    """A bag written into an existing empty folder; files are created, never overwritten."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def write(self, path: str, chunks: Iterable[bytes], *, size: int | None,
              compress: bool) -> tuple[str, int]:
        file = self._root / check_path(path)
        file.parent.mkdir(parents=True, exist_ok=True)
        digest, total = hashlib.sha256(), 0
        with file.open("xb") as handle:
            for chunk in chunks:
                digest.update(chunk)
                total += len(chunk)
                handle.write(chunk)
        return digest.hexdigest(), total

    def remove(self, path: str) -> None:
        file = self._root / check_path(path)
        file.unlink(missing_ok=True)
        for parent in file.parents:
            if parent == self._root or any(parent.iterdir()):
                break
            parent.rmdir()

    def close(self) -> None:
        pass


class BagWriter:
    """Writes payload files under `data/`, then the tag files (`finish`)."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self._payload: dict[str, tuple[str, int]] = {}

    def add(self, path: str, chunks: Iterable[bytes], *, size: int | None = None,
            compress: bool = False) -> tuple[str, int]:
        """Write payload file `data/<path>`; return its SHA-256 (hex) and size."""
        full = "data/" + check_path(path)
        if full in self._payload:
            raise FormatError(f"{full} is written twice")
        self._payload[full] = result = self.target.write(full, chunks, size=size,
                                                         compress=compress)
        return result

    def add_bytes(self, path: str, data: bytes, *, compress: bool = True) -> tuple[str, int]:
        return self.add(path, _pieces(data), size=len(data), compress=compress)

    def forget(self, path: str) -> None:
        """Take back a payload file (folders only: see `Target.remove`)."""
        full = "data/" + check_path(path)
        self.target.remove(full)
        self._payload.pop(full, None)

    def finish(self, info: Mapping[str, str]) -> None:
        """Write bagit.txt, bag-info.txt (with Payload-Oxum), the payload manifest and the tag
        manifest, and close the target."""
        octets = sum(size for _, size in self._payload.values())
        fields = {**info, "Payload-Oxum": f"{octets}.{len(self._payload)}"}
        bag_info = "".join(f"{k}: {v}\n" for k, v in fields.items()).encode("utf-8")
        manifest = "".join(manifest_line(sha, path)
                           for path, (sha, _) in sorted(self._payload.items()))
        tags: dict[str, str] = {}
        for name, data in (("bagit.txt", BAGIT_TXT), (BAG_INFO, bag_info),
                           (MANIFEST, manifest.encode("utf-8"))):
            tags[name] = self.target.write(name, _pieces(data), size=len(data), compress=True)[0]
        tag_manifest = "".join(manifest_line(sha, name) for name, sha in tags.items())
        data = tag_manifest.encode("utf-8")
        self.target.write(TAG_MANIFEST, _pieces(data), size=len(data), compress=True)
        self.target.close()
