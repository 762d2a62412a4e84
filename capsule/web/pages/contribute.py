"""The contribution form of an invitation link: form → preview (already encrypted) → receipt.

Works without JavaScript. The form posts multipart through the streaming reader; a refusal
shows the form again with everything typed (files must be chosen again: they are never kept).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from capsule import i18n
from capsule.core import errors as e
from capsule.i18n import gettext
from capsule.persistence.services.uploads import LIMITS, MAX_ATTACHMENTS
from capsule.web.auth import PUBLIC
from capsule.web.deps import SettingsDep
from capsule.web.errors import status_of
from capsule.web.multipart import MultipartLimits
from capsule.web.pages.common import (
    NO_STORE,
    closed_message,
    form_data,
    invitation_message,
    new_submit_key,
    page,
    refusal,
)
from capsule.web.pages.services import CapsulesDep, ContributionsDep, ViewsDep
from capsule.web.pages.upload_form import TEXT_FIELDS, field_errors, read_form

# The upload routes read their own body (streamed) and check CSRF in it: see upload_form.
STREAMED = {"exclude_from_csrf": True}


class ContributePages(Controller):
    path = "/c/{slug:str}/contribute"
    opt = {PUBLIC: True}
    cache_control = NO_STORE  # the pages carry the invitation token
    include_in_schema = False

    @get("/")
    async def form(self, slug: FromPath[str], views: ViewsDep, capsules: CapsulesDep,
                   settings: SettingsDep, invite: FromQuery[str] = "") -> Template:
        try:
            opening = await views.form_opening(slug, invite)
        except e.CapsuleError as exc:
            return await refused(exc, slug, capsules)
        values = {"organization": opening.invitation.organization,
                  "language": i18n.current_language()}
        return form_page(opening.capsule, invite, values, settings.max_upload_mb)

    @post("/", status_code=200, opt=STREAMED)
    async def preview(self, slug: FromPath[str], request: Request[Any, Any, Any], views: ViewsDep,
                      capsules: CapsulesDep, contributions: ContributionsDep,
                      settings: SettingsDep) -> Template:
        posted = await read_form(request, MultipartLimits.for_settings(settings))
        invite = posted.values.get("invite", "")
        try:
            if posted.refused is not None:
                raise posted.refused
            draft_id = await contributions.draft(slug, invite, posted.fields(), posted.files(),
                                                 submit_key=posted.values.get("submit_key") or None)
            shown = await views.draft_preview(slug, invite, draft_id)
        except (e.InvitationError, e.TransitionError, e.DeadlineError) as exc:
            await posted.drain()
            return await refused(exc, slug, capsules)
        except e.ValidationError as exc:  # also 413 and 415: the form again, saying why
            files = await posted.drain()
            return form_page(await capsules.get(slug), invite, posted.values,
                             settings.max_upload_mb, errors=field_errors(exc),
                             files_dropped=files > 0, status_code=status_of(exc))
        return page("contribute/preview.html", capsule=await capsules.get(slug), invite=invite,
                    draft=shown, values={k: posted.values.get(k, "") for k in TEXT_FIELDS},
                    lang_path=f"/c/{slug}/contribute", lang_query={"invite": invite})

    @post("/confirm", status_code=303)
    async def confirm(self, slug: FromPath[str], request: Request[Any, Any, Any],
                      capsules: CapsulesDep,
                      contributions: ContributionsDep) -> Template | Redirect:
        values = await form_data(request)
        try:
            draft_id = UUID(values.get("draft", ""))
            receipt = await contributions.confirm(slug, values.get("invite", ""), draft_id)
        except (e.InvitationError, e.TransitionError, e.DeadlineError) as exc:
            return await refused(exc, slug, capsules)
        except (e.NotFoundError, ValueError):
            return refusal(404, gettext("This preview is no longer available (a preview is kept "
                                        "for a day). Please fill in the form again."),
                           code="not_found")
        return Redirect(path=f"/receipts/{receipt.id}", status_code=303,
                        query_params={"token": receipt.receipt_token, "done": "new"})

    @post("/change", status_code=200)
    async def change(self, slug: FromPath[str], request: Request[Any, Any, Any],
                     capsules: CapsulesDep, settings: SettingsDep) -> Template:
        # Back from the preview with everything typed; the unconfirmed draft expires by itself.
        values = await form_data(request)
        return form_page(await capsules.get(slug), values.get("invite", ""), values,
                         settings.max_upload_mb, files_dropped=values.get("had_files") == "1")


def form_page(capsule: Any, invite: str, values: dict[str, str], max_upload_mb: int, *,
              errors: dict[str, str] | None = None, files_dropped: bool = False,
              status_code: int = 200, action: str | None = None, kept: Any = (),
              keep: list[int] | None = None, receipt: Any = None) -> Template:
    """The contribution form (new, or an edit from the receipt), with a fresh submit key."""
    # The language links of a page rendered after a POST lead to the form's GET address.
    lang_path, lang_query = ((f"/receipts/{receipt[0].id}/edit", {"token": receipt[1]}) if receipt
                             else (f"/c/{capsule.slug}/contribute", {"invite": invite}))
    return page("contribute/form.html", status_code=status_code, capsule=capsule, invite=invite,
                lang_path=lang_path, lang_query=lang_query,
                values={k: values.get(k, "") for k in TEXT_FIELDS}, errors=errors or {},
                files_dropped=files_dropped, limits=LIMITS, max_files=MAX_ATTACHMENTS,
                max_upload_mb=max_upload_mb, submit_key=new_submit_key(),
                action=action or f"/c/{capsule.slug}/contribute", kept=kept, keep=keep,
                receipt=receipt)


async def refused(exc: e.CapsuleError, slug: str, capsules: Any) -> Template:
    """The page for a link that cannot be used now: which invitation problem, or since when
    the capsule is closed. Other errors go on to the app's error handler."""
    if isinstance(exc, e.InvitationError):
        return refusal(403, invitation_message(exc), code=exc.code)
    if isinstance(exc, e.TransitionError | e.DeadlineError):
        return refusal(409, closed_message(exc, await capsules.get(slug)), code=exc.code)
    raise exc
