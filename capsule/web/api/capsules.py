"""`/api/v1/capsules`: list, create, show, edit while a draft, publish, and the public audit log."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter

from capsule.core.errors import NotFoundError, ValidationError
from capsule.core.lifecycle import State
from capsule.persistence import audit_log
from capsule.persistence import models as m
from capsule.persistence.services.capsules import CapsuleSpec
from capsule.persistence.services.views import Counts
from capsule.web.api.bodies import JSON_MAX
from capsule.web.api.docs import errors
from capsule.web.api.deps import (
    SERVICES,
    CapsuleServiceDep,
    OpeningServiceDep,
    ViewServiceDep,
    maybe_organizer,
    organizer_of,
)
from capsule.web.api.seal_info import seal_infos
from capsule.web.api.schemas import (
    AuditEventOut,
    AuditLogOut,
    CapsuleCreate,
    CapsuleEdit,
    CapsuleListOut,
    CapsuleOut,
    CountsOut,
)
from capsule.web.auth import PUBLIC, requires_organizer
from capsule.web.deps import ClockDep, DbDep, SettingsDep

LOG_PAGE = 1000


def spec_of(data: JSONBody[CapsuleCreate], default_timezone: str) -> CapsuleSpec:
    return CapsuleSpec(
        title=data.title, opening_at=data.opening_at, description=data.description, slug=data.slug,
        timezone=data.timezone or default_timezone, submissions_close_at=data.submissions_close_at,
        moderation=data.moderation, auto_open=data.auto_open, lock_policy=data.lock_policy,
        locks=tuple(msgspec.to_builtins(lock) for lock in data.locks),
        translations={lang: msgspec.to_builtins(text) for lang, text in data.translations.items()},
    )


def edited_spec(current: m.Capsule, data: JSONBody[CapsuleEdit]) -> CapsuleSpec:
    """The capsule's settings now, with what the request changes (left-out fields stay)."""
    spec = CapsuleSpec(
        title=current.title, opening_at=current.opening_at, description=current.description, slug=current.slug,
        timezone=current.timezone, submissions_close_at=current.submissions_close_at,
        moderation=current.moderation, auto_open=current.auto_open, lock_policy=current.lock_policy,
        locks=tuple(current.locks), translations=dict(current.translations or {}),
    )
    changes = {name: getattr(data, name) for name in data.__struct_fields__
               if getattr(data, name) is not msgspec.UNSET}
    if "locks" in changes:
        changes["locks"] = tuple(msgspec.to_builtins(lock) for lock in changes["locks"])
    if "translations" in changes:
        changes["translations"] = {lang: msgspec.to_builtins(t) for lang, t in changes["translations"].items()}
    return replace(spec, **changes)


def check_auto_open(spec: CapsuleSpec) -> CapsuleSpec:
    """Auto-open needs a lock the service alone can open at the date: the server lock, policy any.

    Raises:
        ValidationError: otherwise (it would silently never happen).
    """
    if spec.auto_open and not (spec.lock_policy == "any" and any(lock["type"] == "server" for lock in spec.locks)):
        raise ValidationError("auto_open needs the server lock with lock_policy any", field="auto_open")
    return spec


def warnings_of(capsule: m.Capsule) -> list[str]:
    """What an organizer should know about the settings they chose."""
    if capsule.locks and all(lock["type"] == "drand" for lock in capsule.locks):
        # tlock is pairing-based (not post-quantum), and the drand network must still exist at the date.
        return ["drand_only"]
    return []


def counts_out(counts: Counts) -> CountsOut:
    return CountsOut(total=counts.received, by_status=counts.by_status, by_kind=counts.by_kind)


async def visible(capsule: m.Capsule, request: Request[Any, Any, Any]) -> m.Capsule:
    """Drafts are the organizers' business: anyone else gets the same 404 as for no capsule."""
    if capsule.state == State.DRAFT and await maybe_organizer(request) is None:
        raise NotFoundError(f"no capsule {capsule.slug!r}", slug=capsule.slug)
    return capsule


