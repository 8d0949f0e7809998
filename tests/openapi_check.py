"""Check API responses against docs/openapi.yaml (the published description of /api/v1)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SPEC_PATH = Path(__file__).resolve().parent.parent / "docs" / "openapi.yaml"


@cache
def openapi():
    """The parsed and validated OpenAPI document."""
    from openapi_core import OpenAPI

    return OpenAPI.from_file_path(str(SPEC_PATH))


def assert_matches_spec(response) -> None:
    """Fail unless a test-client response (and its request) is what the document describes."""
    from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse

    class SentRequest(WerkzeugOpenAPIRequest):
        # The app has read the body already; only the path and method matter here.
        body = b""

    request = SentRequest(response.request)
    openapi().validate_response(request, WerkzeugOpenAPIResponse(response))


def checked(response, status: int):
    """Assert the status and that the response is what the document describes; its JSON."""
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert_matches_spec(response)
    return response.get_json()


def documented_paths() -> set[str]:
    """The paths the document describes, in Flask's rule syntax (/resources/<id>)."""
    paths = openapi().spec / "paths"
    # Iterating a SchemaPath yields sub-paths ("paths#/search"); its keys are the names.
    names = paths.keys()
    return {"/api/v1" + str(name).replace("{", "<").replace("}", ">") for name in names}
