"""What every page module shares: rendering, refusals in plain words, small forms, `next=`."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from litestar import Request, Response
from litestar.datastructures import CacheControlHeader
from litestar.enums import RequestEncodingType
from litestar.response import Template

from capsule.core import errors as e
from capsule.i18n import gettext
from capsule.web.errors import HANDLERS
from capsule.web.pages.formats import HELPERS, when

# Organizer pages, receipts and forms carrying tokens: never kept by a shared cache.
NO_STORE: Final = CacheControlHeader(private=True, no_store=True)


def page(template: str, *, status_code: int = 200, headers: dict[str, str] | None = None,
         **context: Any) -> Template:
    return Template(template_name=template, context={**HELPERS, **context}, status_code=status_code,
                    headers=headers)


def locked_page(capsule: Any, now: datetime, **context: Any) -> Template:
    """423: the capsule's contents are not readable yet (before the date, or while its locks
    still hold), with the date in the capsule's zone and in UTC. Never cached."""
    return page("public/locked.html", status_code=423, headers={"cache-control": "no-store"},
                capsule=capsule, now=now, **context)


def _no_store(handler: Callable[..., Response[Any]]) -> Callable[..., Response[Any]]:
    def answer(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        response = handler(request, exc)
        response.headers["cache-control"] = NO_STORE.to_header()
        return response

    return answer


# The app's error handlers, plus no-store: error pages of organizer routes (a 404, a 409, the
# way to the login page) are as private as the pages themselves. Set on each organizer
# controller, they apply to what its guard and handlers raise.
ORGANIZER_ERRORS: Final = {kind: _no_store(handler) for kind, handler in HANDLERS.items()}


def refusal(status: int, message: str, *, code: str, **context: Any) -> Template:
    """An error page with a sentence written for this situation (errors.html)."""
    return page("errors.html", status_code=status, status=status, code=code, message=message,
                **context)


def closed_message(exc: e.CapsuleError, capsule: Any) -> str:
    """Why a capsule takes no contribution now, with the date in its time zone."""
    zone = capsule.timezone
    if isinstance(exc, e.DeadlineError):
        return gettext("Submissions to this capsule closed on %(date)s (%(zone)s).",
                       date=when(capsule.submissions_close_at, zone), zone=zone)
    state = str(exc.params.get("state", getattr(capsule, "state", "")))
    if state == "draft":
        return gettext("This capsule does not take contributions yet: "
                       "the organizers have not opened it.")
    if state in ("sealed", "opened"):
        return gettext("This capsule was sealed on %(date)s (%(zone)s); "
                       "it takes no more contributions.",
                       date=when(capsule.sealed_at, zone), zone=zone)
    return gettext("This capsule does not take contributions now.")


def invitation_message(exc: e.CapsuleError) -> str:
    """Which of the ways an invitation link cannot be used (its `reason`), in plain words."""
    reason = exc.params.get("reason", "unknown")
    if reason == "revoked":
        return gettext("This invitation link was revoked by the organizers. "
                       "Please ask them for a new one.")
    if reason == "exhausted":
        return gettext("This invitation link has already been used as many times as it allows "
                       "(%(limit)s). Please ask the organizers for a new one.",
                       limit=exc.params.get("limit", "?"))
    return gettext("This invitation link is not valid. Check that it was copied whole, "
                   "or ask the organizers for a new one.")


def new_submit_key() -> str:
    """The hidden key of one rendering of a form: posting it twice makes one contribution."""
    return secrets.token_urlsafe(24)


async def form_data(request: Request[Any, Any, Any], *,
                    lists: tuple[str, ...] = ()) -> dict[str, str]:
    """The fields of a small urlencoded form (multipart forms go through the streaming reader
    instead). Only the first value of each name is kept, except for the names in `lists`
    (check boxes sharing a name), whose values are joined by spaces.

    Raises:
        UnsupportedMediaError: another encoding.
    """
    content_type, _ = request.content_type
    if content_type != RequestEncodingType.URL_ENCODED:
        raise e.UnsupportedMediaError(
            f"expected a form (application/x-www-form-urlencoded), got {content_type}")
    form = await request.form()
    values = {key: str(form.get(key)) for key in form.keys()}  # noqa: SIM118 - a MultiDict
    for name in lists:
        if name in values:
            values[name] = " ".join(str(value) for value in form.getall(name))
    return values


def safe_next(target: str | None) -> str:
    """Where to go after login: a path on this site only (no scheme, no other host)."""
    if (not target or not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(c) < 32 for c in target)):
        return "/organize"
    return target
