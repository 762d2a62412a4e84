"""Responses for content that never changes once opened (or sealed): a strong ETag derived
from the content itself, a year of public caching, and 304 for a matching If-None-Match.

The ETag is a hash of what is served (or the SHA-256 the document lists for an attachment),
never a timestamp: two servers holding the same capsule answer with the same tag.
"""

from __future__ import annotations

import hashlib
from typing import Any, Final

import msgspec
from litestar import MediaType, Request, Response

IMMUTABLE: Final = "public, max-age=31536000, immutable"


def strong_etag(digest_hex: str) -> str:
    return f'"{digest_hex}"'


def etag_matches(request: Request[Any, Any, Any], etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/"x" matches "x"."""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def cache_headers(etag: str) -> dict[str, str]:
    return {"ETag": etag, "Cache-Control": IMMUTABLE}


def not_modified(etag: str) -> Response[Any]:
    return Response(content=b"", status_code=304, headers=cache_headers(etag))


def immutable_json(request: Request[Any, Any, Any], body: msgspec.Struct) -> Response[Any]:
    """`body` as JSON with an ETag of its bytes' SHA-256, or 304 when the client has it."""
    data = msgspec.json.encode(body)
    etag = strong_etag(hashlib.sha256(data).hexdigest())
    if etag_matches(request, etag):
        return not_modified(etag)
    return Response(content=data, media_type=MediaType.JSON, headers=cache_headers(etag))


def immutable_bytes(request: Request[Any, Any, Any], data: bytes, media_type: str,
                    headers: dict[str, str] | None = None) -> Response[Any]:
    """Exact stored bytes (a certificate, a manifest) with an ETag of their SHA-256."""
    etag = strong_etag(hashlib.sha256(data).hexdigest())
    if etag_matches(request, etag):
        return not_modified(etag)
    return Response(content=data, media_type=media_type, headers={**cache_headers(etag), **(headers or {})})
