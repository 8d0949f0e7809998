"""The request class: bodies read up to their route's limit; unnamed form parts dropped."""

from flask import Request, current_app
from werkzeug.datastructures import ImmutableMultiDict

from hplearn.bodylimits import body_limit


class HplearnRequest(Request):
    """A request whose body is read only up to its route's limit (hplearn.bodylimits).

    A multipart part with a malformed name arrives under the name None, which extensions
    (Flask-WTF's CSRF check) cannot handle; such parts are dropped so the request gets a 4xx.
    """

    @property
    def max_content_length(self) -> int | None:
        """The route's body limit: the stream stops there, even for a body sent chunked."""
        if self._max_content_length is not None or not current_app:
            return super().max_content_length
        return body_limit()

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._max_content_length = value

    def _load_form_data(self) -> None:
        super()._load_form_data()
        for attribute in ("form", "files"):
            values = self.__dict__.get(attribute)
            if values is not None and None in values:
                self.__dict__[attribute] = ImmutableMultiDict(
                    (key, value) for key, value in values.items(multi=True) if key is not None
                )
