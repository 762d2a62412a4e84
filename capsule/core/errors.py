"""Every failure the core raises on purpose, each with a stable code.

The codes are part of the API contract (`{"code": ..., "detail": ...}`) and of the translated
messages of the web pages, so they never change once published. The core knows no HTTP status:
`capsule.web.errors` holds the one table that maps these classes to statuses.
"""

from __future__ import annotations

from typing import Any, ClassVar


class CapsuleError(Exception):
    """Base of every failure the core raises on purpose."""

    code: ClassVar[str] = "error"

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        # Values a translated message may interpolate (a date, a file name, a limit).
        self.params: dict[str, Any] = params


class ConfigError(CapsuleError):
    """A setting or a key file is missing or malformed: the service must not start."""

    code = "config.invalid"


class KeyFileError(ConfigError):
    code = "keys.invalid"


class FormatError(CapsuleError):
    """Bytes that do not parse as the format says (a blob, a certificate, an archive part)."""

    code = "format.malformed"


class TamperError(CapsuleError):
    """Bytes that parse but do not match what was signed, committed or authenticated."""

    code = "integrity.failed"


class DecryptionError(TamperError):
    """An AEAD tag did not verify: wrong key, or changed ciphertext."""

    code = "crypto.decrypt_failed"


class SignatureError(TamperError):
    code = "signature.invalid"


class TransitionError(CapsuleError):
    """The capsule is not in a state that allows the action."""

    code = "capsule.bad_state"


class LockedError(CapsuleError):
    """Content is asked for before the capsule may be opened."""

    code = "capsule.locked"


class BeaconUnavailableError(LockedError):
    """The drand beacon of the round could not be fetched (yet): the capsule stays locked."""

    code = "drand.unavailable"


class ConflictError(CapsuleError):
    code = "conflict"


class SealPendingError(ConflictError):
    """Contributions still wait for moderation: seal without them, or decide them first."""

    code = "seal.pending"


class DeadlineError(ConflictError):
    code = "capsule.submissions_closed"


class NotFoundError(CapsuleError):
    code = "not_found"


class ValidationError(CapsuleError):
    """Input that is well formed but not acceptable (a field too long, a date in the past)."""

    code = "input.invalid"

    def __init__(self, message: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(message, **params)
        self.field = field


class TooLargeError(ValidationError):
    code = "input.too_large"


class UnsupportedMediaError(ValidationError):
    code = "input.unsupported_media"


class ShareError(ValidationError):
    """A custodian share that cannot be used (checksum, foreign set, duplicate, too few)."""

    code = "share.invalid"


class ShareChecksumError(ShareError):
    """A share whose SLIP-39 checksum or length is wrong: a mistyped, missing or extra word."""

    code = "share.checksum"


class ShareWordError(ShareChecksumError):
    """A share with a word that is not in the SLIP-39 word list (`params["word"]`, from 1)."""

    code = "share.word"


class ShareForeignError(ShareError):
    """A well-formed share of another capsule, or shares that do not belong together."""

    code = "share.foreign"


class ShareDuplicateError(ShareError):
    """The same custodian's share entered twice."""

    code = "share.duplicate"


class ShareTooFewError(ShareError):
    """Fewer distinct shares than the threshold (`params["needed"]`, `params["given"]`)."""

    code = "share.too_few"


class AuthError(CapsuleError):
    code = "auth.required"


class ForbiddenError(CapsuleError):
    code = "auth.forbidden"


class InvitationError(ForbiddenError):
    code = "invitation.invalid"


class RateLimitError(CapsuleError):
    code = "rate_limited"
