"""Whoosh's files inside a segment read straight from the memory-mapped segment, not copied.

Whoosh opens every file of a compound segment (postings, term index, columns, stored fields) as
a BufferFile over a slice of the segment's mmap, and BufferFile wraps it in io.BytesIO, which
copies the slice: at 100,000 resources about 50 MB of private memory per searcher, that is per
request thread (memory, issue 16 item 6). ViewFile reads the same bytes from the mapping on
demand, so they stay shared file pages that the kernel can drop and every process shares.
"""

from __future__ import annotations

import io

from whoosh.filedb import structfile


class ViewFile(io.RawIOBase):
    """A read-only, seekable file over a buffer (a memoryview of an mmap, or bytes)."""

    def __init__(self, buf):
        super().__init__()
        self._view = memoryview(buf).cast("B")
        self._position = 0

    def readable(self) -> bool:
        """Always: the buffer is read-only."""
        return True

    def seekable(self) -> bool:
        """Always."""
        return True

    def readinto(self, target) -> int:
        """Copy the next bytes into target; how many were copied."""
        start = self._position
        count = max(0, min(len(target), len(self._view) - start))
        target[:count] = self._view[start:start + count]
        self._position = start + count
        return count

    def read(self, size: int | None = -1) -> bytes:
        """The next size bytes (all that is left when size is negative or None)."""
        start = self._position
        end = len(self._view) if size is None or size < 0 else min(len(self._view), start + size)
        self._position = max(start, end)
        return self._view[start:end].tobytes()

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move to offset from the start, the current position or the end."""
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: len(self._view)}[whence]
        self._position = max(0, base + offset)
        return self._position

    def tell(self) -> int:
        """The current position."""
        return self._position

    def getvalue(self) -> bytes:
        """Every byte (like io.BytesIO's)."""
        return self._view.tobytes()


def _buffer_file_init(self, buf, name=None, onclose=None):
    # whoosh.filedb.structfile.BufferFile.__init__ with ViewFile in place of io.BytesIO.
    self._buf = buf
    self._name = name
    self.file = ViewFile(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def read_segments_in_place() -> None:
    """Make Whoosh's BufferFile read its buffer in place (idempotent)."""
    structfile.BufferFile.__init__ = _buffer_file_init
