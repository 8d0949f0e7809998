"""Importing resources from CSV or JSON Lines: validate every row, then upsert in batches.

The first pass checks the file and every row (nothing is written), then the good rows are
written in batches of BATCH_SIZE, one commit per batch, new rows with one INSERT … RETURNING
each. A file up to KEEP_CHECKED_BYTES keeps its checked rows in memory for the writing; a
bigger one is read and checked again, streamed both times. The search index gets every batch
through one bulk writer, written once at the end (for big files by one process per core while
the rows are still being written), and then whatever the index lacks is added (rows an
interrupted import committed but never indexed).
Rows are matched on (source, external_id); an unchanged content_hash means nothing to do.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import and_, insert, or_, select

from hplearn.catalog.models import DEFAULT_SOURCE, Resource, Topic
from hplearn.errors import DomainError
from hplearn.extensions import db
from hplearn.search import bulk_indexing, engine, remember_inserted, repair_index
from hplearn.search.backends.base import IndexUnavailable
from hplearn.timeutil import utcnow
from hplearn.vocab import (
    RESOURCE_KINDS,
    STAGES,
    ResourceStatus,
    canonical_subject,
    parse_grade,
    stage_for_grade,
)

BATCH_SIZE = 500
# A file up to this size is validated once: its good rows are kept from the check to the writing.
KEEP_CHECKED_BYTES = 64 << 20
SCAN_CHUNK = 1 << 20
# A Markdown body may be longer than the csv module's 128 kB default field limit.
MAX_CSV_FIELD = 4 << 20
KNOWN_COLUMNS = (
    "external_id", "title", "stage", "grade", "subject", "edition", "volume", "school_type",
    "resource_type", "url", "cover_url", "source", "summary", "body", "kind", "topic", "tags",
)
# 资源类型 as the national platform names it, and the kind it becomes here.
RESOURCE_TYPE_KINDS = {
    "电子教材": "textbook", "教材": "textbook", "视频": "video", "微课": "video",
    "文档": "document", "文章": "article", "链接": "link",
}
KIND_NAMES = {label: kind for kind, label in RESOURCE_KINDS.items()}
TAG_SEPARATORS = re.compile(r"[,，、|]")
MAX_LENGTHS = {
    "external_id": 200, "title": 300, "source": 100, "edition": 64, "volume": 64,
    "school_type": 32, "resource_type": 64, "url": 1000, "cover_url": 1000,
}
# Grades each 学段 may hold: under the 五四学制 (five-four system) grade 6 is in 初中.
STAGE_GRADES = {"小学": range(1, 7), "初中": range(6, 10), "高中": range(10, 13)}
MAX_TAGS = 20
MAX_TAG_LENGTH = 32
# The fields whose values make up a resource's content_hash.
HASHED_FIELDS = (
    "title", "summary", "body", "kind", "stage", "grade", "subject", "edition", "volume",
    "school_type", "resource_type", "topic_id", "tags", "url", "cover_url", "is_demo",
)


class CatalogImportError(DomainError):
    """An import the rules refuse; its message is shown to the user."""


class UnusableFile(CatalogImportError):
    """The file cannot be imported at all (unreadable, not UTF-8, binary, no title column…)."""


class StrictImportRefused(CatalogImportError):
    """--strict and at least one bad row: nothing was written."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"有 {len(errors)} 行无法导入，按 --strict 要求未写入任何数据。")
        self.errors = errors


class InvalidRow(ValueError):
    """One row that cannot become a resource; the message says why."""


@dataclass(frozen=True)
class RowError:
    """A bad row: where it is and what is wrong with it."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"第 {self.line} 行：{self.message}"


@dataclass
class ImportSummary:
    """What an import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    index_repaired: int = 0

    @property
    def total(self) -> int:
        """Rows read."""
        return self.created + self.updated + self.unchanged + self.skipped

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.skipped} skipped"
        )


# --- reading files -------------------------------------------------------------------------

