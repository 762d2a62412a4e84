"""ORM models, one module per table. Importing this package registers every table."""

from capsule.persistence.models.api_token import ApiToken
from capsule.persistence.models.audit_event import AuditEvent
from capsule.persistence.models.base import metadata
from capsule.persistence.models.blob import Blob
from capsule.persistence.models.blob_chunk import BlobChunk
from capsule.persistence.models.capsule import Capsule
from capsule.persistence.models.capsule_lock import CapsuleLock
from capsule.persistence.models.contribution import Contribution
from capsule.persistence.models.invitation import Invitation
from capsule.persistence.models.opened_item import OpenedItem
from capsule.persistence.models.opening import Opening
from capsule.persistence.models.seal import Seal
from capsule.persistence.models.share_entry import ShareEntry
from capsule.persistence.models.user import User

__all__ = [
    "ApiToken", "AuditEvent", "Blob", "BlobChunk", "Capsule", "CapsuleLock", "Contribution",
    "Invitation", "OpenedItem", "Opening", "Seal", "ShareEntry", "User", "metadata",
]
