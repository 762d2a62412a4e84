"""Organizer pages: the dashboard, a capsule's settings while a draft, publishing."""

from __future__ import annotations

from typing import Any, Final

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from capsule.core.errors import ConflictError, TransitionError, ValidationError
from capsule.i18n import N_, gettext
from capsule.web.auth import requires_organizer
from capsule.web.deps import SettingsDep
from capsule.web.pages.capsule_form import ZONES, CapsuleForm
from capsule.web.pages.common import NO_STORE, ORGANIZER_ERRORS, form_data, page
from capsule.web.pages.services import CapsulesDep, ViewsDep

# Notices after a redirect (`?done=…`): fixed sentences, never text from the request.
DONE: Final = {
    "created": N_("The capsule was created as a draft. Check its settings, then publish it."),
    "saved": N_("The settings were saved."),
    "published": N_("The capsule is published: invitation links work from now on."),
}


class OrganizerPages(Controller):
    path = "/organize"
    guards = [requires_organizer]
    cache_control = NO_STORE
    exception_handlers = ORGANIZER_ERRORS
    include_in_schema = False

    @get("/")
    async def dashboard(self, capsules: CapsulesDep, views: ViewsDep,
                        request: Request[Any, Any, Any]) -> Template:
        listed = await capsules.list_all()
        counts = await views.counts([c.id for c in listed])
        return page("organizer/dashboard.html", capsules=listed, counts=counts,
                    organizer=request.state.organizer)

    @get("/new")
    async def new_form(self, settings: SettingsDep) -> Template:
        return _form_page(CapsuleForm.blank(settings.default_timezone), None)

    @post("/new", status_code=200)
    async def create(self, request: Request[Any, Any, Any],
                     capsules: CapsulesDep) -> Template | Redirect:
        form = CapsuleForm(await form_data(request, lists=("lock",)))
        spec = form.spec()
        if spec is not None:
            try:
                created = await capsules.create(spec, request.state.organizer.id)
            except (ValidationError, ConflictError) as exc:
                form.refused(exc)
            else:
                return _done(created.slug, "created")
        return _form_page(form, None, status_code=422)

    @get("/c/{slug:str}")
    async def overview(self, slug: FromPath[str], capsules: CapsulesDep, views: ViewsDep,
                       done: FromQuery[str | None] = None) -> Template:
        capsule = await capsules.get(slug)
        counts = (await views.counts([capsule.id]))[capsule.id]
        return page("organizer/capsule.html", capsule=capsule, counts=counts,
                    notice=DONE.get(done or ""))

    @get("/c/{slug:str}/edit")
    async def edit_form(self, slug: FromPath[str], capsules: CapsulesDep) -> Template:
        capsule = await capsules.get(slug)
        if capsule.state != "draft":
            raise TransitionError(f"cannot edit a {capsule.state} capsule", state=capsule.state)
        return _form_page(CapsuleForm.of(capsule), capsule)

    @post("/c/{slug:str}/edit", status_code=200)
    async def update(self, slug: FromPath[str], request: Request[Any, Any, Any],
                     capsules: CapsulesDep) -> Template | Redirect:
        current = await capsules.get(slug)
        form = CapsuleForm(await form_data(request, lists=("lock",)))
        spec = form.spec()
        if spec is not None:
            try:
                saved = await capsules.update(slug, spec)
            except (ValidationError, ConflictError) as exc:
                form.refused(exc)
            else:
                return _done(saved.slug, "saved")
        return _form_page(form, current, status_code=422)

    @get("/c/{slug:str}/publish")
    async def publish_confirm(self, slug: FromPath[str], capsules: CapsulesDep) -> Template:
        return page("organizer/publish.html", capsule=await capsules.get(slug), error=None)

    @post("/c/{slug:str}/publish", status_code=303)
    async def publish(self, slug: FromPath[str], capsules: CapsulesDep) -> Template | Redirect:
        try:
            await capsules.publish(slug)
        except ValidationError:  # the opening date passed while it was a draft
            message = gettext("The opening date has passed. "
                              "Change it in the settings, then publish.")
            return page("organizer/publish.html", status_code=422, capsule=await capsules.get(slug),
                        error=message)
        return _done(slug, "published")


def _done(slug: str, what: str) -> Redirect:
    return Redirect(path=f"/organize/c/{slug}", query_params={"done": what}, status_code=303)


def _form_page(form: CapsuleForm, capsule: Any | None, *, status_code: int = 200) -> Template:
    return page("organizer/capsule_form.html", status_code=status_code, form=form.values,
                errors=form.messages(), capsule=capsule, zones=ZONES)
