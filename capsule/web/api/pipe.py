"""A zip written in a worker thread, streamed to the client as it is written.

`archives.write_sealed` / `write_opened` write into a file-like object from a worker thread
(the zip, the hashing and the decryption are CPU work). Here that object is a pipe: pieces of
about 256 KiB go to the event loop, at most `DEPTH` of them in flight, so a slow client slows
the writer instead of filling memory, and nothing is spooled to disk (an opened archive holds
plaintext). When the client goes away, the writer stops at its next write.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, BinaryIO, Final, cast

PIECE: Final = 256 * 1024
DEPTH: Final = 8

log = logging.getLogger("capsule.web")


class _End:
    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


class Pipe:
    """The writing end, for one worker thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.queue: asyncio.Queue[bytes | _End] = asyncio.Queue()
        self.room = threading.Semaphore(DEPTH)
        self._buffer = bytearray()
        self.closed = False

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= PIECE:
            piece, self._buffer = bytes(self._buffer), bytearray()
            self._send(piece)
        return len(data)

    def flush(self) -> None:
        pass

    def _send(self, piece: bytes) -> None:
        # Wait for room, but notice a client that went away (then nobody reads any more).
        while not self.room.acquire(timeout=0.2):
            if self.closed:
                raise BrokenPipeError("the client stopped reading the archive")
        if self.closed:
            raise BrokenPipeError("the client stopped reading the archive")
        self._loop.call_soon_threadsafe(self.queue.put_nowait, piece)

    def finish(self, error: BaseException | None) -> None:
        """From the event loop, once the writer is done: the rest, then the end."""
        if error is None and self._buffer:
            self.queue.put_nowait(bytes(self._buffer))
        self._buffer = bytearray()
        self.queue.put_nowait(_End(error))


async def piped(write: Callable[[BinaryIO], Awaitable[Any]]) -> AsyncIterator[bytes]:
    """The bytes `write(out)` writes into `out`, as they come."""
    pipe = Pipe(asyncio.get_running_loop())

    async def run() -> None:
        try:
            await write(cast(BinaryIO, pipe))
        except BaseException as exc:  # noqa: BLE001 - handed to the reader, which raises it
            pipe.finish(exc)
            return
        pipe.finish(None)

    task = asyncio.create_task(run())
    try:
        while True:
            item = await pipe.queue.get()
            if isinstance(item, _End):
                if item.error is not None and not pipe.closed:
                    # The status line is sent already: the client sees a cut download (and a
                    # zip without its central directory, which no reader accepts).
                    log.error("archive stream failed", extra={"error": type(item.error).__name__})
                    raise item.error
                return
            pipe.room.release()
            yield item
    finally:
        pipe.closed = True
        with contextlib.suppress(BaseException):
            await task