class CapsuleApi(Controller):
    path = "/api/v1/capsules"
    tags = ["capsules"]
    dependencies = SERVICES

    @get("/", opt={PUBLIC: True}, responses=errors(401))
    async def list_capsules(self, request: Request[Any, Any, Any], capsule_service: CapsuleServiceDep,
                            settings: SettingsDep, view_service: ViewServiceDep, db: DbDep) -> CapsuleListOut:
        """Every published capsule, soonest opening first (with a bearer token: drafts too)."""
        organizer = await maybe_organizer(request)
        rows = await (capsule_service.list_all() if organizer else capsule_service.list_public())
        counts = await view_service.counts([row.id for row in rows])
        seals = await seal_infos(db, [row.id for row in rows if row.state in (State.SEALED, State.OPENED)])
        return CapsuleListOut(capsules=[CapsuleOut.of(row, settings.base_url, counts_out(counts[row.id]),
                                                      seals.get(row.id)) for row in rows])

    @post("/", guards=[requires_organizer], status_code=201, request_max_body_size=JSON_MAX,
          responses=errors(400, 401, 409, 413, 422))
    async def create_capsule(self, data: JSONBody[CapsuleCreate], request: Request[Any, Any, Any],
                             capsule_service: CapsuleServiceDep, settings: SettingsDep) -> CapsuleOut:
        """A new capsule in `draft`, with its key pair. Dates need an offset; `locks` default to the
        server lock; `lock_policy` `any` (one lock opens) or `all` (every lock is needed)."""
        spec = check_auto_open(spec_of(data, settings.default_timezone))
        capsule = await capsule_service.create(spec, organizer_of(request).id)
        out = CapsuleOut.of(capsule, settings.base_url, CountsOut(total=0, by_status={}, by_kind={}))
        out.warnings = warnings_of(capsule)
        return out

    @get("/{slug:str}", opt={PUBLIC: True}, responses=errors(401, 404))
    async def show_capsule(self, slug: FromPath[str], request: Request[Any, Any, Any],
                           capsule_service: CapsuleServiceDep, opening_service: OpeningServiceDep,
                           settings: SettingsDep, view_service: ViewServiceDep, db: DbDep,
                           clock: ClockDep) -> CapsuleOut:
        """One capsule's public fields and counts (a draft only with a bearer token); once sealed
        its fingerprint, content root, items per kind and the locks as the certificate states them.
        Each lock's `trust` and the capsule's say who could open it before the date."""
        capsule = await visible(await capsule_service.get(slug), request)
        if capsule.state == State.SEALED and capsule.auto_open and clock.now() >= capsule.opening_at:
            await opening_service.open_if_due(slug)  # auto-open on the first public read after the date
            capsule = await capsule_service.get(slug)
        counts = (await view_service.counts([capsule.id]))[capsule.id]
        seal = (await seal_infos(db, [capsule.id])).get(capsule.id)
        return CapsuleOut.of(capsule, settings.base_url, counts_out(counts), seal)

    @patch("/{slug:str}", guards=[requires_organizer], request_max_body_size=JSON_MAX,
           responses=errors(400, 401, 404, 409, 413, 422))
    async def edit_capsule(self, slug: FromPath[str], data: JSONBody[CapsuleEdit], capsule_service: CapsuleServiceDep,
                           settings: SettingsDep) -> CapsuleOut:
        """Change a draft's settings: the fields of the create call, each optional (409 once published)."""
        current = await capsule_service.get(slug)
        capsule = await capsule_service.update(slug, check_auto_open(edited_spec(current, data)))
        out = CapsuleOut.of(capsule, settings.base_url)
        out.warnings = warnings_of(capsule)
        return out

    @post("/{slug:str}/publish", guards=[requires_organizer], status_code=200,
          responses=errors(401, 404, 409, 422))
    async def publish_capsule(self, slug: FromPath[str], capsule_service: CapsuleServiceDep,
                              settings: SettingsDep) -> CapsuleOut:
        """draft → collecting: invitations start to work."""
        return CapsuleOut.of(await capsule_service.publish(slug), settings.base_url)

    @get("/{slug:str}/log", opt={PUBLIC: True}, responses=errors(401, 404, 422))
    async def capsule_log(
        self, slug: FromPath[str], request: Request[Any, Any, Any], db: DbDep,
        after: Annotated[int, QueryParameter(ge=0, description="return events after this seq")] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=LOG_PAGE)] = LOG_PAGE,
    ) -> AuditLogOut:
        """The public audit log: each event's canonical bytes (`event`) and chain hash, so anyone
        can recompute hash_n = SHA-256(hash_{n-1} ‖ event_n) from 32 zero bytes."""
        page = await audit_log.page(db, slug, after=after, limit=limit)
        await visible(page.capsule, request)
        events = [AuditEventOut.of(row) for row in page.events]
        more = bool(events) and events[-1].seq < page.head.size
        return AuditLogOut(capsule=slug, size=page.head.size, head=page.head.head, events=events,
                           next_after=events[-1].seq if more else None)
