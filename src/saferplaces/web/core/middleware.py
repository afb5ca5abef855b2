"""API errors are always JSON, including those Django raises before the API's own handlers run."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIX = "/api/"
NOT_FOUND = "Not Found"


def too_large_message() -> str:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    return f"The request is too large. The limit is {limit // (1024 * 1024)} MB"


# Plain answers for errors whose page would otherwise be HTML.
REASONS = {
    400: "The request could not be read",
    403: "Your role does not allow this",
    404: NOT_FOUND,
    405: "This address does not accept that method",
    413: "",  # filled from the setting
    500: "Something went wrong on the server. It has been logged",
}


class ApiJsonErrorsMiddleware:
    """Under /api/: refuses an oversize body with 413 before anything reads it (Django would
    raise RequestDataTooBig and answer with the HTML 400 page), and turns any error page that is
    not JSON (an unknown address, a wrong method, a server error) into ``{"detail": ...}``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return JsonResponse({"detail": too_large_message()}, status=413)
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            detail = REASONS.get(response.status_code) or response.reason_phrase
            if response.status_code == 413:
                detail = too_large_message()
            json_response = JsonResponse({"detail": detail}, status=response.status_code)
            if response.has_header("Allow"):
                json_response["Allow"] = response["Allow"]
            return json_response
        return response
