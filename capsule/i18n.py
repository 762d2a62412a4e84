"""Languages: Kazakh, Russian and English through gettext catalogs (Babel).

Shared by the outer layers (web, CLI, services writing archives); `capsule.core` never
translates: it receives translated text from its caller.

The catalogs are the `.po` files under `capsule/locales/`; they are compiled in memory at
start-up, so there is no build step and no `.mo` file to forget. The current language is a
context variable set per request (each ASGI request runs in its own task), so templates and
error messages in concurrent requests never mix languages.
"""

from __future__ import annotations

import contextvars
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo

from babel import Locale, negotiate_locale
from babel.dates import format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES: Final = ("kk", "ru", "en")
DEFAULT_LANGUAGE: Final = "kk"
LANGUAGE_NAMES: Final = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
LOCALES_DIR: Final = Path(__file__).resolve().parent / "locales"
COOKIE: Final = "capsule_lang"

_current: contextvars.ContextVar[str] = contextvars.ContextVar("capsule_language", default=DEFAULT_LANGUAGE)


@cache
def translations(language: str, domain: str = "messages") -> Translations:
    """The compiled catalog of `language` (empty, i.e. source text, when there is none).

    Domains keep separate catalogs for separate areas: `messages` for the web and CLI,
    `archive` for the texts written into archives.
    """
    po_path = LOCALES_DIR / language / "LC_MESSAGES" / f"{domain}.po"
    if not po_path.exists():
        return Translations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def current_language() -> str:
    return _current.get()


def set_language(language: str) -> contextvars.Token[str]:
    return _current.set(language if language in LANGUAGES else DEFAULT_LANGUAGE)


def reset_language(token: contextvars.Token[str]) -> None:
    _current.reset(token)


@contextmanager
def language(language: str) -> Iterator[None]:
    """Use `language` inside the block (CLI output, archives' README, tests)."""
    token = set_language(language)
    try:
        yield
    finally:
        reset_language(token)


def gettext(message: str, **params: object) -> str:
    text = translations(current_language()).gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: object) -> str:
    text = translations(current_language()).ngettext(singular, plural, n)
    return text % {"num": n, **params}


def lookup(message: str) -> str:
    """The translation of `message`, unformatted (Jinja's new-style gettext formats itself)."""
    return translations(current_language()).gettext(message)


def lookup_plural(singular: str, plural: str, n: int) -> str:
    """The plural form for `n`, unformatted: Jinja fills `num` and any other values itself."""
    return translations(current_language()).ngettext(singular, plural, n)


_ = gettext


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark a string for extraction without translating it yet (tables of messages)."""
    return message


def negotiate(accept_language: str | None, cookie: str | None = None, query: str | None = None) -> str:
    """The language of a request: `?lang=`, then the remembered cookie, then Accept-Language."""
    for explicit in (query, cookie):
        if explicit in LANGUAGES:
            return explicit
    if accept_language:
        preferred = []
        for part in accept_language.split(","):
            tag, _, quality = part.strip().partition(";q=")
            try:
                weight = float(quality) if quality else 1.0
            except ValueError:
                continue
            if tag:
                preferred.append((weight, tag.strip().replace("-", "_")))
        ordered = [tag for _, tag in sorted(preferred, key=lambda item: -item[0])]
        found = negotiate_locale(ordered, list(LANGUAGES), sep="_")
        if found:
            return found
    return DEFAULT_LANGUAGE


def format_when(when: datetime, tz: str, *, lang: str | None = None, form: str = "long") -> str:
    """A date and time in `tz`, written as the language writes it ("5 наурыз 2036 ж., 12:00")."""
    locale = Locale.parse(lang or current_language())
    return format_datetime(when.astimezone(ZoneInfo(tz)), format=form, tzinfo=ZoneInfo(tz), locale=locale)


# Calendar-average units: a countdown of ten years must not drift by the leap days.
_YEAR: Final = 365.2425 * 86400
_UNITS: Final = (("year", _YEAR), ("month", _YEAR / 12), ("day", 86400.0), ("hour", 3600.0), ("minute", 60.0))


def _unit(name: str, n: int) -> str:
    # Spelled out for the extractor; Babel's CLDR data has no long month or day forms in Kazakh.
    if name == "year":
        return ngettext("%(num)d year", "%(num)d years", n)
    if name == "month":
        return ngettext("%(num)d month", "%(num)d months", n)
    if name == "day":
        return ngettext("%(num)d day", "%(num)d days", n)
    if name == "hour":
        return ngettext("%(num)d hour", "%(num)d hours", n)
    return ngettext("%(num)d minute", "%(num)d minutes", n)


def format_duration(seconds: float, *, lang: str | None = None) -> str:
    """A span as people say it, in its two largest units: "9 years, 3 months", "2 days, 4 hours"."""
    with language(lang or current_language()):
        left, parts = max(0.0, seconds), []
        for name, size in _UNITS:
            count = int(left // size)
            left -= count * size
            if count or parts:
                parts.append((name, count))
            if len(parts) == 2:
                break
        shown = [_unit(name, count) for name, count in parts if count]
        return ", ".join(shown) if shown else gettext("less than a minute")
