"""A FlaskForm whose built-in validation messages are in Simplified Chinese, and shared fields."""

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.meta import DefaultMeta
from wtforms.widgets import CheckboxInput, ListWidget


class ChineseForm(FlaskForm):
    """Use WTForms' own zh translations (Flask-WTF would need Flask-Babel for them)."""

    class Meta:
        locales = ("zh_CN", "zh")

        def get_translations(self, form):
            """WTForms' bundled translations for the locales above."""
            return DefaultMeta.get_translations(self, form)


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a multiple choice (usable on a phone without JavaScript)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
