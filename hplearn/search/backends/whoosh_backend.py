"""Where indexes written before the backend became a package find their field types.

Whoosh pickles the schema and each segment's codec into an index's table of contents, naming
each class by its module; indexes built before the split name this module. Keep it so they open.
"""

from hplearn.search.backends.whoosh.schema import ColumnField, DeferredTokens, SetCodec, TokenField

__all__ = ["ColumnField", "DeferredTokens", "SetCodec", "TokenField"]
