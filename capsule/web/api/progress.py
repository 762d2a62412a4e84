"""Progress of a running seal, in the app's "progress" store (Redis when configured), so the
ceremony page served by another worker can show it.

`SealService.seal` reports through a plain callback inside its transaction; the callback only
notes the latest value and one writer task at a time stores it, so the store sees the phases
in order and the seal never waits for it.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

import msgspec
from litestar.stores.base import Store

from capsule.core.clock import Clock, utc_text
from capsule.web.api.seal_schemas import SealProgressOut

KEEP_SECONDS: Final = 3600


def _key(slug: str) -> str:
    return f"seal:{slug}"


class ProgressFeed:
    """The `progress` callback of one seal."""

    def __init__(self, store: Store, slug: str, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.key = _key(slug)
        self._latest: bytes | None = None
        self._writer: asyncio.Task[None] | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        self._latest = self._encode("running", phase, done, total)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self._latest is not None:
            value, self._latest = self._latest, None
            await self.store.set(self.key, value, expires_in=KEEP_SECONDS)

    async def close(self, state: str, *, error: str | None = None) -> None:
        """The seal is over: `done` or `failed` (with the error code)."""
        if self._writer is not None:
            await self._writer
        await self.store.set(self.key, self._encode(state, state, 1, 1, error), expires_in=KEEP_SECONDS)

    def _encode(self, state: str, phase: str, done: int, total: int, error: str | None = None) -> bytes:
        return msgspec.json.encode(SealProgressOut(
            state=state, phase=phase, done=done, total=total,  # type: ignore[arg-type]
            updated_at=utc_text(self.clock.now()), error=error))


async def read_progress(store: Store, slug: str) -> SealProgressOut | None:
    raw: Any = await store.get(_key(slug))
    return msgspec.json.decode(raw, type=SealProgressOut) if raw else None
