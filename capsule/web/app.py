"""The application factory: `create_app(settings, clock)` builds one Litestar app.

`capsule serve` runs it through uvicorn (`capsule.web.app:create_app`, factory mode); tests
build it with a ManualClock and a scratch database.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.config.response_cache import ResponseCacheConfig
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.template import TemplateConfig

from capsule import __version__
from capsule.config import Settings
from capsule.core import labels
from capsule.core.clock import Clock, SystemClock
from capsule.core.keys import hkdf32
from capsule.core.service_keys import ServiceKeys, load_service_keys
from capsule.persistence import migrate
from capsule.persistence.database import Database
from capsule import i18n
from capsule.web.api import ROUTERS as API_ROUTERS
from capsule.web.auth import session_config
from capsule.web.deps import DEPENDENCIES, Runtime
from capsule.web.errors import HANDLERS
from capsule.web.health import ServiceController
from capsule.web.logs import AccessLog, configure_logging
from capsule.web.middleware import LanguageMiddleware
from capsule.web.pages import ROUTERS as PAGE_ROUTERS

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
STATIC = Path(__file__).resolve().parent / "static"


def create_app(
    settings: Settings | None = None,
    clock: Clock | None = None,
    *,
    keys: ServiceKeys | None = None,
    database: Database | None = None,
    check_schema: bool = True,
) -> Litestar:
    """Build the app. With no arguments (uvicorn's factory call) everything comes from the
    environment; a missing key or a malformed setting stops start-up with a ConfigError.
    """
    settings = settings or Settings.from_env()
    clock = clock or SystemClock()
    keys = keys or load_service_keys(settings.keys_path, settings.master_key_bytes())
    db = database or Database(settings.database_url)
    runtime = Runtime(settings=settings, clock=clock, keys=keys, db=db)
    if database is None:  # a real run, not a test: logs as JSON lines on stderr
        configure_logging(settings)

    async def on_startup() -> None:
        if check_schema:
            await migrate.check_current(db)

    async def on_shutdown() -> None:
        if database is None:  # a database handed in belongs to the caller
            await db.dispose()

    app = Litestar(
        route_handlers=[ServiceController, static_files_router(), *API_ROUTERS, *PAGE_ROUTERS],
        dependencies=DEPENDENCIES,
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(jinja_environment())),
        openapi_config=OpenAPIConfig(
            title="Capsule API", version=__version__, path="/schema", render_plugins=[SwaggerRenderPlugin()],
            use_handler_docstrings=True,  # each call's docstring is its description
        ),
        response_cache_config=ResponseCacheConfig(default_expiration=None),
        stores=_stores(settings),
        middleware=[session_config(settings).middleware],
        csrf_config=CSRFConfig(
            secret=hkdf32(keys.master, labels.CSRF).hex(), cookie_name="capsule_csrf",
            cookie_secure=settings.secure_cookies, cookie_samesite="lax",
            # The API takes bearer tokens and X-Invitation headers, never cookies: no CSRF there.
            exclude=["^/api/"],
        ),
        state=State({"runtime": runtime}),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        # Bodies are small JSON or forms; attachments are streamed and limited on their own.
        request_max_body_size=settings.max_upload_bytes * 6,
        debug=False,
        # Logging is ours (capsule.web.logs: JSON lines, no query strings); Litestar's default
        # config would replace it.
        logging_config=None,
    )
    # Litestar applies `middleware=` around matched routes only; wrapping its app-level handler
    # makes the language, the security headers and the access log cover every response,
    # including the router's own 404 and 405.
    app.asgi_handler = AccessLog(LanguageMiddleware(app.asgi_handler))
    return app


def _stores(settings: Settings) -> dict[str, Store]:
    """Sessions, rate-limit counters and the progress of running seals: in Redis when configured
    (shared by every worker and host), else in this process's memory."""
    if settings.redis_url:
        root = RedisStore.with_client(url=settings.redis_url, namespace="capsule")
        return {"sessions": root.with_namespace("sessions"), "rate_limit": root.with_namespace("rate"),
                "progress": root.with_namespace("progress")}
    return {"sessions": MemoryStore(), "rate_limit": MemoryStore(), "progress": MemoryStore()}


def static_files_router() -> Any:
    return create_static_files_router(path="/static", directories=[STATIC], name="static", include_in_schema=False)


def jinja_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.lookup, i18n.lookup_plural, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        languages=i18n.LANGUAGES,
        language_names=i18n.LANGUAGE_NAMES,
        current_language=i18n.current_language,
        format_when=i18n.format_when,
    )
    return env


