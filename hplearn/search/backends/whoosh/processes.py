"""Whoosh's writer processes end when the process that started them ends.

Whoosh's multi-process writer forks one process per core; each inherits the index's write lock
(an flock on the index directory) and waits on its job queue with no timeout. If the importer is
killed (SIGKILL, out of memory, a closed terminal), those children would live on as orphans,
holding the lock for ever, and the next import or rebuild would wait on it without end. On Linux
each child asks the kernel to kill it when its parent dies (PR_SET_PDEATHSIG), which releases the
lock with it; elsewhere nothing changes.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.util
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


class _Hook:
    """An object for multiprocessing's after-fork registry (it keeps only weak references)."""


_HOOK = _Hook()


def _die_with_parent(_hook: _Hook) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return
    parent = multiprocessing.parent_process()
    # The parent may have died between the fork and the prctl: then nobody will signal us.
    if parent is not None and os.getppid() != parent.pid:
        os._exit(1)


def install() -> None:
    """Make every process multiprocessing forks from here on die with its parent (Linux)."""
    if sys.platform.startswith("linux"):
        multiprocessing.util.register_after_fork(_HOOK, _die_with_parent)
