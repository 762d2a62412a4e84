"""`/api/v1/receipts/{id}?token=…`: the contributor's receipt; edit or withdraw until the deadline.

Authorized by the receipt token alone (a wrong token and an unknown id get the same 404).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, put
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath, QueryParameter

from capsule.persistence.services import sealing
from capsule.persistence.services.contributions import Receipt
from capsule.persistence.database import Database
from capsule.web.api.bodies import read_contribution
from capsule.web.api.docs import EditOperation, errors
from capsule.web.api.contribution_schemas import ContributionEdit, InclusionProofOut, ReceiptOut, ReceiptStatusOut
from capsule.web.api.deps import SERVICES, ContributionServiceDep
from capsule.web.auth import PUBLIC
from capsule.web.deps import DbDep, SettingsDep

Token = Annotated[str, QueryParameter(max_length=100, description="the receipt token (rct_…)")]


async def proof_of(db: Database, receipt: Receipt) -> InclusionProofOut | None:
    """After sealing, the RFC 9162 inclusion proof of this contribution in the sealed tree."""
    if receipt.sealed_index is None:
        return None
    proof = await sealing.inclusion_proof(db, receipt.capsule_slug, receipt.sealed_index)
    return InclusionProofOut(index=proof.index, tree_size=proof.tree_size, path=[h.hex() for h in proof.path],
                             root=proof.root.hex())


class ReceiptApi(Controller):
    path = "/api/v1/receipts"
    tags = ["receipts"]
    dependencies = SERVICES
    # Authorized by the receipt token in the query, not by an organizer login.
    opt = {PUBLIC: True}
    cache_control = CacheControlHeader(no_store=True)

    @get("/{receipt_id:uuid}", responses=errors(404, 422))
    async def show_receipt(self, receipt_id: FromPath[UUID], token: Token, contribution_service: ContributionServiceDep,
                           db: DbDep) -> ReceiptStatusOut:
        """Where the contribution stands; the organizer's note when rejected; after sealing its
        inclusion proof."""
        receipt = await contribution_service.receipt(receipt_id, token)
        return ReceiptStatusOut.of(receipt, await proof_of(db, receipt))

    @put("/{receipt_id:uuid}", operation_class=EditOperation, responses=errors(400, 404, 409, 413, 415, 422))
    async def edit_receipt(self, receipt_id: FromPath[UUID], token: Token, request: Request[Any, Any, Any],
                           contribution_service: ContributionServiceDep, settings: SettingsDep) -> ReceiptOut:
        """A new version (until the deadline): every field again, `keep_attachments` lists the
        current attachments to keep, new files as multipart `attachments`. New commitment."""
        fields, uploads = await read_contribution(request, settings, ContributionEdit)
        try:
            receipt = await contribution_service.edit(receipt_id, token, fields.to_service(), uploads,
                                                      keep=fields.keep_attachments)
        finally:
            await uploads.aclose()
        return ReceiptOut.of(receipt, settings.base_url)

    @delete("/{receipt_id:uuid}", status_code=200, responses=errors(404, 409, 422))
    async def withdraw_receipt(self, receipt_id: FromPath[UUID], token: Token,
                               contribution_service: ContributionServiceDep) -> ReceiptStatusOut:
        """Withdraw (until the deadline): the ciphertext and its key are deleted."""
        return ReceiptStatusOut.of(await contribution_service.withdraw(receipt_id, token))

    @get("/{receipt_id:uuid}/document", media_type="application/json", responses=errors(404, 409, 422))
    async def receipt_document(self, receipt_id: FromPath[UUID], token: Token,
                               contribution_service: ContributionServiceDep) -> Response[bytes]:
        """The exact canonical document (before sealing): SHA-256 of these bytes is the commitment."""
        data = await contribution_service.own_document(receipt_id, token)
        return Response(data, media_type="application/json", headers={
            "Content-Disposition": f'attachment; filename="contribution-{receipt_id}.json"',
        })
