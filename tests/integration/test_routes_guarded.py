"""Every route of the live app is either for organizers or deliberately public.

The test walks the app's whole route table, pages included (also those added later), so a new
route cannot slip in unguarded: it needs `requires_organizer` among its guards (its own or its
controller's or router's), or `opt={PUBLIC: True}` (capsule.web.auth.PUBLIC). A public route
that changes data also needs a reason below. Then every organizer route is requested
anonymously and must refuse: 401 for the API, a redirect to /login for pages.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.middleware.csrf import generate_csrf_token
from litestar.routes import HTTPRoute

from capsule.web.auth import PUBLIC, requires_organizer

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Served by Litestar itself: the static files and the OpenAPI document (both public by nature).
FRAMEWORK = re.compile(r"^/(static|schema)(/|$)")
# Why anyone may call these routes that change data: each is authorized by something other
# than an organizer login. A new public write needs a line here.
PUBLIC_WRITES: list[tuple[str, str]] = [
    (r"^/login$", "the login form checks the credentials itself (rate-limited)"),
    (r"^/logout$", "ends the caller's own session, nothing else"),
    (r"^/api/v1/capsules/\{slug\}/contributions$", "submitting: authorized by the invitation token (X-Invitation)"),
    (r"^/c/\{slug\}/contribute(/.*)?$", "the contribution form: authorized by the invitation token of the link"),
    (r"^/api/v1/receipts/\{receipt_id\}$", "edit or withdraw: authorized by the receipt token"),
    (r"^/receipts/\{receipt_id\}(/.*)?$", "the receipt page's edit and withdraw: authorized by the receipt token"),
    (r"^/api/v1/capsules/\{slug\}/shares$", "a custodian share is its own credential (only after the date; "
                                              "rate-limited per address)"),
    (r"^/c/\{slug\}/open/custodians$", "the custodians' page: each share is its own credential, as in the API"),
]
DUMMY = {"str": "almaty-2026", "uuid": "00000000-0000-4000-8000-000000000000", "int": "0", "path": "x"}


def _plain(path: str) -> str:
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def _concrete(path: str) -> str:
    return re.sub(r"\{\w+:(\w+)\}", lambda m: DUMMY.get(m.group(1), "x"), path)


def _guards(handler: HTTPRouteHandler) -> list[Any]:
    return [guard for layer in handler.ownership_layers for guard in (getattr(layer, "guards", None) or [])]


def routes(app: Litestar) -> list[tuple[str, str, HTTPRouteHandler]]:
    """(method, path, handler) of every HTTP route, HEAD and OPTIONS aside."""
    found = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or FRAMEWORK.match(route.path):
            continue
        for method, (handler, _) in route.route_handler_map.items():
            if method not in ("HEAD", "OPTIONS"):
                found.append((method, route.path, handler))
    return found


def test_every_route_is_for_organizers_or_deliberately_public(app: Litestar) -> None:
    problems = []
    for method, path, handler in routes(app):
        guarded = requires_organizer in _guards(handler)
        public = handler.opt.get(PUBLIC) is True
        where = f"{method} {path} ({handler.handler_name})"
        if guarded and public:
            problems.append(f"{where}: both guarded and PUBLIC")
        elif not guarded and not public:
            problems.append(f"{where}: neither requires_organizer nor opt={{PUBLIC: True}}")
        elif public and method in WRITES and not any(re.match(p, _plain(path)) for p, _ in PUBLIC_WRITES):
            problems.append(f"{where}: changes data anonymously; add the reason to PUBLIC_WRITES in {__file__}")
    assert not problems, "\n".join(problems)
    assert len(routes(app)) >= 17  # the table really was walked (the API alone has 17 calls)


def test_the_reasons_listed_are_for_routes_that_exist(app: Litestar) -> None:
    writes = [_plain(path) for method, path, handler in routes(app) if method in WRITES and handler.opt.get(PUBLIC)]
    for pattern, reason in PUBLIC_WRITES:
        if pattern.startswith("^/api/"):  # the pages may come and go; the API's own must exist
            assert any(re.match(pattern, path) for path in writes), reason


async def test_every_organizer_route_refuses_anonymous_requests(app: Litestar) -> None:
    # A valid CSRF pair, so page forms reach their guard instead of stopping at the CSRF check.
    csrf = generate_csrf_token(app.csrf_config.secret) if app.csrf_config else ""
    organizer_routes = [(m, p) for m, p, h in routes(app) if requires_organizer in _guards(h)]
    assert organizer_routes
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://capsule.test",
                                 cookies={"capsule_csrf": csrf}) as client:
        for method, path in organizer_routes:
            url = _concrete(path)
            response = await client.request(method, url, headers={"x-csrftoken": csrf},
                                            **({"json": {}} if method in WRITES else {}))
            if path.startswith("/api/"):
                assert response.status_code == 401, (method, url, response.status_code)
                assert response.json()["code"] == "auth.required"
            elif method == "GET":
                assert response.status_code in (302, 303), (method, url, response.status_code)
                assert response.headers["location"].startswith("/login"), (method, url)
            else:
                assert response.status_code in (401, 303), (method, url, response.status_code)
                if response.status_code == 303:
                    assert response.headers["location"].startswith("/login"), (method, url)


@pytest.mark.parametrize("header", ["Bearer cap_" + "0" * 43, "Bearer nonsense", "Token abc", "Bearer "])
async def test_a_bad_bearer_token_is_401_on_every_organizer_api_route(app: Litestar, header: str) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://capsule.test") as client:
        for method, path, handler in routes(app):
            if path.startswith("/api/") and requires_organizer in _guards(handler):
                response = await client.request(method, _concrete(path), headers={"Authorization": header})
                assert response.status_code == 401, (method, path)
