"""Organizer sign-in and sign-out."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from capsule.core.errors import AuthError, RateLimitError
from capsule.i18n import gettext
from capsule.persistence.services.users import UserService
from capsule.web.auth import PUBLIC, LoginLimiter, end_session, start_session
from capsule.web.deps import ClockDep, DbDep, SettingsDep
from capsule.web.pages.common import NO_STORE, form_data, page, safe_next


class AccountPages(Controller):
    opt = {PUBLIC: True}
    cache_control = NO_STORE
    include_in_schema = False

    @get("/login")
    async def login_form(self, next: FromQuery[str | None] = None) -> Template:  # noqa: A002
        return page("accounts/login.html", next=safe_next(next), email="", error=None)

    @post("/login", status_code=200)
    async def login(self, request: Request[Any, Any, Any], db: DbDep, clock: ClockDep,
                    settings: SettingsDep) -> Template | Redirect:
        fields = await form_data(request)
        target = safe_next(fields.get("next"))
        email = fields.get("email", "")[:254]
        limiter = LoginLimiter(request.app.stores.get("rate_limit"), settings.login_rate_per_minute)
        try:
            await limiter.check(request, int(clock.now().timestamp() // 60))
            password = fields.get("password", "")[:1024]
            organizer = await UserService(db, clock).authenticate(email, password)
        except RateLimitError:
            return page("accounts/login.html", status_code=429, headers={"Retry-After": "60"},
                        next=target, email=email,
                        error=gettext("Too many sign-in attempts from your address. "
                                      "Please wait a minute and try again."))
        except AuthError:
            return page("accounts/login.html", status_code=401, next=target, email=email,
                        error=gettext("The email or the password is not right. Please try again."))
        start_session(request, organizer)
        return Redirect(path=target, status_code=303)

    @post("/logout", status_code=303)
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        end_session(request)
        return Redirect(path="/", status_code=303)
