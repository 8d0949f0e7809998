"""Published exercise items as search documents (the "exercise" document type, staff only).

The item row carries everything its document needs (subject, grade, published), because
documents are built inside the session's flush. Only staff search this type: its documents
hold the answers.
"""

from __future__ import annotations

from sqlalchemy import select

from hplearn.exercises.models import KIND_LABELS, ExerciseItem
from hplearn.search import SearchDocument, register_document_type
from hplearn.vocab import grade_label

EXERCISE_FACETS = ("kind", "subject", "grade")


def exercise_document(item: ExerciseItem) -> SearchDocument:
    """An item as plain search data: its stem, options and explanation."""
    return SearchDocument(
        id=item.id,
        title=item.stem[:200],
        body="\n".join([*item.options, item.explanation]),
        keywords=" ".join(w for w in (KIND_LABELS.get(item.kind), item.stage, item.subject,
                                      grade_label(item.grade)) if w),
        fields={"kind": item.kind, "subject": item.subject,
                "grade": str(item.grade) if item.grade else None, "stage": item.stage},
    )


def published_items_query():
    """The rows a full reindex reads."""
    return select(ExerciseItem).where(ExerciseItem.published.is_(True)).order_by(ExerciseItem.id)


register_document_type(
    "exercise",
    ExerciseItem,
    exercise_document,
    lambda item: bool(item.published),
    rebuild_query=published_items_query,
    facets=EXERCISE_FACETS,
    ignored_attributes=("line", "position"),
)
