"""The one place that knows HTTP statuses: core errors and framework errors to responses.

The API answers `{"code": ..., "detail": ...}` with a stable code; pages render
`errors.html` with the message for the code, translated into the visitor's language.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Final

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from capsule.core import errors as e
from capsule.i18n import N_, gettext

log = logging.getLogger("capsule.web")

# Order matters: the first class that matches wins, so subclasses come before their bases.
STATUS: Final[list[tuple[type[e.CapsuleError], int]]] = [
    (e.NotFoundError, 404),
    (e.LockedError, 423),
    (e.TransitionError, 409),
    (e.ConflictError, 409),
    (e.TooLargeError, 413),
    (e.UnsupportedMediaError, 415),
    (e.ValidationError, 422),
    (e.TamperError, 422),
    (e.FormatError, 400),
    (e.AuthError, 401),
    (e.ForbiddenError, 403),
    (e.RateLimitError, 429),
    (e.ConfigError, 500),
]

# Framework errors (routing, body parsing, middleware) get codes too.
HTTP_CODES: Final = {
    400: "request.invalid", 401: "auth.required", 403: "auth.forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "input.too_large",
    415: "input.unsupported_media", 422: "input.invalid", 429: "rate_limited", 500: "internal",
}

# What a person reads on a page, per code; `%(name)s` takes the error's params.
MESSAGES: Final = {
    "error": N_("This could not be done."),
    "not_found": N_("This page does not exist."),
    "config.invalid": N_("The service is not set up correctly. Please tell the people who run it."),
    "keys.invalid": N_("The service's keys are missing or cannot be read. Please tell the people who run it."),
    "capsule.locked": N_("This capsule is sealed until %(opens_at)s. Nobody can read it before then."),
    "drand.unavailable": N_("The drand beacon this capsule waits for could not be fetched just now. "
                            "Try again in a minute, or paste the beacon's signature by hand."),
    "capsule.bad_state": N_("This capsule is not in a state that allows this."),
    "capsule.submissions_closed": N_("Submissions to this capsule closed at %(closed_at)s."),
    "conflict": N_("This was changed in the meantime. Reload the page and try again."),
    "seal.pending": N_("Not sealed: %(count)s contributions are still waiting for review. "
                       "Review them first, or seal without them."),
    "input.too_large": N_("This is larger than allowed."),
    "input.unsupported_media": N_("This type of file is not accepted."),
    "input.invalid": N_("Some of what was entered cannot be accepted."),
    "request.invalid": N_("The request could not be understood."),
    "format.malformed": N_("The request could not be understood."),
    "integrity.failed": N_("A check of integrity failed."),
    "crypto.decrypt_failed": N_("Decryption failed: the key is not the right one, or the encrypted data was changed."),
    "signature.invalid": N_("The signature does not match. "
                            "Check that it is the right one and that it was copied whole."),
    "share.invalid": N_("This key share cannot be used."),
    "share.checksum": N_("These words are not a valid key share: a word is mistyped, missing, extra or out of place. "
                         "Compare them with your card, one by one."),
    "share.word": N_("Word %(word)s is not a word that key shares use. Check its spelling on your card."),
    "share.foreign": N_("This key share belongs to another capsule. Check the capsule's title on your card."),
    "share.duplicate": N_("This custodian's share has already been entered. The next custodian should enter theirs."),
    "share.too_few": N_("Not enough key shares yet: %(given)s entered, %(needed)s needed."),
    "auth.required": N_("Please sign in first."),
    "auth.forbidden": N_("You are not allowed to do this."),
    "invitation.invalid": N_("This invitation link is not valid: it may be mistyped, revoked or used up."),
    "rate_limited": N_("Too many attempts. Please wait a minute and try again."),
    "method_not_allowed": N_("This page does not accept that kind of request."),
    "internal": N_("Something went wrong on our side. Nothing you sent was lost; please try again."),
}


class ErrorOut(msgspec.Struct, frozen=True):
    code: str
    detail: str
    # Extra facts a client can act on, e.g. {"opens_at": "2036-03-05T07:00:00Z"} or a field name.
    params: dict[str, Any] = {}


def status_of(exc: e.CapsuleError) -> int:
    return next((status for cls, status in STATUS if isinstance(exc, cls)), 400)


def wants_json(request: Request[Any, Any, Any]) -> bool:
    if request.url.path.startswith(("/api/", "/.well-known/", "/healthz")):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def message_for(code: str, params: dict[str, Any] | None = None) -> str:
    """The translated sentence for an error code, with its params filled in."""
    template = MESSAGES.get(code, MESSAGES["input.invalid"])
    try:
        return gettext(template, **(params or {}))
    except (KeyError, TypeError, ValueError):
        # A message expecting a param the error did not carry: say the generic thing instead.
        generic = MESSAGES["input.invalid"]
        return gettext(generic)


def _respond(request: Request[Any, Any, Any], status: int, code: str, detail: str, params: dict[str, Any]) -> Response[Any]:
    if wants_json(request):
        body = ErrorOut(code=code, detail=detail, params=_jsonable(params))
        return Response(body, status_code=status, media_type=MediaType.JSON)
    return Template(
        template_name="errors.html",
        context={"status": status, "code": code, "message": message_for(code, params)},
        status_code=status,
    )


def capsule_error(request: Request[Any, Any, Any], exc: e.CapsuleError) -> Response[Any]:
    if isinstance(exc, e.AuthError) and not wants_json(request) and request.method == "GET":
        # A page behind the login: go there, and come back afterwards.
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(path="/login", query_params={"next": target}, status_code=303)
    status = status_of(exc)
    if status >= 500:
        log.error("request failed", extra={"code": exc.code, "path": request.url.path})
    params = dict(exc.params)
    if isinstance(exc, e.ValidationError) and exc.field:
        params.setdefault("field", exc.field)
        # As for Litestar's own validation errors: every field at fault, in `fields`.
        errors = params.get("errors")
        params.setdefault("fields", list(errors) if isinstance(errors, dict) else [exc.field])
    return _respond(request, status, exc.code, str(exc), params)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    params: dict[str, Any] = {}
    detail = str(exc.detail) if status < 500 else "internal error"
    if isinstance(exc, ValidationException):
        # Bad JSON is 400; well-formed input that breaks a rule (length, type, missing) is 422.
        status = 400 if "malformed" in str(exc.detail).lower() else 422
        errors = _field_errors(exc.extra)
        if missing := _MISSING_PARAMETER.match(str(exc.detail)):
            errors.setdefault(missing.group(1), "required")
        if "data" in errors:  # the body as a whole: empty, or not a JSON object at all
            reason = "it is empty" if errors["data"] == "'data'" else errors["data"]
            status, detail = 400, f"the request body must be a JSON object ({reason})"
        elif errors:
            params["fields"] = list(errors)
            params["errors"] = errors
            detail = "; ".join(f"{name}: {message}" for name, message in errors.items())
    code = HTTP_CODES.get(status, "request.invalid")
    if status >= 500:
        log.error("request failed", extra={"status": status, "path": request.url.path})
    headers = getattr(exc, "headers", None) or {}
    response = _respond(request, status, code, detail, params)
    response.headers.update(headers)
    return response


_MISSING_PARAMETER = re.compile(r"^Missing required \w+ parameter '([^']+)'")
_NAMED = re.compile(r"^Object (missing required|contains unknown) field `([^`]+)`")


def _field_errors(extra: Any) -> dict[str, str]:
    """{field: message} from Litestar's validation details; a missing or unknown field is named
    by itself (Litestar files it under the body, `data`), and nested keys keep their path."""
    errors: dict[str, str] = {}
    for item in extra if isinstance(extra, list) else []:
        if not isinstance(item, dict) or not item.get("key"):
            continue
        key, message = str(item["key"]), str(item.get("message", "invalid"))
        named = _NAMED.match(message)
        if named:
            field = named.group(2)
            key = field if key == "data" else f"{key}.{field}"
            message = "required" if named.group(1) == "missing required" else "unknown field"
        errors.setdefault(key, message)
    return errors


def bad_encoding(request: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[Any]:
    # msgspec raises this for bad UTF-8 inside a JSON string: the client's fault, not ours.
    return _respond(request, 400, "request.invalid", "the request body is not valid UTF-8", {})


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # The traceback goes to the log; the message does not (it could echo request data).
    log.exception("unhandled error", extra={"path": request.url.path, "error": type(exc).__name__})
    return _respond(request, HTTP_500_INTERNAL_SERVER_ERROR, "internal", "internal error", {})


def _jsonable(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v if isinstance(v, str | int | bool | list | dict | type(None)) else str(v) for k, v in params.items()}


HANDLERS: Final = {e.CapsuleError: capsule_error, HTTPException: http_error, UnicodeDecodeError: bad_encoding,
                   Exception: unexpected_error}
