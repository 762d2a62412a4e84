"""What every page module shares: rendering, dates in a capsule's time zone, forms, refusals."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from litestar import Request
from litestar.datastructures import CacheControlHeader, State
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.response import Template

from capsule import i18n
from capsule.core import errors as e
from capsule.i18n import gettext
from capsule.persistence.services.capsules import CapsuleService
from capsule.persistence.services.contributions import ContributionService
from capsule.persistence.services.invitations import InvitationService
from capsule.persistence.services.moderation import ModerationService
from capsule.persistence.services.views import ViewService
from capsule.web.deps import runtime
from capsule.web.pages import texts

# Organizer pages, receipts and forms carrying tokens: never kept by a shared cache.
NO_STORE: Final = CacheControlHeader(private=True, no_store=True)


def when(moment: datetime | None, tz: str) -> str:
    """A date and time in `tz`, written as the page's language writes it ("5 наурыз 2036, 12:00")."""
    if moment is None:
        return ""
    locale = Locale.parse(i18n.current_language())
    local = moment.astimezone(ZoneInfo(tz))
    pattern = locale.datetime_formats["long"]  # "{1}, {0}": date, then time
    return pattern.replace("{1}", format_date(local.date(), "long", locale=locale)).replace(
        "{0}", format_time(local.timetz(), "short", tzinfo=ZoneInfo(tz), locale=locale))


def utc_when(moment: datetime | None) -> str:
    return when(moment, "UTC") if moment else ""


def iso(moment: datetime | None) -> str:
    """Machine-readable time for `<time datetime=…>`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def key_fingerprint(public_key: bytes) -> str:
    """SHA-256 of a capsule's public key, first 20 bytes in groups of 4 (as the seal fingerprint)."""
    digits = hashlib.sha256(public_key).hexdigest()[:40].upper()
    return " ".join(digits[i:i + 4] for i in range(0, 40, 4))


def localized(capsule: Any, name: str) -> tuple[str, str | None]:
    """A capsule's title or description in the visitor's language when translated; with the
    language of the text when it is a translation (for `lang=`), else None."""
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
    return gettext("%(size)s MB", size=format_decimal(size / (1024 * 1024), "#,##0.#", locale=locale))


HELPERS: Final = {
    "when": when, "file_size": file_size, "utc_when": utc_when, "iso": iso, "texts": texts, "localized": localized,
    "format_duration": i18n.format_duration, "key_fingerprint": key_fingerprint,
}


def page(template: str, *, status_code: int = 200, headers: dict[str, str] | None = None, **context: Any) -> Template:
    return Template(template_name=template, context={**HELPERS, **context}, status_code=status_code, headers=headers)


def refusal(status: int, message: str, *, code: str, **context: Any) -> Template:
    """An error page with a sentence written for this situation (errors.html)."""
    return page("errors.html", status_code=status, status=status, code=code, message=message, **context)


def closed_message(exc: e.CapsuleError, capsule: Any) -> str:
    """Why a capsule takes no contribution now, with the date in its time zone."""
    if isinstance(exc, e.DeadlineError):
        return gettext("Submissions to this capsule closed on %(date)s (%(zone)s).",
                       date=when(capsule.submissions_close_at, capsule.timezone), zone=capsule.timezone)
    state = str(exc.params.get("state", getattr(capsule, "state", "")))
    if state == "draft":
        return gettext("This capsule does not take contributions yet: the organizers have not opened it.")
    if state in ("sealed", "opened"):
        return gettext("This capsule was sealed on %(date)s (%(zone)s); it takes no more contributions.",
                       date=when(capsule.sealed_at, capsule.timezone), zone=capsule.timezone)
    return gettext("This capsule does not take contributions now.")


def invitation_message(exc: e.CapsuleError) -> str:
    reason = exc.params.get("reason", "unknown")
    if reason == "revoked":
        return gettext("This invitation link was revoked by the organizers. Please ask them for a new one.")
    if reason == "exhausted":
        return gettext("This invitation link has already been used as many times as it allows "
                       "(%(limit)s). Please ask the organizers for a new one.", limit=exc.params.get("limit", "?"))
    return gettext("This invitation link is not valid. Check that it was copied whole, or ask the organizers "
                   "for a new one.")


def new_submit_key() -> str:
    """The hidden key of one rendering of a form: posting it twice makes one contribution."""
    return secrets.token_urlsafe(24)


async def form_data(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The fields of a small urlencoded form (not multipart: those go through the streaming
    reader). Only the first value of each name is kept.

    Raises:
        UnsupportedMediaError: another encoding.
    """
    content_type, _ = request.content_type
    if content_type != RequestEncodingType.URL_ENCODED:
        raise e.UnsupportedMediaError(f"expected a form (application/x-www-form-urlencoded), got {content_type}")
    form = await request.form()
    return {key: str(form.get(key)) for key in form.keys()}  # noqa: SIM118 - a MultiDict


def safe_next(target: str | None) -> str:
    """Where to go after login: a path on this site only (no scheme, no other host)."""
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(c) < 32 for c in target)):
        return "/organize"
    return target


# Services by name, for every page handler (`capsules: CapsulesDep`, ...).
CapsulesDep = NamedDependency[CapsuleService]
ViewsDep = NamedDependency[ViewService]
InvitationsDep = NamedDependency[InvitationService]
ContributionsDep = NamedDependency[ContributionService]
ModerationDep = NamedDependency[ModerationService]


def _capsules(state: State) -> CapsuleService:
    r = runtime(state)
    return CapsuleService(r.db, r.clock, r.keys)


def _views(state: State) -> ViewService:
    r = runtime(state)
    return ViewService(r.db, r.clock, r.keys)


def _invitations(state: State) -> InvitationService:
    r = runtime(state)
    return InvitationService(r.db, r.clock, r.keys)


def _contributions(state: State) -> ContributionService:
    r = runtime(state)
    return ContributionService(r.db, r.clock, r.keys, max_upload_bytes=r.settings.max_upload_bytes)


def _moderation(state: State) -> ModerationService:
    r = runtime(state)
    return ModerationService(r.db, r.clock, r.keys, max_upload_bytes=r.settings.max_upload_bytes)


DEPENDENCIES: Final = {
    "capsules": Provide(_capsules, sync_to_thread=False),
    "views": Provide(_views, sync_to_thread=False),
    "invitations": Provide(_invitations, sync_to_thread=False),
    "contributions": Provide(_contributions, sync_to_thread=False),
    "moderation": Provide(_moderation, sync_to_thread=False),
}
