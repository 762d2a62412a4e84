"""The HTML pages (server-rendered, work without JavaScript): one module per area."""

from __future__ import annotations

from typing import Any

ROUTERS: list[Any] = []