def _check_bytes(path: Path) -> None:
    """Refuse empty, binary and non-UTF-8 files before anything is parsed."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    has_text = False
    try:
        with path.open("rb") as stream:
            offset = 0
            while chunk := stream.read(SCAN_CHUNK):
                if b"\x00" in chunk:
                    raise UnusableFile(f"{path.name} 是二进制文件，不是 CSV 或 JSON Lines。")
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError as error:
                    raise UnusableFile(
                        f"{path.name} 不是 UTF-8 编码（第 {offset + error.start + 1} 字节），"
                        "请另存为 UTF-8 后再导入。"
                    ) from None
                has_text = has_text or bool(text.strip().lstrip("\ufeff").strip())
                offset += len(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise UnusableFile(f"{path.name} 不是 UTF-8 编码（结尾不完整），请另存为 UTF-8。") from None
    except OSError as error:
        raise UnusableFile(f"无法读取 {path}：{error.strerror or error}") from None
    if not has_text:
        raise UnusableFile(f"{path.name} 是空文件。")


def _text_lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        yield from stream


def detect_format(path: Path) -> str:
    """csv or jsonl: by extension, else by the first non-blank character."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    for line in _text_lines(path):
        if line.strip():
            return "jsonl" if line.lstrip().startswith("{") else "csv"
    return "csv"


