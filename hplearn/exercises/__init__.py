"""课后练习 that check themselves: single and multiple choice, true/false and fill-in-the-blank
items in a strict text format (docs/exercises.md), answered with instant feedback; students'
attempts are theirs alone, teachers see per-item correct rates ("<5" rule); staff search items
(the "exercise" search document type) to reuse them."""


def init_app(app) -> None:
    """The exercise pages and API and the "exercise" search type."""
    from hplearn.exercises import api, search_documents, views  # noqa: F401  (api: routes)

    app.register_blueprint(views.bp, url_prefix="/exercises")
