"""What OpenAPI (`/schema`) cannot learn from the handler signatures: the contribution bodies
(JSON or streamed multipart, read by `bodies.py`) and the error shape of every call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Operation, RequestBody
from litestar.openapi.spec.media_type import OpenAPIMediaType

from capsule.persistence.services.uploads import MAX_ATTACHMENTS
from capsule.web.api.bodies import FILES_FIELD
from capsule.web.api.contribution_schemas import ContributionEdit, ContributionSubmit
from capsule.web.errors import ErrorOut

_MEANING = {
    400: "the body does not parse (bad JSON, not an object, bad UTF-8, malformed multipart)",
    401: "no or bad bearer token (`Authorization: Bearer <token>`)",
    403: "the invitation is unknown, revoked or used up (`params.reason`)",
    404: "no such capsule, invitation, contribution or receipt",
    409: "the capsule is not in a state that allows this, or the deadline passed (`params.closed_at`)",
    413: "too large: a file (`params.filename`) or the whole request",
    415: "a file type that is not accepted (`params.filename`), or a body that is neither JSON nor multipart",
    422: "a field is missing or breaks a rule (`params.fields`, `params.errors`); a custodian share that "
         "cannot be used (`share.word`, `share.checksum`, `share.foreign`, `share.duplicate`)",
    423: "locked: before the opening date (`params.opens_at`), whoever asks; or after it while a lock "
         "still holds (`params.waiting`, e.g. too few custodian shares or no drand beacon yet)",
    429: "too many attempts from this address: wait a minute (`params.retry_after`)",
}


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI responses for these error statuses, all `{code, detail, params}`; 400 always (it
    replaces the shape Litestar would document for its own validation errors)."""
    return {status: ResponseSpec(data_container=ErrorOut, description=_MEANING[status])
            for status in sorted({400, *statuses})}


def _schema(struct: type) -> dict[str, Any]:
    _, components = msgspec.json.schema_components([struct], ref_template="#/components/schemas/{name}")
    return dict(components[struct.__name__])


def _body(struct: type) -> RequestBody:
    json_schema = _schema(struct)
    form = dict(json_schema)
    form["properties"] = {**json_schema["properties"], FILES_FIELD: {
        "type": "array", "maxItems": MAX_ATTACHMENTS,
        "items": {"type": "string", "contentMediaType": "application/octet-stream"},
        "description": "images (JPEG, PNG, WebP, GIF), PDF or UTF-8 text; sent after every text field",
    }}
    form["description"] = ("The same fields as form fields, every text field before the first file; each file "
                           "is encrypted while it arrives. Too large: 413 naming the file; other types: 415.")
    return RequestBody(required=True, content={
        "application/json": OpenAPIMediaType(schema=json_schema),  # type: ignore[arg-type]
        "multipart/form-data": OpenAPIMediaType(schema=form),  # type: ignore[arg-type]
    })


# Litestar builds an Operation per handler; these add the body the handler reads itself.
@dataclass
class SubmitOperation(Operation):
    def __post_init__(self) -> None:
        self.request_body = _body(ContributionSubmit)


@dataclass
class EditOperation(Operation):
    def __post_init__(self) -> None:
        self.request_body = _body(ContributionEdit)