def _csv_rows(path: Path) -> Iterator[tuple[int, dict]]:
    csv.field_size_limit(max(csv.field_size_limit(), MAX_CSV_FIELD))
    reader = csv.reader(_text_lines(path))
    try:
        header = next(reader, None)
        columns = [name.strip().lower() for name in header or ()]
        if "title" not in columns:
            raise UnusableFile(f"{path.name} 的表头缺少 title 列（第一行必须是列名）。")
        start = reader.line_num + 1
        for values in reader:
            line, start = start, reader.line_num + 1
            if not any(value.strip() for value in values):
                continue
            if len(values) > len(columns):
                yield line, {"__error__": f"有 {len(values)} 列，多于表头的 {len(columns)} 列。"}
                continue
            yield line, dict(zip(columns, values, strict=False))  # short rows: missing cells
    except csv.Error as error:
        raise UnusableFile(f"{path.name} 不是有效的 CSV（第 {reader.line_num} 行）：{error}") from None


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict]]:
    for line_number, line in enumerate(_text_lines(path), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            yield line_number, {"__error__": "不是有效的 JSON。"}
            continue
        if not isinstance(value, dict):
            yield line_number, {"__error__": "每行必须是一个 JSON 对象。"}
            continue
        yield line_number, {str(key).strip().lower(): item for key, item in value.items()}


def read_rows(path: Path) -> Iterator[tuple[int, dict]]:
    """Yield (line number, raw row) from a CSV or JSON Lines file, streamed."""
    return _jsonl_rows(path) if detect_format(path) == "jsonl" else _csv_rows(path)


def unknown_columns(path: Path) -> list[str]:
    """Columns of a CSV header that the importer ignores (empty for JSON Lines)."""
    if detect_format(path) != "csv":
        return []
    header = next(csv.reader(_text_lines(path)), [])
    return [name for name in (c.strip().lower() for c in header) if name not in KNOWN_COLUMNS]


# --- validating rows ----------------------------------------------------------------------

def _text(row: dict, name: str) -> str:
    value = row.get(name)
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        raise InvalidRow(f"{name} 必须是文本。")
    text = str(value).strip()
    limit = MAX_LENGTHS.get(name)
    if limit and len(text) > limit:
        raise InvalidRow(f"{name} 太长（最多 {limit} 个字符）。")
    return text


def _kind(row: dict) -> str:
    kind = _text(row, "kind")
    if kind:
        kind = KIND_NAMES.get(kind, kind.lower())
        if kind not in RESOURCE_KINDS:
            raise InvalidRow(f"未知的类型“{kind}”，可用：{'、'.join(RESOURCE_KINDS)}。")
        return kind
    resource_type = _text(row, "resource_type")
    if resource_type:
        kind = RESOURCE_TYPE_KINDS.get(resource_type) or KIND_NAMES.get(resource_type)
        if kind is None:
            raise InvalidRow(f"未知的资源类型“{resource_type}”。")
        return kind
    return "link" if _text(row, "url") else "article"


def _grade_and_stage(row: dict) -> tuple[int | None, str | None]:
    raw_grade = row.get("grade")
    grade = parse_grade(raw_grade)
    if grade is None and raw_grade not in (None, "") and str(raw_grade).strip():
        raise InvalidRow(f"年级“{raw_grade}”超出范围（1–12 或 一年级…高三）。")
    stage = _text(row, "stage") or None
    if stage and stage not in STAGES:
        raise InvalidRow(f"未知的学段“{stage}”，可用：{'、'.join(STAGES)}。")
    if grade and stage and grade not in STAGE_GRADES[stage]:
        raise InvalidRow(f"年级 {grade} 不属于学段“{stage}”。")
    return grade, stage or stage_for_grade(grade)


def _subject(row: dict) -> str | None:
    name = _text(row, "subject")
    if not name:
        return None
    subject = canonical_subject(name)
    if subject is None:
        raise InvalidRow(f"未知的学科“{name}”。")
    return subject


def is_web_url(url: str | None) -> bool:
    """Whether a URL is an absolute http(s) address without spaces."""
    if not url:
        return False
    parts = urlsplit(url)
    return (
        parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
        and not any(char.isspace() for char in url)
    )


def _url(row: dict, name: str) -> str | None:
    # Catalog URLs may hold a raw space (an image file name); encode it as browsers do.
    url = _text(row, name).replace(" ", "%20")
    if not url:
        return None
    if not is_web_url(url):
        raise InvalidRow(f"{name} 必须是 http:// 或 https:// 开头的完整网址，且不含空格。")
    return url


def parse_tags(value) -> list[str]:
    """Tags from a list or a string separated by , ，、 or |; trimmed, unique, in order."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        items = [str(item) for item in value if not isinstance(item, (dict, list))]
    elif isinstance(value, str):
        items = TAG_SEPARATORS.split(value)
    else:
        raise InvalidRow("tags 必须是文本或文本列表。")
    tags = list(dict.fromkeys(tag.strip() for tag in items if tag.strip()))
    if len(tags) > MAX_TAGS or any(len(tag) > MAX_TAG_LENGTH for tag in tags):
        raise InvalidRow(f"标签最多 {MAX_TAGS} 个，每个最多 {MAX_TAG_LENGTH} 个字符。")
    return tags


def _topic_id(row: dict, topics: dict[str, int]) -> int | None:
    name = _text(row, "topic")
    if not name:
        return None
    if name not in topics:
        raise InvalidRow(f"未知的专题“{name}”（填专题的 slug 或名称）。")
    return topics[name]


def _external_id(row: dict, values: dict) -> str:
    external_id = _text(row, "external_id")
    if external_id:
        return external_id
    # No id given: derive a stable one, so importing the same file again stays idempotent.
    key = "|".join(str(values[name] or "") for name in ("title", "stage", "grade", "subject",
                                                         "edition", "volume", "kind"))
    return "auto-" + hashlib.sha1(key.encode()).hexdigest()[:20]


def validate_row(row: dict, topics: dict[str, int], source: str | None = None) -> dict:
    """Turn one raw row into Resource field values; raise InvalidRow with the reason.

    row: column name -> value (CSV text, or JSON values).
    topics: topic slug and name -> topic id.
    source: the --source name, which overrides the row's source column.
    """
    if "__error__" in row:
        raise InvalidRow(row["__error__"])
    title = _text(row, "title")
    if not title:
        raise InvalidRow("缺少标题（title）。")
    if "\n" in title or "\r" in title:
        raise InvalidRow("标题不能换行（是否有没闭合的引号？）。")
    grade, stage = _grade_and_stage(row)
    values = {
        "title": title,
        "summary": _text(row, "summary"),
        "body": _text(row, "body"),
        "kind": _kind(row),
        "stage": stage,
        "grade": grade,
        "subject": _subject(row),
        "edition": _text(row, "edition") or None,
        "volume": _text(row, "volume") or None,
        "school_type": _text(row, "school_type") or None,
        "resource_type": _text(row, "resource_type") or None,
        "topic_id": _topic_id(row, topics),
        "tags": parse_tags(row.get("tags")),
        "url": _url(row, "url"),
        "cover_url": _url(row, "cover_url"),
        "is_demo": row.get("is_demo") is True,
    }
    values["source"] = source or _text(row, "source") or DEFAULT_SOURCE
    values["external_id"] = _external_id(row, values)
    values["content_hash"] = content_hash(values)
    return values


def content_hash(values: dict) -> str:
    """A fingerprint of the imported fields, to tell unchanged rows apart."""
    data = json.dumps([values[name] for name in HASHED_FIELDS], ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()


def topic_lookup() -> dict[str, int]:
    """Topic slug and name -> id, for resolving the topic column."""
    lookup = {}
    for topic_id, slug, name in db.session.execute(select(Topic.id, Topic.slug, Topic.name)):
        lookup[slug] = lookup[name] = topic_id
    return lookup


# --- writing ------------------------------------------------------------------------------

def _key_filter(batch: list[dict]):
    """WHERE the (source, external_id) of a row is in batch, by the unique index.

    One `source = ? AND external_id IN (…)` per source: SQLite answers a row-value
    `(source, external_id) IN (…)` by scanning the whole table, once per batch, which made an
    import of 100,000 rows quadratic (0.1 s a batch at the end, twice for a re-import).
    """
    by_source: dict[str, list[str]] = {}
    for values in batch:
        by_source.setdefault(values["source"], []).append(values["external_id"])
    return or_(*(and_(Resource.source == source, Resource.external_id.in_(external_ids))
                 for source, external_ids in by_source.items()))


def _existing(batch: list[dict]) -> dict[tuple[str, str], Resource]:
    if not batch:
        return {}
    query = select(Resource).where(_key_filter(batch))
    return {(r.source, r.external_id): r for r in db.session.scalars(query)}


def _existing_hashes(batch: list[dict]) -> dict[tuple[str, str], str]:
    query = select(Resource.source, Resource.external_id, Resource.content_hash).where(
        _key_filter(batch)
    )
    return {(source, external_id): digest
            for source, external_id, digest in db.session.execute(query)}


class InsertedRow:
    """A resource a Core INSERT wrote, with the attributes its search document reads."""

    kind_label = Resource.kind_label

    def __init__(self, resource_id: int, values: dict, topic: Topic | None):
        self.__dict__.update(values, id=resource_id, topic=topic, view_count=0)


def _insert_new(rows: list[dict], now) -> None:
    """Insert new rows with one executemany INSERT … RETURNING; index them after the commit.

    The ORM-enabled insert(Resource) applies the column defaults (created_at, updated_at,
    view_count…) and still reaches the cache's bulk-statement hook; no flush sees the rows, so
    their search documents are handed to the search hooks here, built from the values.
    """
    params = [{**values, "status": ResourceStatus.PUBLISHED, "published_at": now}
              for values in rows]
    # render_nulls: rows with None in different columns stay one statement (none of those
    # columns has a default that a NULL would skip).
    statement = (insert(Resource).returning(Resource.id, sort_by_parameter_order=True)
                 .execution_options(render_nulls=True))
    ids = db.session.scalars(statement, params).all()
    if not engine.is_enabled():
        return
    topic_ids = {values["topic_id"] for values in params} - {None}
    topics = ({t.id: t for t in db.session.scalars(select(Topic).where(Topic.id.in_(topic_ids)))}
              if topic_ids else {})
    remember_inserted(db.session, "resource", [
        InsertedRow(resource_id, values, topics.get(values["topic_id"]))
        for resource_id, values in zip(ids, params, strict=True)
    ])


def _can_insert_many() -> bool:
    dialect = db.session.get_bind(mapper=Resource.__mapper__).dialect
    return bool(dialect.insert_executemany_returning_sort_by_parameter_order)


def write_batch(batch: list[dict], summary: ImportSummary) -> None:
    """Create or update the resources of one batch and commit once."""
    hashes = _existing_hashes(batch)
    changed = [v for v in batch if hashes.get((v["source"], v["external_id"])) != v["content_hash"]]
    summary.unchanged += len(batch) - len(changed)
    existing = _existing([v for v in changed if (v["source"], v["external_id"]) in hashes])
    now = utcnow()
    new = [v for v in changed if (v["source"], v["external_id"]) not in existing]
    for values in changed:
        resource = existing.get((values["source"], values["external_id"]))
        if resource is not None:
            for name, value in values.items():
                setattr(resource, name, value)
    if new and _can_insert_many():
        _insert_new(new, now)
    else:
        db.session.add_all(Resource(status=ResourceStatus.PUBLISHED, published_at=now, **values)
                           for values in new)
    summary.created += len(new)
    summary.updated += len(changed) - len(new)
    db.session.commit()


def upsert(
    rows: Iterable[dict], summary: ImportSummary, *, batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Write validated rows (from validate_row) in batches; count what happened in summary."""
    batch: list[dict] = []
    for values in rows:
        batch.append(values)
        if len(batch) >= batch_size:
            write_batch(batch, summary)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        write_batch(batch, summary)
        if progress:
            progress(len(batch))
    return summary


def _validated(path: Path, topics: dict, source: str | None, errors: list[RowError] | None):
    """Yield the good rows' values; bad rows (and repeats of a key) go to errors if given."""
    seen: dict[tuple[str, str], int] = {}
    for line, row in read_rows(path):
        try:
            values = validate_row(row, topics, source)
            key = (values["source"], values["external_id"])
            if key in seen:
                raise InvalidRow(f"external_id“{key[1]}”与第 {seen[key]} 行重复。")
        except InvalidRow as error:
            if errors is not None:
                errors.append(RowError(line, str(error)))
            continue
        seen[key] = line
        yield values


def _check(path: Path, source: str | None, keep: bool) -> tuple[list[dict] | None, int, list]:
    """Validate the whole file: (the good rows' values if keep, else None; their number; bad rows)."""
    if not path.is_file():
        raise UnusableFile(f"找不到文件 {path}。")
    _check_bytes(path)
    errors: list[RowError] = []
    rows = _validated(path, topic_lookup(), source, errors)
    if keep:
        kept = list(rows)
        return kept, len(kept), errors
    return None, sum(1 for _ in rows), errors


def check_file(path: str | Path, *, source: str | None = None) -> tuple[int, list[RowError]]:
    """Read the whole file without writing: (number of good rows, bad rows).

    Raises UnusableFile when the file cannot be imported at all.
    """
    _, good, errors = _check(Path(path), source, keep=False)
    return good, errors


def _handed_out(rows: list[dict]) -> Iterator[dict]:
    # Each row leaves the list as it is written, so a big file's rows are not all kept to the end.
    rows.reverse()
    while rows:
        yield rows.pop()


def import_file(
    path: str | Path, *, source: str | None = None, strict: bool = False,
    batch_size: int = BATCH_SIZE, progress: Callable[[int], None] | None = None,
    on_checked: Callable[[int], None] | None = None,
    on_indexing: Callable[[], None] | None = None,
) -> ImportSummary:
    """Import resources from a CSV or JSON Lines file; bad rows are skipped and listed.

    path: the file.
    source: overrides the source column of every row (default: the column, else "hplearn").
    strict: write nothing (raise StrictImportRefused) when any row is bad.
    progress: called with the number of rows written after each batch.
    on_checked: called with the number of good rows once the file has been checked.
    on_indexing: called when every row is written and the search index is being finished.
    Raises UnusableFile when the file cannot be imported at all.
    """
    path = Path(path)
    keep = path.is_file() and path.stat().st_size <= KEEP_CHECKED_BYTES
    kept, good, errors = _check(path, source, keep)
    if strict and errors:
        raise StrictImportRefused(errors)
    if on_checked:
        on_checked(good)
    summary = ImportSummary(
        skipped=len(errors), errors=errors, ignored_columns=unknown_columns(path)
    )
    rows = _handed_out(kept) if kept is not None else _validated(path, topic_lookup(), source, None)
    try:
        with bulk_indexing(db.session, expected=good):
            upsert(rows, summary, batch_size=batch_size, progress=progress)
            if on_indexing:
                on_indexing()
    except Exception:
        db.session.rollback()
        raise
    summary.index_repaired = repair_search_index()
    return summary


def repair_search_index() -> int:
    """Index the published resources the search index lacks and drop those it should not hold
    (after an import that was killed between its commits and their indexing); return how many."""
    if not engine.is_enabled():
        return 0
    try:
        return repair_index(["resource"])
    except IndexUnavailable as error:
        engine.record_problem(str(error))
        return 0
