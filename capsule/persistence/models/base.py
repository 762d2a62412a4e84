"""Shared column types of every model.

Every timestamp is `DateTimeUTC` (aware, stored UTC) and is set by services from the injected
clock, never by a database or library default, so tests can move time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from advanced_alchemy.base import DefaultBase, UUIDBase, orm_registry
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy import LargeBinary
from sqlalchemy.orm import mapped_column

Timestamp = Annotated[datetime, mapped_column(DateTimeUTC(timezone=True))]
Bytes = Annotated[bytes, mapped_column(LargeBinary)]

metadata = orm_registry.metadata

__all__ = ["Bytes", "DefaultBase", "JsonB", "Timestamp", "UUIDBase", "metadata"]
