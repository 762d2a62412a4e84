"""ASGI middleware of every request: the visitor's language and the security headers."""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Final
from urllib.parse import parse_qs

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from capsule import i18n

# No inline scripts or styles from anywhere but us; pages work without JavaScript anyway.
SECURITY_HEADERS: Final = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",  # invitation tokens in URLs must not leak to other sites
    "x-frame-options": "DENY",
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
}
ONE_YEAR: Final = 365 * 24 * 3600


class LanguageMiddleware:
    """Picks the language (`?lang=`, the remembered cookie, Accept-Language) and remembers an
    explicit choice in a cookie."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
        query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [None])[0]
        cookies = SimpleCookie()
        try:
            cookies.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header must not break the page  # noqa: BLE001
            cookies = SimpleCookie()
        remembered = cookies[i18n.COOKIE].value if i18n.COOKIE in cookies else None
        language = i18n.negotiate(headers.get("accept-language"), remembered, query)
        token = i18n.set_language(language)
        scope.setdefault("state", {})["language"] = language

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableScopeHeaders.from_message(message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in out:
                        out[name] = value
                out.add("content-language", language)
                if query in i18n.LANGUAGES and query != remembered:
                    out.add("set-cookie", f"{i18n.COOKIE}={query}; Path=/; Max-Age={ONE_YEAR}; SameSite=Lax")
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            i18n.reset_language(token)
