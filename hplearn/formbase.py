"""A FlaskForm whose built-in validation messages are in Simplified Chinese."""

from flask_wtf import FlaskForm
from wtforms.meta import DefaultMeta


class ChineseForm(FlaskForm):
    """Use WTForms' own zh translations (Flask-WTF would need Flask-Babel for them)."""

    class Meta:
        locales = ("zh_CN", "zh")

        def get_translations(self, form):
            """WTForms' bundled translations for the locales above."""
            return DefaultMeta.get_translations(self, form)
