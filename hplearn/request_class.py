"""The request class: forms whose parts cannot be named are read without those parts; a
malformed JSON body is refused in Chinese."""

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest

BAD_JSON = "请求的 JSON 内容格式有误（或嵌套太深），请检查后重试。"


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

    def on_json_loading_failed(self, e: ValueError | None):
        """A body that is not JSON (or nests too deep): 400 with a Chinese message."""
        if e is None:
            return super().on_json_loading_failed(e)  # not declared as JSON: Flask's 415
        raise BadRequest(BAD_JSON)
