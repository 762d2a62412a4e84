"""The contribution form as it arrives: multipart, streamed, its CSRF token checked in the stream.

Litestar's CSRF middleware would read the whole form itself (spooling files to disk), so the
upload routes are excluded from it and check the same double-submit token here: the hidden
`_csrf_token` field must be the form's first part and match the `capsule_csrf` cookie, by
Litestar's own rule (a random value followed by its HMAC under the app's CSRF secret). Text
fields come next; files come last and are handed to the service one by one, still streaming.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from secrets import compare_digest
from typing import Any, Final

from litestar import Request
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, generate_csrf_hash
from litestar.utils.scope.state import ScopeState

from capsule.core import errors as e
from capsule.i18n import gettext
from capsule.persistence.services.uploads import LIMITS, ContributionFields
from capsule.web.multipart import FilePart, MultipartLimits, read_multipart
from capsule.web.pages import texts

# In the order of the form (the error summary follows it).
TEXT_FIELDS: Final = ("kind", "title", "body", "author_name", "author_role", "organization",
                      "language")


def _secret_of(token: str, secret: str) -> str | None:
    # As litestar.middleware.csrf.CSRFMiddleware._decode_csrf_token.
    if len(token) < CSRF_SECRET_LENGTH + 1:
        return None
    value, mac = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
    return value if compare_digest(mac, generate_csrf_hash(token=value, secret=secret)) else None


def check_csrf(request: Request[Any, Any, Any], token: str) -> None:
    """Raise 403 unless `token` is a valid CSRF token equal to the cookie's (double submit)."""
    config = request.app.csrf_config
    assert config is not None
    cookie = request.cookies.get(config.cookie_name, "")
    sent, kept = _secret_of(token, config.secret), _secret_of(cookie, config.secret)
    if sent is None or kept is None or not compare_digest(sent, kept):
        raise PermissionDeniedException("CSRF token verification failed")
    ScopeState.from_scope(request.scope).csrf_token = token  # the next page's forms reuse it


class _Tap:
    """The request as the reader sees it, keeping hold of its one body stream (to drain it)."""

    def __init__(self, request: Request[Any, Any, Any]) -> None:
        self.headers = request.headers
        self.source = request.stream()

    def stream(self) -> AsyncIterator[bytes]:
        return self.source


@dataclass
class PostedForm:
    """The text fields of a posted contribution form, and its files still to be read."""

    values: dict[str, str]
    keep: list[int] = field(default_factory=list)
    _parts: AsyncIterator[Any] | None = None
    _first_file: FilePart | None = None
    files_seen: int = 0
    refused: e.ValidationError | None = None
    _tap: _Tap | None = None

    async def files(self) -> AsyncIterator[FilePart]:
        """The files, in order, each streamed once (the service encrypts them as they come)."""
        if self._first_file is not None:
            first, self._first_file = self._first_file, None
            self.files_seen += 1
            yield first
        if self._parts is not None:
            async for part in self._parts:
                if part.is_file:
                    self.files_seen += 1
                    yield part

    async def drain(self) -> int:
        """Read what is left of the request (after a refusal), so the browser, which may still
        be uploading, gets the page rather than a reset connection; returns how many files
        the form carried, to ask for them again."""
        try:
            async for part in self.files():
                async for _ in part.chunks():
                    pass
        except (e.CapsuleError, RuntimeError):
            # A part refused half-way (too large, say) cannot be skipped by the reader: read
            # the rest of the same body stream raw, up to the app's body limit, and drop it.
            if self._tap is not None:
                try:
                    async for _ in self._tap.source:
                        pass
                except HTTPException:
                    pass  # over the app's body limit: stop reading
        return self.files_seen

    def fields(self) -> ContributionFields:
        v = self.values
        return ContributionFields(**{name: v.get(name, "") for name in TEXT_FIELDS})


async def read_form(request: Request[Any, Any, Any], limits: MultipartLimits) -> PostedForm:
    """Check the CSRF token (the first part), then read every text field up to the first file.
    A field the reader refuses (too long, say) is kept in `refused`, with what came before it.

    Raises:
        PermissionDeniedException: no or a wrong CSRF token (403).
        UnsupportedMediaError, FormatError: not a well-formed multipart form (see `read_multipart`).
    """
    tap = _Tap(request)
    parts = read_multipart(tap, limits).__aiter__()
    first = await anext(parts, None)
    if first is None or first.is_file or first.name != "_csrf_token":
        raise PermissionDeniedException("CSRF token verification failed")
    check_csrf(request, (await first.text()).strip())
    form = PostedForm(values={}, _parts=parts, _tap=tap)
    try:
        async for part in parts:
            if part.is_file:
                form._first_file = part
                break
            value = await part.text()
            if part.name == "keep":
                if value.isdigit():
                    form.keep.append(int(value))
            elif part.name not in form.values:
                form.values[part.name] = value
    except e.ValidationError as exc:  # TooLargeError too: a field or the body over its cap
        form.refused, form._parts = exc, None
    return form


def field_errors(exc: e.ValidationError) -> dict[str, str]:
    """The refusal of a contribution, as one translated message per field of the form."""
    filename = exc.params.get("filename")
    if isinstance(exc, e.TooLargeError) and filename:
        return {"attachments": gettext(
            "The file “%(name)s” is larger than %(limit)s MiB. Please choose a smaller one.",
            name=filename, limit=exc.params.get("limit_mb", "?"))}
    if isinstance(exc, e.TooLargeError):
        return {"attachments": gettext("The form with its files is larger than allowed. "
                                       "Please attach fewer or smaller files.")}
    if isinstance(exc, e.UnsupportedMediaError):
        return {"attachments": gettext(
            "The file “%(name)s” is not of an accepted type. "
            "Images (JPEG, PNG, WebP, GIF), PDF and plain text files are accepted.",
            name=filename or "?")}
    if exc.field == "attachments" and filename:
        return {"attachments": gettext("The file “%(name)s” is empty.", name=filename)}
    if exc.field == "attachments" or (exc.field not in TEXT_FIELDS and "max" in exc.params):
        return {"attachments": gettext("At most %(max)s files can be attached.",
                                       max=exc.params.get("max", 5))}
    # The service names every field at fault; the reader, one field over its byte cap.
    fallback = "too_long" if "max_bytes" in exc.params else "invalid"
    errors = exc.params.get("errors") or {exc.field or "title": fallback}
    out = {}
    for name, code in errors.items():
        if name not in TEXT_FIELDS:
            name, code = "title", "invalid"
        message = texts.FIELD_ERRORS.get(code, texts.FIELD_ERRORS["invalid"])
        out[name] = gettext(message, max=LIMITS.get(name, ""))
    # In the order of the form, so the summary reads top to bottom like the page.
    return {name: out[name] for name in TEXT_FIELDS if name in out}
