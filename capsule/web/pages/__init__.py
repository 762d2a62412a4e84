"""The HTML pages (server-rendered, work without JavaScript): one module per area."""

from __future__ import annotations

from typing import Any

from litestar import Router

from capsule.web.pages.accounts import AccountPages
from capsule.web.pages.ceremony import CeremonyPages
from capsule.web.pages.custodians import CustodianPages
from capsule.web.pages.items import ItemPages
from capsule.web.pages.opening import OpeningPages
from capsule.web.pages.services import DEPENDENCIES
from capsule.web.pages.contribute import ContributePages
from capsule.web.pages.invitations import InvitationPages
from capsule.web.pages.moderation import ModerationPages
from capsule.web.pages.organizer import OrganizerPages
from capsule.web.pages.public import PublicPages
from capsule.web.pages.receipts import ReceiptPages

# One router, so every page handler can ask for the services by name (see services.py).
ROUTERS: list[Any] = [
    Router(path="/", dependencies=DEPENDENCIES, include_in_schema=False, route_handlers=[
        PublicPages, AccountPages, ContributePages, ReceiptPages, OrganizerPages, InvitationPages,
        ModerationPages, CeremonyPages, OpeningPages, ItemPages, CustodianPages,
    ]),
]
