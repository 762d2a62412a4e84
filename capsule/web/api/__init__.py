"""The JSON API, version 1 (DESIGN §5): one controller module per resource."""

from __future__ import annotations

from typing import Any

ROUTERS: list[Any] = []
