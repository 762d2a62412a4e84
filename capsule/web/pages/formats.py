"""How pages write values: dates in a capsule's time zone, sizes, fingerprints, translations.

All in the language of the request (`capsule.i18n.current_language()`); templates get these
functions through `common.page`.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal

from capsule import i18n
from capsule.i18n import gettext
from capsule.web.errors import message_for
from capsule.web.pages import texts


def when(moment: datetime | None, tz: str) -> str:
    """A date and time in `tz` as the page's language writes it ("2036 ж. 5 наурыз, 12:00")."""
    if moment is None:
        return ""
    locale = Locale.parse(i18n.current_language())
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone)
    date = format_date(local.date(), "long", locale=locale)
    time = format_time(local.timetz(), "short", tzinfo=zone, locale=locale)
    # The language's own order and joiner, e.g. "{1}, {0}": the date, then the time.
    return str(locale.datetime_formats["long"]).replace("{1}", date).replace("{0}", time)


def utc_when(moment: datetime | None) -> str:
    return when(moment, "UTC") if moment else ""


def iso(moment: datetime | None) -> str:
    """Machine-readable time for `<time datetime=…>`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def key_fingerprint(public_key: bytes) -> str:
    """SHA-256 of a capsule's public key: the first 20 bytes in groups of 4 hex digits, written
    like the seal certificate's fingerprint."""
    digits = hashlib.sha256(public_key).hexdigest()[:40].upper()
    return " ".join(digits[i:i + 4] for i in range(0, 40, 4))


def localized(capsule: Any, name: str) -> tuple[str, str | None]:
    """A capsule's title or description in the visitor's language when translated, with that
    language (for a `lang=` attribute); else the text as written and None (language unknown)."""
    language = i18n.current_language()
    translated = (capsule.translations or {}).get(language, {}).get(name)
    if translated:
        return translated, language
    return getattr(capsule, name), None


def file_size(size: int) -> str:
    """A file size in the page's language ("1,5 MB")."""
    locale = Locale.parse(i18n.current_language())
    if size < 1024:
        return i18n.ngettext("%(num)d byte", "%(num)d bytes", size)
    if size < 1024 * 1024:
        return gettext("%(size)s KB", size=format_decimal(size / 1024, "#,##0.#", locale=locale))
    megabytes = format_decimal(size / (1024 * 1024), "#,##0.#", locale=locale)
    return gettext("%(size)s MB", size=megabytes)


HELPERS: Final = {
    "when": when, "utc_when": utc_when, "iso": iso, "file_size": file_size, "texts": texts,
    "localized": localized, "key_fingerprint": key_fingerprint,
    "format_duration": i18n.format_duration, "error_message": message_for,
}
