"""Where the Whoosh indexes live and how they are opened, created and swapped.

Layout: <root>/live is a symlink to the index directory in use (index-<stamp>). A rebuild writes a
new directory beside it and swaps the symlink with one rename, so readers never see half an index.
Each document type is its own Whoosh index inside that directory (index name hplearn_<type>), so
the stream of Q&A writes in the evening never throws away the resource searcher and its caches.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
import traceback
from pathlib import Path

from whoosh import index as whoosh_index

from hplearn.search.backends.base import IndexUnavailable
from hplearn.search.backends.whoosh.mapped import read_segments_in_place
from hplearn.search.backends.whoosh.schema import FORMAT, FORMAT_FILE, build_schema, partition_name

read_segments_in_place()

log = logging.getLogger(__name__)

LIVE = "live"
# Opening races with a commit in another process at most a few times in a row.
OPEN_ATTEMPTS = 5
OPEN_RETRY_SECONDS = 0.01


def registered_types() -> list[str]:
    """The names of the registered document types."""
    from hplearn.search.documents import document_types

    return [doc_type.name for doc_type in document_types()]


def broken(action: str, failure: str) -> IndexUnavailable:
    """The error for a damaged index (log the failure; tell the admin to reindex)."""
    # Built after the handler has let go of the traceback, so Whoosh's files close now.
    log.error("search index: cannot %s: %s", action, failure)
    return IndexUnavailable("搜索索引已损坏，请管理员运行 hplearn reindex 重建。")


class IndexStore:
    """The index directories under root: the live one, new ones, and each type's index."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    @property
    def live_link(self) -> Path:
        """The symlink naming the index directory in use."""
        return self.root / LIVE

    def live_dir(self) -> Path | None:
        """The index directory in use, or None."""
        try:
            target = os.readlink(self.live_link)
        except OSError:
            return None
        path = self.root / target
        return path if path.is_dir() else None

    def create_if_missing(self) -> bool:
        """Create an empty live index if there is none."""
        if self.live_dir() is not None:
            return False
        new_dir = self.new_dir()
        self.create_partitions(new_dir, registered_types())
        self.swap_in(new_dir)
        return True

    @staticmethod
    def create_partitions(directory: Path, doc_types) -> dict:
        """An empty index per document type in directory, and the format marker."""
        indexes = {name: whoosh_index.create_in(str(directory), build_schema(),
                                                indexname=partition_name(name))
                   for name in doc_types}
        (directory / FORMAT_FILE).write_text(FORMAT + "\n", encoding="utf-8")
        return indexes

    def new_dir(self) -> Path:
        """A new, empty index directory beside the live one."""
        self.root.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        return Path(tempfile.mkdtemp(prefix=f"index-{stamp}-", dir=self.root))

    def swap_in(self, new_dir: Path) -> None:
        """Make new_dir the live index with one rename."""
        previous = self.live_dir()
        scratch = self.root / f".{LIVE}.{os.getpid()}.{threading.get_ident()}"
        scratch.unlink(missing_ok=True)
        os.symlink(new_dir.name, scratch)
        os.replace(scratch, self.live_link)
        self._remove_old_dirs(keep={new_dir.name, previous.name if previous else ""})

    def _remove_old_dirs(self, keep: set[str]) -> None:
        # The previous index stays one round so readers still holding it can finish.
        for path in self.root.glob("index-*"):
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)

    def live_of_this_format(self) -> Path:
        """The live directory; raise IndexUnavailable if missing or of another format."""
        live = self.live_dir()
        if live is None:
            raise IndexUnavailable("搜索索引不存在，请管理员运行 hplearn reindex 重建。")
        try:
            found = (live / FORMAT_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            found = ""
        if found != FORMAT:
            log.error("search index: %s is of another format (%r); run hplearn reindex", live,
                      found)
            raise IndexUnavailable("搜索索引是旧版本的格式，请管理员运行 hplearn reindex 重建。")
        return live

    def open_index(self, doc_type: str, create: bool = False):
        """The index of one document type (created empty when create and it is missing)."""
        live = self.live_of_this_format()
        name = partition_name(doc_type)
        for attempt in range(1, OPEN_ATTEMPTS + 1):
            try:
                return self._open_partition(live, name, create)
            except FileNotFoundError:
                # Another process committed a newer generation and Whoosh removed the files of
                # the one this process had just listed (its old TOC and segments): list again.
                failure = traceback.format_exc(limit=3)
                time.sleep(OPEN_RETRY_SECONDS * attempt)
            except Exception:  # noqa: BLE001 - any other failure to open means a broken index
                failure = traceback.format_exc(limit=3)
                break
        raise broken(f"open {live}", failure)

    def _open_partition(self, live: Path, name: str, create: bool):
        if not whoosh_index.exists_in(str(live), indexname=name):
            if not create:
                return None
            return self._create_partition(live, name)
        return whoosh_index.open_dir(str(live), indexname=name)

    def _create_partition(self, live: Path, name: str):
        # A document type registered after the last rebuild: create its index once, under a
        # lock, because create_in() over an index another process just created would empty it.
        import fcntl

        with (self.root / ".create.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if whoosh_index.exists_in(str(live), indexname=name):
                return whoosh_index.open_dir(str(live), indexname=name)
            return whoosh_index.create_in(str(live), build_schema(), indexname=name)

    def ready(self) -> bool:
        """Whether the live index exists, is of this format and every type's index opens."""
        try:
            for doc_type in registered_types():
                self.open_index(doc_type)
        except IndexUnavailable:
            return False
        return True
