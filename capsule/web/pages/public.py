"""What anyone sees: the list of capsules and one capsule's page."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromPath
from litestar.response import Template

from capsule.core.lifecycle import State
from capsule.web.auth import PUBLIC
from capsule.web.deps import ClockDep
from capsule.web.pages.common import page
from capsule.web.pages.services import CapsulesDep, ViewsDep


class PublicPages(Controller):
    opt = {PUBLIC: True}
    include_in_schema = False

    @get("/")
    async def home(self, capsules: CapsulesDep, views: ViewsDep, clock: ClockDep) -> Template:
        listed = await capsules.list_public()
        counts = await views.counts([c.id for c in listed])
        groups = {state: [c for c in listed if c.state == state] for state in State}
        return page("public/home.html", groups=groups, counts=counts, now=clock.now())

    @get("/c/{slug:str}")
    async def capsule(self, slug: FromPath[str], views: ViewsDep, clock: ClockDep) -> Template:
        shown = await views.capsule_page(slug)
        return page("public/capsule.html", capsule=shown.capsule, counts=shown.counts,
                    log=shown.log, now=clock.now())
