"""`/schema` documents every API call with its parameters, bodies and error shapes."""

from __future__ import annotations

import httpx
from litestar import Litestar

CALLS = {
    ("get", "/api/v1/capsules"), ("post", "/api/v1/capsules"), ("get", "/api/v1/capsules/{slug}"),
    ("patch", "/api/v1/capsules/{slug}"), ("post", "/api/v1/capsules/{slug}/publish"),
    ("get", "/api/v1/capsules/{slug}/log"),
    ("post", "/api/v1/capsules/{slug}/invitations"), ("get", "/api/v1/capsules/{slug}/invitations"),
    ("delete", "/api/v1/capsules/{slug}/invitations/{invitation_id}"),
    ("post", "/api/v1/capsules/{slug}/contributions"), ("get", "/api/v1/capsules/{slug}/contributions"),
    ("get", "/api/v1/capsules/{slug}/contributions/{contribution_id}/attachments/{index}"),
    ("post", "/api/v1/capsules/{slug}/contributions/{contribution_id}/decision"),
    ("get", "/api/v1/receipts/{receipt_id}"), ("put", "/api/v1/receipts/{receipt_id}"),
    ("delete", "/api/v1/receipts/{receipt_id}"), ("get", "/api/v1/receipts/{receipt_id}/document"),
    # sealing, opening and the opened contents
    ("post", "/api/v1/capsules/{slug}/seal"), ("get", "/api/v1/capsules/{slug}/seal/progress"),
    ("get", "/api/v1/capsules/{slug}/certificate"), ("get", "/api/v1/capsules/{slug}/certificate.sig"),
    ("get", "/api/v1/capsules/{slug}/manifest"), ("get", "/api/v1/capsules/{slug}/archive"),
    ("get", "/api/v1/capsules/{slug}/items/{index}/proof"),
    ("post", "/api/v1/capsules/{slug}/open"), ("get", "/api/v1/capsules/{slug}/opening"),
    ("get", "/api/v1/capsules/{slug}/shares"), ("post", "/api/v1/capsules/{slug}/shares"),
    ("get", "/api/v1/capsules/{slug}/items"), ("get", "/api/v1/capsules/{slug}/items/{index}"),
    ("get", "/api/v1/capsules/{slug}/items/{index}/attachments/{n}"),
}


async def test_every_call_is_documented_with_its_schemas(client: httpx.AsyncClient, app: Litestar) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    documented = {(method, path) for path, item in schema["paths"].items() for method in item
                  if path.startswith("/api/")}
    assert documented == CALLS
    routed = {(method.lower(), route.path.replace(":str", "").replace(":uuid", "").replace(":int", ""))
              for route in app.routes if route.path.startswith("/api/") for method in getattr(route, "methods", ())
              if method not in ("HEAD", "OPTIONS")}
    assert routed == CALLS
    components = schema["components"]["schemas"]
    for name in ("CapsuleCreate", "CapsuleEdit", "CapsuleOut", "InvitationCreate", "InvitationOut",
                 "ContributionDecide", "ContributionOut", "ReceiptOut", "ReceiptStatusOut", "AuditLogOut", "ErrorOut",
                 "SealRequest", "SealOut", "SealProgressOut", "ProofOut", "OpenRequest", "ReportOut", "ShareEnter",
                 "ShareProgressOut", "OpeningOut", "ItemOut", "ItemListOut", "LockOut"):
        assert name in components, name
    for method, path in CALLS:
        operation = schema["paths"][path][method]
        assert operation.get("description"), (method, path)
        errors = [status for status in operation["responses"] if status.startswith(("4", "5"))]
        assert errors, (method, path)
        for status in errors:
            assert operation["responses"][status]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorOut"}, (method, path, status)
    assert "maxLength" in str(components["CapsuleCreate"]) and "date-time" in str(components["CapsuleCreate"])
    for out in ("CapsuleOut", "InvitationOut", "ReceiptOut", "ContributionOut"):
        assert not {"prekey", "private_key", "token_hash", "wrapped_dek"} & set(components[out]["properties"])


async def test_the_contribution_calls_document_json_and_multipart_bodies(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path, method in (("/api/v1/capsules/{slug}/contributions", "post"), ("/api/v1/receipts/{receipt_id}", "put")):
        body = paths[path][method]["requestBody"]["content"]
        assert set(body) == {"application/json", "multipart/form-data"}
        fields = body["application/json"]["schema"]["properties"]
        assert {"kind", "title", "body", "author_name", "author_role", "organization", "language"} <= set(fields)
        assert fields["body"]["maxLength"] == 20_000
        assert body["multipart/form-data"]["schema"]["properties"]["attachments"]["maxItems"] == 5
    submit = paths["/api/v1/capsules/{slug}/contributions"]["post"]
    headers = {p["name"] for p in submit["parameters"] if p["in"] == "header"}
    assert headers == {"X-Invitation", "Idempotency-Key"}
    assert {"401", "403", "413", "415", "422"} - set(submit["responses"]) == {"401"}


async def test_the_locked_calls_document_423_and_the_share_refusals(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path in ("/api/v1/capsules/{slug}/items", "/api/v1/capsules/{slug}/items/{index}",
                 "/api/v1/capsules/{slug}/items/{index}/attachments/{n}", "/api/v1/capsules/{slug}/opening"):
        assert "423" in paths[path]["get"]["responses"], path
    shares = paths["/api/v1/capsules/{slug}/shares"]["post"]
    assert {"422", "423", "429"} <= set(shares["responses"])
    assert "share.duplicate" in shares["description"]
    assert "ShareEnter" in str(shares["requestBody"])
    assert "OpenRequest" in str(paths["/api/v1/capsules/{slug}/open"]["post"]["requestBody"])
    assert "409" in paths["/api/v1/capsules/{slug}/seal"]["post"]["responses"]
