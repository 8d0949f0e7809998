"""The request class: bodies read up to their route's limit; unnamed form parts dropped; a
malformed JSON body is refused in Chinese."""

from flask import Request, current_app
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.utils import cached_property
from werkzeug.wsgi import get_input_stream

from hplearn.bodylimits import BoundedStream, body_limit

BAD_JSON = "请求的 JSON 内容格式有误（或嵌套太深），请检查后重试。"


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

    @cached_property
    def stream(self):
        """The body; one sent without Content-Length is an error past the limit, not cut short.

        (Werkzeug's own stream for such a body ends quietly at the limit, so a reader gets
        the first bytes of a truncated body.)
        """
        limit = self.max_content_length
        if (self.content_length is None and limit is not None and not self.shallow
                and self.environ.get("wsgi.input_terminated")):
            return BoundedStream(self.environ["wsgi.input"], limit)
        return get_input_stream(self.environ, max_content_length=limit)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        for attribute in ("form", "files"):
            values = self.__dict__.get(attribute)
            if values is not None and None in values:
                self.__dict__[attribute] = ImmutableMultiDict(
                    (key, value) for key, value in values.items(multi=True) if key is not None
                )

    def on_json_loading_failed(self, e: ValueError | None):
        """A body that is not JSON (or nests too deep): 400 with a Chinese message."""
        if e is None:
            return super().on_json_loading_failed(e)  # not declared as JSON: Flask's 415
        raise BadRequest(BAD_JSON)
