"""The contributor's receipt: status, commitment, their own document, edit and withdraw.

Everything here is reached with the receipt's token (`?token=`), which only the contributor
holds; a wrong token looks exactly like an unknown receipt.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Template

from capsule.core import errors as e
from capsule.core.envelope import parse_document
from capsule.i18n import N_
from capsule.persistence.services import sealing
from capsule.web.auth import PUBLIC
from capsule.web.deps import ClockDep, DbDep, SettingsDep
from capsule.web.errors import status_of
from capsule.web.multipart import MultipartLimits
from capsule.web.pages.common import NO_STORE, form_data, page
from capsule.web.pages.contribute import STREAMED, form_page, refused
from capsule.web.pages.services import CapsulesDep, ContributionsDep
from capsule.web.pages.upload_form import TEXT_FIELDS, field_errors, read_form

DONE: Final = {
    "new": N_("Thank you! Your contribution was received."),
    "edited": N_("Your changes were saved as a new version."),
    "withdrawn": N_("Your contribution was withdrawn and its encrypted content deleted."),
}


class ReceiptPages(Controller):
    path = "/receipts/{receipt_id:uuid}"
    opt = {PUBLIC: True}
    cache_control = NO_STORE
    include_in_schema = False

    @get("/")
    async def receipt(self, receipt_id: FromPath[UUID], contributions: ContributionsDep,
                      capsules: CapsulesDep, clock: ClockDep, settings: SettingsDep, db: DbDep,
                      token: FromQuery[str] = "", done: FromQuery[str | None] = None) -> Template:
        receipt = await contributions.receipt(receipt_id, token)
        capsule = await capsules.get(receipt.capsule_slug)
        # Once sealed: where it is in the sealed tree, and the path that proves it.
        proof = (await sealing.inclusion_proof(db, capsule.slug, receipt.sealed_index)
                 if receipt.sealed_index is not None else None)
        link = f"{settings.base_url}/receipts/{receipt.id}?token={receipt.receipt_token}"
        return page("receipts/receipt.html", receipt=receipt, capsule=capsule, link=link,
                    token=token, notice=DONE.get(done or ""), proof=proof,
                    can_change=_open(capsule, clock.now()))

    @get("/document")
    async def document(self, receipt_id: FromPath[UUID], contributions: ContributionsDep,
                       token: FromQuery[str] = "") -> Response[bytes]:
        data = await contributions.own_document(receipt_id, token)
        return Response(data, media_type="application/json", headers={
            "content-disposition": f'attachment; filename="contribution-{receipt_id}.json"',
            "x-content-type-options": "nosniff",
        })

    @get("/edit")
    async def edit_form(self, receipt_id: FromPath[UUID], contributions: ContributionsDep,
                        capsules: CapsulesDep, settings: SettingsDep,
                        token: FromQuery[str] = "") -> Template:
        receipt = await contributions.receipt(receipt_id, token)
        capsule = await capsules.get(receipt.capsule_slug)
        document = parse_document(await contributions.own_document(receipt_id, token))
        values = {"kind": document.kind, "title": document.title, "body": document.body,
                  "author_name": document.author, "author_role": document.role,
                  "organization": document.organization, "language": document.language}
        return _edit_page(capsule, receipt, token, values, document.attachments,
                          settings.max_upload_mb)

    @post("/edit", status_code=303, opt=STREAMED)
    async def edit(self, receipt_id: FromPath[UUID], request: Request[Any, Any, Any],
                   contributions: ContributionsDep, capsules: CapsulesDep,
                   settings: SettingsDep) -> Template | Redirect:
        posted = await read_form(request, MultipartLimits.for_settings(settings))
        token = posted.values.get("token", "")
        receipt = await contributions.receipt(receipt_id, token)
        try:
            if posted.refused is not None:
                raise posted.refused
            edited = await contributions.edit(receipt_id, token, posted.fields(), posted.files(),
                                              keep=posted.keep)
        except (e.TransitionError, e.DeadlineError) as exc:
            await posted.drain()
            return await refused(exc, receipt.capsule_slug, capsules)
        except e.ValidationError as exc:
            files = await posted.drain()
            capsule = await capsules.get(receipt.capsule_slug)
            document = parse_document(await contributions.own_document(receipt_id, token))
            return _edit_page(capsule, receipt, token, posted.values, document.attachments,
                              settings.max_upload_mb, errors=field_errors(exc), keep=posted.keep,
                              files_dropped=files > 0, status_code=status_of(exc))
        return Redirect(path=f"/receipts/{edited.id}", status_code=303,
                        query_params={"token": token, "done": "edited"})

    @get("/withdraw")
    async def withdraw_confirm(self, receipt_id: FromPath[UUID], contributions: ContributionsDep,
                               capsules: CapsulesDep, token: FromQuery[str] = "") -> Template:
        receipt = await contributions.receipt(receipt_id, token)
        capsule = await capsules.get(receipt.capsule_slug)
        return page("receipts/withdraw.html", receipt=receipt, capsule=capsule, token=token)

    @post("/withdraw", status_code=303)
    async def withdraw(self, receipt_id: FromPath[UUID], request: Request[Any, Any, Any],
                       contributions: ContributionsDep,
                       capsules: CapsulesDep) -> Template | Redirect:
        token = (await form_data(request)).get("token", "")
        receipt = await contributions.receipt(receipt_id, token)
        try:
            await contributions.withdraw(receipt_id, token)
        except (e.TransitionError, e.DeadlineError) as exc:
            return await refused(exc, receipt.capsule_slug, capsules)
        return Redirect(path=f"/receipts/{receipt_id}", status_code=303,
                        query_params={"token": token, "done": "withdrawn"})


def _open(capsule: Any, now: datetime) -> bool:
    """Whether the contributor may still edit or withdraw."""
    closes = capsule.submissions_close_at
    return capsule.state == "collecting" and (closes is None or now < closes)


def _edit_page(capsule: Any, receipt: Any, token: str, values: dict[str, str], attachments: Any,
               max_upload_mb: int, **kw: Any) -> Template:
    return form_page(capsule, "", {k: values.get(k, "") for k in TEXT_FIELDS}, max_upload_mb,
                     action=f"/receipts/{receipt.id}/edit", kept=attachments,
                     receipt=(receipt, token), **kw)
