"""Who is asking: organizer sessions (pages), bearer tokens (API), the guard, login limits.

Sessions are server-side (Redis when CAPSULE_REDIS_URL is set, else in memory) and get a new
id at login and logout, so a session id planted before login is worthless afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.base import Store
from litestar.types import Message, ScopeSession

from capsule.config import Settings
from capsule.core.errors import AuthError, RateLimitError
from capsule.persistence.services.users import Organizer, UserService

SESSION_COOKIE: Final = "capsule_session"
SESSION_MAX_AGE: Final = 12 * 3600
_ROTATE: Final = "capsule_rotate_session"
_NEW_ID: Final = "capsule_new_session_id"
PUBLIC: Final = "public"  # route opt: reachable anonymously (checked by the route-table test)


class _RotatingBackend(ServerSideSessionBackend):
    """Litestar's server-side sessions, plus a fresh id when the request asked for one."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        state = connection.scope.setdefault("state", {})  # type: ignore[typeddict-item]
        if state.get(_ROTATE):
            if not state.get(_NEW_ID):
                state[_NEW_ID] = self.generate_session_id()
            return str(state[_NEW_ID])
        return super().get_session_id(connection)

    async def store_in_message(self, scope_session: ScopeSession, message: Message,
                               connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        state = connection.scope.get("state", {})
        old = connection.cookies.get(self.config.key)
        if state.get(_ROTATE) and old and old != "null":
            await self.delete(old, store=self.config.get_store_from_app(connection.scope["app"]))
        await super().store_in_message(scope_session, message, connection)


class SessionConfig(ServerSideSessionConfig):
    _backend_class = _RotatingBackend  # type: ignore[assignment]


def session_config(settings: Settings) -> SessionConfig:
    return SessionConfig(
        key=SESSION_COOKIE, max_age=SESSION_MAX_AGE, httponly=True, samesite="lax",
        secure=settings.secure_cookies, store="sessions",
        # The API authenticates with bearer tokens only, never with the session cookie.
        exclude=["^/api/"],
    )


def start_session(request: Request[Any, Any, Any], organizer: Organizer) -> None:
    """Log in: a new session id, holding only the organizer's id."""
    request.scope.setdefault("state", {})[_ROTATE] = True  # type: ignore[typeddict-item]
    request.set_session({"organizer": str(organizer.id)})


def end_session(request: Request[Any, Any, Any]) -> None:
    request.scope.setdefault("state", {})[_ROTATE] = True  # type: ignore[typeddict-item]
    request.clear_session()


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any], users: UserService) -> Organizer | None:
    """The organizer behind a request: a bearer token (API) or a session (pages).

    Raises:
        AuthError: a bearer token was given and is not valid.
    """
    header = connection.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("expected 'Authorization: Bearer <token>'")
        return await users.by_token(token.strip())
    if "session" not in connection.scope or not connection.session:
        return None
    from uuid import UUID

    try:
        return await users.get(UUID(str(connection.session.get("organizer", ""))))
    except ValueError:
        return None


async def requires_organizer(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard of every organizer route; the organizer is then `connection.state.organizer`.

    Raises:
        AuthError: nobody is signed in (pages redirect to the login page, the API says 401).
    """
    runtime = connection.app.state.runtime
    organizer = await authenticate(connection, UserService(runtime.db, runtime.clock))
    if organizer is None:
        raise AuthError("sign in as an organizer first")
    connection.state.organizer = organizer


@dataclass(frozen=True)
class LoginLimiter:
    """At most `per_minute` login attempts per client address and minute (then 429). Other
    guessable things (custodian shares) use it with their own `prefix` and wording."""

    store: Store
    per_minute: int
    prefix: str = "login"
    attempts: str = "login attempts"

    async def check(self, request: Request[Any, Any, Any], now_minute: int) -> None:
        client = request.client.host if request.client else "unknown"
        key = f"{self.prefix}:{client}:{now_minute}"
        count = int((await self.store.get(key)) or 0) + 1
        await self.store.set(key, str(count).encode(), expires_in=120)
        if count > self.per_minute:
            raise RateLimitError(f"too many {self.attempts} from {client}; wait a minute", retry_after=60)
