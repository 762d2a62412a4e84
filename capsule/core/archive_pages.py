"""The human-readable parts of an archive: the strings, file names, dates and README.txt
(index.html is in `archive_index`).

The core never translates: the caller passes `ArchiveTexts`, every string in Kazakh, Russian
and English (built from the `archive` gettext catalogs by `capsule.archive_texts`). Templates
use `%(name)s` placeholders; which names each may use is fixed here and checked when the
texts are built, so a translation that drops or misspells one fails early, not in 2036.

Neither README.txt nor index.html is signed (FORMAT §9): they help a person, the certificate
proves.
"""

from __future__ import annotations

import textwrap
import unicodedata
from datetime import datetime
from typing import Final

import msgspec

from capsule.core.certificate import Certificate, CustodiansLockInfo, DrandLockInfo, ServerLockInfo
from capsule.core.errors import FormatError
from capsule.core.tlock import round_time

LANGUAGES: Final = ("kk", "ru", "en")
MAX_NAME_BYTES: Final = 200  # + "NN-" stays under the 255-byte limit of common file systems
_UNSAFE: Final = frozenset('<>:"/\\|?*%')


class ArchiveStrings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Every string of README.txt and index.html in one language."""

    language_name: str
    readme_title: str
    readme_about: str
    readme_fingerprint: str
    readme_verify_heading: str
    readme_verify_tool: str
    readme_verify_hand: str
    readme_verify_bag: str
    readme_verify_signature: str
    readme_verify_manifest: str
    readme_verify_root: str
    readme_open_heading: str
    readme_open_text: str
    readme_open_key: str
    readme_open_shares: str
    readme_open_drand: str
    readme_locks_heading: str
    lock_server: str
    lock_custodians: str
    lock_drand: str
    policy_any: str
    policy_all: str
    readme_opened: str
    index_summary: str
    index_opened_at: str
    index_fingerprint: str
    index_note: str
    index_language: str
    kind_goal: str
    kind_priority: str
    kind_appeal: str
    verified: str
    author: str
    role: str
    organization: str
    language: str
    attachments: str
    failed_heading: str
    failed_item: str
    lang_kk: str
    lang_ru: str
    lang_en: str


# The placeholders each template takes; every other string is used as it is.
PARAMS: Final[dict[str, frozenset[str]]] = {
    "readme_title": frozenset({"title"}),
    "readme_about": frozenset({"sealed_at", "items", "goals", "priorities", "appeals",
                               "opening_at"}),
    "readme_open_text": frozenset({"opening_at"}),
    "readme_open_shares": frozenset({"threshold", "shares"}),
    "readme_open_drand": frozenset({"round"}),
    "lock_custodians": frozenset({"threshold", "shares"}),
    "lock_drand": frozenset({"round", "date"}),
    "index_summary": frozenset({"verified", "total"}),
    "index_opened_at": frozenset({"opened_at"}),
    "failed_item": frozenset({"index", "reason"}),
}


class _Probe(dict[str, str]):
    """Records which placeholders a template uses; refuses unknown ones."""

    def __init__(self, allowed: frozenset[str]) -> None:
        super().__init__()
        self.allowed, self.used = allowed, set()

    def __missing__(self, key: str) -> str:
        if key not in self.allowed:
            raise KeyError(key)
        self.used.add(key)
        return "x"


def fill(template: str, name: str, values: dict[str, object] | None = None) -> str:
    """String `name`'s `template` with `values` put in (only templates of PARAMS take any)."""
    allowed = PARAMS.get(name)
    if allowed is None:
        return template
    return template % (values or {})


class ArchiveTexts(msgspec.Struct, frozen=True, kw_only=True):
    """The strings of every archive language; construction checks each template's
    placeholders (all of them used, no unknown one, no stray %)."""

    kk: ArchiveStrings
    ru: ArchiveStrings
    en: ArchiveStrings

    def __post_init__(self) -> None:
        for lang in LANGUAGES:
            strings = getattr(self, lang)
            for name, allowed in PARAMS.items():
                probe = _Probe(allowed)
                try:
                    getattr(strings, name) % probe
                except (KeyError, ValueError, TypeError) as exc:
                    raise FormatError(f"archive text {lang}.{name}: bad placeholder {exc}") from None
                if probe.used != allowed:
                    raise FormatError(f"archive text {lang}.{name} must use "
                                      f"{', '.join(sorted(allowed - probe.used))}")

    def get(self, lang: str) -> ArchiveStrings:
        return getattr(self, lang)  # type: ignore[no-any-return]


# --- names and dates ---------------------------------------------------------------------


