"""Pages of opened content: it never changes again, so caches may keep it for a year.

As the API's answers (`capsule.web.api.caching`: strong ETag, `public, max-age=31536000,
immutable`, 304 for a matching If-None-Match), with a page's own twist: its bytes depend on
the visitor's language (the `capsule_lang` cookie, Accept-Language), so it varies on both,
and its ETag is the SHA-256 of what was rendered.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

from litestar import Request
from litestar.response import Template
from litestar.response.base import ASGIResponse

from capsule.web.api.caching import cache_headers, etag_matches, strong_etag
from capsule.web.pages.formats import HELPERS

PAGE_VARY: Final = "Accept-Language, Cookie"
# Route opt of these pages: no CSRF cookie is handed out, so no Set-Cookie rides on a response
# that a shared cache may keep (none of them has a form that posts).
NO_CSRF: Final = {"exclude_from_csrf": True}


class ImmutablePage(Template):
    """A page rendered like any other, then tagged by the SHA-256 of its bytes."""

    def to_asgi_response(self, app: Any, request: Request[Any, Any, Any],
                         **kwargs: Any) -> ASGIResponse:
        response = super().to_asgi_response(app, request, **kwargs)
        if response.status_code != 200:
            return response
        etag = strong_etag(hashlib.sha256(response.body).hexdigest())
        headers = {**cache_headers(etag), "Vary": PAGE_VARY}
        if etag_matches(request, headers["ETag"]):
            return ASGIResponse(status_code=304, headers=headers)
        for name, value in headers.items():
            response.headers[name] = value
        return response


def immutable_page(template: str, **context: Any) -> ImmutablePage:
    return ImmutablePage(template_name=template, context={**HELPERS, **context})
