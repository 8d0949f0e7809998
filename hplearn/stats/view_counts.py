"""Resource view counts: what "最多浏览" sorts by, brought in step with the statistics.

`Resource.view_count` is the number of counted views of a resource: one per viewer × resource ×
local (Asia/Shanghai) day, whether the viewer opened its page, fetched it through the API or
started its hosted video or document (all three are `record_view` events, deduplicated
together, so a student who opens a page and plays its video counts once). It is summed from the
daily rollups (`stat_resource_daily`), which are kept when raw events expire, so retention never
lowers it and re-running a rollup never changes it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select, update

from hplearn.cache import catalog_cache
from hplearn.catalog.models import Resource
from hplearn.extensions import db
from hplearn.search import engine, reindex_objects
from hplearn.search.backends.base import IndexUnavailable
from hplearn.stats.models import ResourceDaily

log = logging.getLogger("hplearn.stats")

SYNC_BATCH_SIZE = 500


@dataclass
class ViewCountSync:
    """What one sync did: resources whose count changed, and a search index problem if any."""

    changed: int = 0
    index_problem: str | None = None


def counted_views_query():
    """(resource id, counted views) of every resource whose view_count differs from its rollups."""
    totals = (
        select(ResourceDaily.resource_id, func.sum(ResourceDaily.views).label("views"))
        .group_by(ResourceDaily.resource_id)
        .subquery()
    )
    counted = func.coalesce(totals.c.views, 0)
    return (
        select(Resource.id, counted)
        .outerjoin(totals, totals.c.resource_id == Resource.id)
        .where(func.coalesce(Resource.view_count, 0) != counted)
        .order_by(Resource.id)
    )


def _store(changes: list[tuple[int, int]]) -> None:
    # Core executemany: no ORM objects, and updated_at stays as it is (a view is not an edit).
    table = Resource.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("resource_id"))
        .values(view_count=bindparam("counted"), updated_at=table.c.updated_at)
        .execution_options(cache_neutral=True)  # the cache is renewed once, after the index
    )
    db.session.execute(statement, [{"resource_id": i, "counted": n} for i, n in changes])


def _reindex(resource_ids: list[int], batch_size: int) -> str | None:
    if not engine.is_enabled():
        return None
    try:
        reindex_objects("resource", resource_ids, batch_size=batch_size)
    except IndexUnavailable as error:
        message = f"{len(resource_ids)} 个资源的浏览次数没有写入搜索索引：{error}"
    except Exception as error:
        log.exception("search index update of view counts failed")
        message = f"浏览次数没有写入搜索索引（{type(error).__name__}），请运行 hplearn reindex。"
    else:
        return None
    engine.record_problem(message)
    return message


def sync_view_counts(batch_size: int = SYNC_BATCH_SIZE) -> ViewCountSync:
    """Set every resource's view_count to its counted views and reindex the changed ones.

    batch_size: rows per UPDATE batch and per search index write.
    The counts are written in one transaction; the index follows in batches, and a failure
    there is recorded for admins (run `hplearn reindex`) and returned, never raised.
    """
    changes = [tuple(row) for row in db.session.execute(counted_views_query())]
    if not changes:
        return ViewCountSync()
    try:
        for start in range(0, len(changes), batch_size):
            _store(changes[start:start + batch_size])
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    problem = _reindex([resource_id for resource_id, _ in changes], batch_size)
    # Cached searches sorted by views would otherwise outlive the new counts (up to CACHE_TTL).
    catalog_cache().bump()
    return ViewCountSync(changed=len(changes), index_problem=problem)
