"""Bearer secrets (API tokens, invitation links, receipt tokens): made, hashed, compared.

A token is a short prefix saying what it is for, then 256 random bits in base64url. Only its
SHA-256 is stored: with that much entropy a slow hash adds nothing, and a database leak
reveals no usable token. Lookups go by hash; a final constant-time compare guards the rest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from typing import Final

from capsule.core.errors import FormatError

TOKEN_BYTES: Final = 32
PREFIXES: Final = frozenset({"cap", "inv", "rct"})  # API token, invitation, receipt
_PATTERN: Final = re.compile(r"^(cap|inv|rct)_[A-Za-z0-9_-]{43}$")


def new_token(prefix: str) -> str:
    """A fresh token such as `inv_Qm9…` (256 random bits)."""
    if prefix not in PREFIXES:
        raise ValueError(f"unknown token prefix {prefix!r}")
    raw = base64.urlsafe_b64encode(secrets.token_bytes(TOKEN_BYTES)).rstrip(b"=").decode("ascii")
    return f"{prefix}_{raw}"


def derived_token(prefix: str, key: bytes, label: bytes, subject: bytes) -> str:
    """A token that the holder of `key` can make again: `prefix_` ‖ base64url(HMAC-SHA256(key,
    label ‖ subject)). Used for invitation links (shown again to organizers) and receipts (a
    double submit returns the same receipt); the database still stores only `token_hash`.
    """
    if prefix not in PREFIXES:
        raise ValueError(f"unknown token prefix {prefix!r}")
    mac = hmac.new(key, label + subject, hashlib.sha256).digest()
    return f"{prefix}_{base64.urlsafe_b64encode(mac).rstrip(b'=').decode('ascii')}"


def check_token(token: str, prefix: str) -> None:
    """Raise unless `token` has the shape of a `prefix` token (cheap refusal before any lookup).

    Raises:
        FormatError: the token is malformed or of another kind.
    """
    if not isinstance(token, str) or not _PATTERN.match(token) or not token.startswith(prefix + "_"):
        raise FormatError(f"not a valid {prefix} token")


def token_hash(token: str) -> bytes:
    """The SHA-256 under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def matches(token: str, stored_hash: bytes) -> bool:
    """Constant-time check of `token` against a stored hash."""
    return hmac.compare_digest(token_hash(token), stored_hash)
