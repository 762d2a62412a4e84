"""The JSON API, version 1 (DESIGN §5): one controller module per resource."""

from __future__ import annotations

from typing import Any

from capsule.web.api.capsules import CapsuleApi
from capsule.web.api.contents import ContentsApi
from capsule.web.api.contributions import ContributionApi
from capsule.web.api.invitations import InvitationApi
from capsule.web.api.opening import OpeningApi
from capsule.web.api.receipts import ReceiptApi
from capsule.web.api.sealing import SealApi

ROUTERS: list[Any] = [CapsuleApi, InvitationApi, ContributionApi, ReceiptApi, SealApi, OpeningApi, ContentsApi]
