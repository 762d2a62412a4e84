"""Domain-separation labels of format version 1 (docs/FORMAT.md, "Labels").

Every key derivation, AEAD and HPKE call binds one of these, so a value made for one purpose
can never be accepted for another. They are ASCII and never change for version 1.
"""

from typing import Final

PREFIX: Final = b"capsule/v1 "

PREKEY: Final = b"capsule/v1 prekey"  # AAD: capsule private key wrapped under the master key
DEK: Final = b"capsule/v1 dek"  # HPKE info: data key of one contribution
DOCUMENT: Final = b"capsule/v1 document"  # AAD: the canonical document of a contribution
ATTACHMENT: Final = b"capsule/v1 attachment"  # HKDF info: key of one attachment stream
LOCK: Final = b"capsule/v1 lock"  # HKDF info: key from one lock's opening secret (policy any)
LOCK_ALL: Final = b"capsule/v1 lock all"  # HKDF info: key from every opening secret (policy all)
SEALED_KEY: Final = b"capsule/v1 sealed-key"  # AAD: capsule private key under a lock key
SERVER_LOCK: Final = b"capsule/v1 server-lock"  # AAD: server lock secret under the master key
SHARE_ENTRY: Final = b"capsule/v1 share-entry"  # AAD: a custodian share kept until opening
# Service only: bearer tokens derived from the master key, so a link can be shown again while
# the database stores only their hashes.
INVITATION_TOKEN: Final = b"capsule/v1 invitation-token"
RECEIPT_TOKEN: Final = b"capsule/v1 receipt-token"
CSRF: Final = b"capsule/v1 csrf"  # service only: the CSRF cookie's HMAC key, same on every worker

ALL: Final = (PREKEY, DEK, DOCUMENT, ATTACHMENT, LOCK, LOCK_ALL, SEALED_KEY, SERVER_LOCK, SHARE_ENTRY,
              INVITATION_TOKEN, RECEIPT_TOKEN, CSRF)