def safe_file_name(name: str) -> str:
    """An attachment's name as the opened archive stores it (FORMAT §9): NFC; every control,
    format or line/paragraph separator character and each of < > : " / \\ | ? * % becomes
    `_`; trailing dots and spaces go; empty becomes `file`; cut to 200 UTF-8 bytes keeping
    an extension of up to 16 characters."""
    text = unicodedata.normalize("NFC", name)
    text = "".join("_" if c in _UNSAFE or unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")
                   else c for c in text).rstrip(" .")
    text = text or "file"
    if len(text.encode("utf-8")) <= MAX_NAME_BYTES:
        return text
    stem, dot, ext = text.rpartition(".")
    if not dot or not stem or len(ext) > 16:
        stem, ext = text, ""
    suffix = f".{ext}" if ext else ""
    while len((stem + suffix).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return (stem.rstrip(" .") or "file") + suffix


def opened_document_path(index: int) -> str:
    return f"opened/{index:06d}/document.json"


def opened_attachment_path(index: int, position: int, name: str) -> str:
    return f"opened/{index:06d}/{position:02d}-{safe_file_name(name)}"


def when_text(when: datetime) -> str:
    """`2036-03-05 12:00 UTC+05:00`: readable in every language, no month names needed."""
    offset = when.strftime("%z")
    zone = "UTC" if offset in ("", "+0000") else f"UTC{offset[:3]}:{offset[3:]}"
    return f"{when:%Y-%m-%d %H:%M} {zone}"


# --- README.txt ----------------------------------------------------------------------------


def _wrap(text: str, indent: str = "") -> list[str]:
    return textwrap.wrap(text, width=78, subsequent_indent=indent, break_long_words=False,
                         break_on_hyphens=False) or [""]


def render_readme(cert: Certificate, fingerprint: str, texts: ArchiveTexts, *,
                  opened: bool) -> bytes:
    """README.txt: what the archive is, how to check it, how and from when to open it, and
    who could open it before the date, in Kazakh, Russian and English one after another."""
    archive = f"capsule-{cert.slug}.zip"
    out: list[str] = []
    for lang in LANGUAGES:
        s = texts.get(lang)
        title = fill(s.readme_title, "readme_title", {"title": cert.title})
        out += ["=" * 78, title, "=" * 78, ""]
        out += _wrap(fill(s.readme_about, "readme_about", {
            "sealed_at": when_text(cert.sealed_at), "items": cert.items,
            "goals": cert.kinds.get("goal", 0), "priorities": cert.kinds.get("priority", 0),
            "appeals": cert.kinds.get("appeal", 0), "opening_at": when_text(cert.opening_at)}))
        out += ["", *_wrap(s.readme_fingerprint), "", f"    {fingerprint}", ""]
        if opened:
            out += [*_wrap(s.readme_opened), ""]
        out += [s.readme_verify_heading, "-" * len(s.readme_verify_heading), ""]
        out += [*_wrap(s.readme_verify_tool), "", f"    capsule verify {archive}", ""]
        out += [*_wrap(s.readme_verify_hand), ""]
        out += _wrap("1. " + s.readme_verify_bag, "   ")
        out += ["", f"    cd capsule-{cert.slug} && sha256sum -c manifest-sha256.txt "
                "&& sha256sum -c tagmanifest-sha256.txt", ""]
        for n, step in enumerate((s.readme_verify_signature, s.readme_verify_manifest,
                                  s.readme_verify_root), start=2):
            out += [*_wrap(f"{n}. {step}", "   "), ""]
        out += [s.readme_open_heading, "-" * len(s.readme_open_heading), ""]
        out += [*_wrap(fill(s.readme_open_text, "readme_open_text",
                             {"opening_at": when_text(cert.opening_at)})), ""]
        out += _wrap("- " + s.readme_open_key, "  ")
        out += ["", f"    capsule open {archive} --key KEY --out FOLDER", ""]
        for lock in cert.locks:
            if isinstance(lock, CustodiansLockInfo):
                out += _wrap("- " + fill(s.readme_open_shares, "readme_open_shares",
                                          {"threshold": lock.threshold, "shares": lock.shares}),
                             "  ")
                words = " ".join(['--share "WORD WORD …"'] * lock.threshold)
                out += ["", f"    capsule open {archive} {words} --out FOLDER", ""]
            elif isinstance(lock, DrandLockInfo):
                out += _wrap("- " + fill(s.readme_open_drand, "readme_open_drand",
                                          {"round": lock.round}), "  ")
                out += ["", f"    capsule open {archive} --drand-signature HEX --out FOLDER", ""]
        out += [s.readme_locks_heading, "-" * len(s.readme_locks_heading), ""]
        for lock in cert.locks:
            out += [*_wrap("- " + _lock_text(s, lock), "  "), ""]
        out += [*_wrap(s.policy_any if cert.lock_policy == "any" else s.policy_all), "", ""]
    return "\n".join(out).rstrip("\n").encode("utf-8") + b"\n"


def _lock_text(s: ArchiveStrings, lock: object) -> str:
    if isinstance(lock, ServerLockInfo):
        return s.lock_server
    if isinstance(lock, CustodiansLockInfo):
        return fill(s.lock_custodians, "lock_custodians",
                     {"threshold": lock.threshold, "shares": lock.shares})
    if isinstance(lock, DrandLockInfo):
        return fill(s.lock_drand, "lock_drand",
                     {"round": lock.round, "date": when_text(round_time(lock.round))})
    raise FormatError(f"unknown lock {lock!r}")
