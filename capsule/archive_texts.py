"""The translated strings archives carry (README.txt, index.html), from the `archive` catalogs.

The core writes archives but never translates (capsule.core.archive_pages): this module looks
every English source string up in `capsule/locales/<lang>/LC_MESSAGES/archive.po` for Kazakh,
Russian and English and hands the core one checked `ArchiveTexts`. The strings are marked with
`A_`, which the `messages` extraction does not know, so they stay out of the web catalog:

    pybabel extract --no-default-keywords -k A_ --omit-header --no-location \\
        -o capsule/locales/archive.pot capsule/archive_texts.py
    pybabel update -D archive -i capsule/locales/archive.pot -d capsule/locales --omit-header

A placeholder (`%(title)s`) must survive translation; `ArchiveTexts` refuses a catalog where
one is lost or misspelt.
"""

from __future__ import annotations

from functools import cache
from typing import Final

from capsule.core.archive_pages import ArchiveStrings, ArchiveTexts
from capsule.i18n import LANGUAGE_NAMES, LANGUAGES, translations

DOMAIN: Final = "archive"


def A_(message: str) -> str:  # noqa: N802 - marks a string of the `archive` catalog
    return message


SOURCE: Final[dict[str, str]] = {
    "readme_title": A_("Time capsule “%(title)s”"),
    "readme_about": A_(
        "This folder is the archive of a digital time capsule. It was sealed on "
        "%(sealed_at)s and holds %(items)s encrypted contributions (strategic goals: "
        "%(goals)s, priorities: %(priorities)s, appeals: %(appeals)s). Nobody can read them "
        "before %(opening_at)s, and nobody can change them without it being detected."),
    "readme_fingerprint": A_("Fingerprint of the seal certificate, as read aloud at the "
                             "ceremony:"),
    "readme_verify_heading": A_("How to check it"),
    "readme_verify_tool": A_("With the Capsule program (it works offline, without the "
                             "service):"),
    "readme_verify_hand": A_("Or by hand, following docs/FORMAT.md of the Capsule project "
                             "(format version 1):"),
    "readme_verify_bag": A_(
        "Every file is listed with its SHA-256 in manifest-sha256.txt, and the list files "
        "themselves in tagmanifest-sha256.txt (BagIt, RFC 8493). In the archive's folder:"),
    "readme_verify_signature": A_(
        "data/certificate.sig is the Ed25519 signature (base64) of the exact bytes of "
        "data/certificate.json, made with the key in data/signing-key.json. Compare that key "
        "with the one the service publishes at /.well-known/capsule/signing-key."),
    "readme_verify_manifest": A_(
        "The SHA-256 of data/manifest.json equals manifest_sha256 in the certificate, and "
        "every file it lists has the listed size and SHA-256."),
    "readme_verify_root": A_(
        "The Merkle tree (RFC 9162) of the items' commitments, in manifest order, gives the "
        "certificate's content_root, and the hash chain of data/audit-log.jsonl reaches "
        "audit.head at entry audit.size."),
    "readme_open_heading": A_("How to open it"),
    "readme_open_text": A_("From %(opening_at)s on, the capsule can be opened offline with "
                           "the Capsule program:"),
    "readme_open_key": A_("with the capsule's key, published when it is opened "
                          "(data/opening.json of an opened archive, or the capsule's page):"),
    "readme_open_shares": A_("with the words of any %(threshold)s of the %(shares)s "
                             "custodians:"),
    "readme_open_drand": A_("with the drand beacon signature of round %(round)s (every drand "
                            "relay publishes it, e.g. https://api.drand.sh):"),
    "readme_locks_heading": A_("Who could open it before the date"),
    "lock_server": A_("The operator of the service that sealed it (server lock): the service "
                      "refuses to open it before the date, but technically could."),
    "lock_custodians": A_("Any %(threshold)s of the %(shares)s custodians together, with "
                          "their key shares (SLIP-39)."),
    "lock_drand": A_("Nobody: it is time-locked to drand round %(round)s, whose beacon the "
                     "League of Entropy network publishes at %(date)s."),
    "policy_any": A_("Any one of these locks is enough to open the capsule."),
    "policy_all": A_("All of these locks are needed together to open the capsule."),
    "readme_opened": A_(
        "This archive has been opened: the decrypted contributions are in data/opened/, "
        "data/index.html shows them in any web browser, and data/opening.json holds the "
        "capsule's key and the verification report."),
    "index_summary": A_("Verified against the sealed certificate: %(verified)s of %(total)s."),
    "index_opened_at": A_("Opened: %(opened_at)s"),
    "index_fingerprint": A_("Seal fingerprint"),
    "index_note": A_(
        "This page was made from the archive for convenience and is not signed. What proves "
        "the contents is the signed certificate and the files beside this page: check them "
        "with “capsule verify”."),
    "index_language": A_("Page language"),
    "kind_goal": A_("Strategic goals"),
    "kind_priority": A_("Priorities"),
    "kind_appeal": A_("Appeals"),
    "verified": A_("verified"),
    "author": A_("Author"),
    "role": A_("Role"),
    "organization": A_("Organization"),
    "language": A_("Language"),
    "attachments": A_("Attachments"),
    "failed_heading": A_("Contributions that could not be verified"),
    "failed_item": A_("Contribution %(index)s: %(reason)s"),
    "lang_kk": A_("Kazakh"),
    "lang_ru": A_("Russian"),
    "lang_en": A_("English"),
}


def strings(language: str) -> ArchiveStrings:
    """Every archive string in `language` (the English source where a catalog lacks one)."""
    catalog = translations(language, DOMAIN)
    values = {name: catalog.gettext(text) for name, text in SOURCE.items()}
    return ArchiveStrings(language_name=LANGUAGE_NAMES[language], **values)


@cache
def archive_texts() -> ArchiveTexts:
    """The texts of every archive language, checked (placeholders) once per process.

    Raises:
        FormatError: a translation lost or misspelt a placeholder.
    """
    return ArchiveTexts(**{lang: strings(lang) for lang in LANGUAGES})
