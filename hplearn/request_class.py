"""The request class: forms whose parts cannot be named are read without those parts."""

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict


class HplearnRequest(Request):
    """A multipart part with a malformed name arrives under the name None, which extensions
    (Flask-WTF's CSRF check) cannot handle; such parts are dropped so the request gets a 4xx."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        for attribute in ("form", "files"):
            values = self.__dict__.get(attribute)
            if values is not None and None in values:
                self.__dict__[attribute] = ImmutableMultiDict(
                    (key, value) for key, value in values.items(multi=True) if key is not None
                )
