"""Form bases: JSON bodies read as text fields; messages in Simplified Chinese; shared fields."""

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from werkzeug.datastructures import ImmutableMultiDict
from wtforms import SelectMultipleField
from wtforms.meta import DefaultMeta
from wtforms.widgets import CheckboxInput, ListWidget


class HplearnForm(FlaskForm):
    """A form that takes from a JSON body only its text values.

    Flask-WTF hands a JSON body to the fields as it is, so a number or a nested list reached
    validators that expect text (a TypeError, a 500). Here other values are left out, and
    the form answers as for a missing field.
    """

    class Meta:
        def wrap_formdata(self, form, formdata):
            """The request's form, or a JSON body's text values."""
            if formdata is _Auto and request.is_json and not request.form and not request.files:
                return _text_values(request.get_json(silent=True)) if form.is_submitted() else None
            return super().wrap_formdata(form, formdata)


def _text_values(data) -> ImmutableMultiDict:
    if not isinstance(data, dict):
        return ImmutableMultiDict()
    pairs = []
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                pairs.append((key, item))
    return ImmutableMultiDict(pairs)


class ChineseForm(HplearnForm):
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
