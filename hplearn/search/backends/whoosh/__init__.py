"""The default search backend: Whoosh indexes in the instance folder.

store: where the indexes live (the live symlink, one index per document type, swaps);
schema: the fields of a document; writer: batches and rebuilds; reader: cached searchers and
search, count, suggest; sets: document sets (compressed bitmaps) read from posting blocks;
ranking: matching, facets and BM25F; mapped: segment files read in place from their mmap.
"""

from hplearn.search.backends.whoosh.backend import WhooshBackend

__all__ = ["WhooshBackend"]
