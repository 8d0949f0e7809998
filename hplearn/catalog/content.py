"""Loading content/: topics, platforms, starter resources and the textbook catalog.

Every file is read and checked before anything is written, so a malformed file leaves the
database as it was. Loading twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import select

from hplearn.catalog import importer
from hplearn.catalog.models import Platform, Topic
from hplearn.errors import DomainError
from hplearn.extensions import db
from hplearn.vocab import PLATFORM_LEVELS

DEMO_SOURCE = "hplearn-demo"
TOPIC_FIELDS = {"slug": str, "name": str, "summary": str, "description": str, "order": int}
PLATFORM_FIELDS = {
    "slug": str, "name": str, "url": (str, type(None)), "level": str, "needs_login": bool,
    "description": str, "order": int,
}
FRONT_MATTER_FENCE = "---"


class ContentError(DomainError):
    """A content file that cannot be loaded; the message names the file."""


@dataclass
class ContentSummary:
    """What load_content did."""

    topics: dict = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    platforms: dict = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    resources: importer.ImportSummary = field(default_factory=importer.ImportSummary)
    textbooks: importer.ImportSummary = field(default_factory=importer.ImportSummary)

    @property
    def changed(self) -> bool:
        """Whether anything was created or updated."""
        counts = [self.topics, self.platforms,
                  vars(self.resources), vars(self.textbooks)]
        return any(c["created"] or c["updated"] for c in counts)

    def __str__(self) -> str:
        def counts(c: dict) -> str:
            return f"{c['created']} created, {c['updated']} updated, {c['unchanged']} unchanged"

        return (
            f"topics: {counts(self.topics)}; platforms: {counts(self.platforms)}; "
            f"resources: {self.resources}; textbooks: {self.textbooks}"
        )


# --- reading -------------------------------------------------------------------------------

def _read_yaml(path: Path):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError(f"{path}: cannot read ({error})") from None
    except yaml.YAMLError as error:
        raise ContentError(f"{path}: invalid YAML ({error})") from None


def _check_fields(path: Path, index: int, entry, spec: dict, required: tuple) -> dict:
    if not isinstance(entry, dict):
        raise ContentError(f"{path}: entry {index} is not a mapping")
    unknown = set(entry) - set(spec)
    if unknown:
        raise ContentError(f"{path}: entry {index} has unknown keys: {', '.join(sorted(unknown))}")
    for name in required:
        if not entry.get(name):
            raise ContentError(f"{path}: entry {index} is missing '{name}'")
    for name, kinds in spec.items():
        if name in entry and not isinstance(entry[name], kinds):
            raise ContentError(f"{path}: entry {index}: '{name}' has the wrong type")
    return entry


def _read_list(path: Path, key: str, spec: dict, required: tuple) -> list[dict]:
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get(key), list):
        raise ContentError(f"{path}: expected a top-level '{key}:' list")
    entries = [_check_fields(path, i, e, spec, required) for i, e in enumerate(data[key], 1)]
    slugs = [entry["slug"] for entry in entries]
    if len(set(slugs)) != len(slugs):
        raise ContentError(f"{path}: a slug appears twice")
    return entries


def read_topics(path: Path) -> list[dict]:
    """The topics of topics.yaml, checked."""
    return _read_list(path, "topics", TOPIC_FIELDS, ("slug", "name"))


def read_platforms(path: Path) -> list[dict]:
    """The platforms of platforms.yaml, checked."""
    platforms = _read_list(path, "platforms", PLATFORM_FIELDS, ("slug", "name", "level"))
    for entry in platforms:
        if entry["level"] not in PLATFORM_LEVELS:
            raise ContentError(f"{path}: platform '{entry['slug']}' has an unknown level")
        if entry.get("url") and not importer.is_web_url(entry["url"]):
            raise ContentError(f"{path}: platform '{entry['slug']}' has a URL that is not http(s)")
    return platforms


def read_resource_file(path: Path) -> dict:
    """One Markdown resource: YAML front matter between --- lines, then the body."""
    try:
        text = path.read_text(encoding="utf-8").lstrip("\ufeff")
    except (OSError, UnicodeDecodeError) as error:
        raise ContentError(f"{path}: cannot read ({error})") from None
    lines = text.split("\n")
    if lines[0].strip() != FRONT_MATTER_FENCE or FRONT_MATTER_FENCE not in (
        line.strip() for line in lines[1:]
    ):
        raise ContentError(f"{path}: must start with YAML front matter between '---' lines")
    end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == FRONT_MATTER_FENCE)
    try:
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError as error:
        raise ContentError(f"{path}: invalid front matter ({error})") from None
    if not isinstance(meta, dict):
        raise ContentError(f"{path}: the front matter must be a mapping")
    row = {str(key).lower(): value for key, value in meta.items()}
    row["body"] = "\n".join(lines[end + 1:]).strip()
    row.setdefault("source", DEMO_SOURCE)
    row["is_demo"] = row.get("is_demo", True) is True
    row.setdefault("external_id", path.stem)
    return row


def read_resources(directory: Path, topics: dict[str, int]) -> list[dict]:
    """Every content/resources/*.md file, validated into Resource values."""
    resources, seen = [], {}
    for path in sorted(directory.glob("*.md")):
        try:
            values = importer.validate_row(read_resource_file(path), topics)
        except importer.InvalidRow as error:
            raise ContentError(f"{path}: {error}") from None
        key = (values["source"], values["external_id"])
        if key in seen:
            raise ContentError(f"{path}: external_id '{key[1]}' is also used by {seen[key]}")
        seen[key] = path.name
        resources.append(values)
    return resources


# --- writing -------------------------------------------------------------------------------

def _upsert_by_slug(model, entries: list[dict], fields: dict, counts: dict) -> None:
    existing = {row.slug: row for row in db.session.scalars(select(model))}
    for entry in entries:
        values = {("sort_order" if k == "order" else k): v for k, v in entry.items() if k in fields}
        values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
        row = existing.get(entry["slug"])
        if row is None:
            db.session.add(model(**values))
            counts["created"] += 1
        elif getattr(row, "edited_at", None) is not None:
            counts["unchanged"] += 1  # edited on the site: the admin's words win over the file
        elif any(getattr(row, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1


def _topic_ids(entries: list[dict]) -> dict[str, int]:
    # Before the topics are written, resources may only name topics of topics.yaml
    # or ones already in the database; the real ids are looked up after writing.
    known = importer.topic_lookup()
    for entry in entries:
        known.setdefault(entry["slug"], 0)
        known.setdefault(entry["name"], 0)
    return known


def load_content(content_dir, echo: Callable[[str], None] = print) -> ContentSummary:
    """Load content/ (topics, platforms, resources, textbooks); idempotent.

    content_dir: the folder holding topics.yaml, platforms.yaml, resources/ and textbooks/.
    echo: where progress lines go.
    Raises ContentError, naming the file, when a file is malformed; nothing is written then.
    """
    root = Path(content_dir)
    if not root.is_dir():
        raise ContentError(f"{root}: content folder not found")
    topics = read_topics(root / "topics.yaml") if (root / "topics.yaml").exists() else []
    platforms = (
        read_platforms(root / "platforms.yaml") if (root / "platforms.yaml").exists() else []
    )
    read_resources(root / "resources", _topic_ids(topics))
    textbook_files = sorted((root / "textbooks").glob("*.csv"))
    for path in textbook_files:
        _check_textbooks(path)

    summary = ContentSummary()
    _upsert_by_slug(Topic, topics, TOPIC_FIELDS, summary.topics)
    _upsert_by_slug(Platform, platforms, PLATFORM_FIELDS, summary.platforms)
    db.session.commit()
    echo(f"topics: {len(topics)}, platforms: {len(platforms)}")
    resources = read_resources(root / "resources", importer.topic_lookup())
    importer.upsert(resources, summary.resources)
    echo(f"resources: {summary.resources}")
    for path in textbook_files:
        result = importer.import_file(path, strict=True)
        for name in ("created", "updated", "unchanged", "skipped"):
            total = getattr(summary.textbooks, name) + getattr(result, name)
            setattr(summary.textbooks, name, total)
        echo(f"textbooks ({path.name}): {result}")
    return summary


def _check_textbooks(path: Path) -> None:
    try:
        _, errors = importer.check_file(path)
    except importer.UnusableFile as error:
        raise ContentError(f"{path}: {error}") from None
    if errors:
        raise ContentError(f"{path}: {len(errors)} bad rows, first: {errors[0]}")
