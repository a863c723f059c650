"""Schema pieces every API view shares: the error bodies and their documented responses."""

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    name="Error",
    fields={"detail": serializers.CharField()},
)
ValidationErrorSerializer = inline_serializer(
    name="ValidationError",
    fields={
        "detail": serializers.CharField(),
        "errors": serializers.DictField(
            child=serializers.CharField(), help_text="One message per field."
        ),
    },
)

_ERRORS = {
    400: OpenApiResponse(
        ValidationErrorSerializer,
        description="A parameter is malformed or unknown; `errors` says which and why.",
        examples=[
            OpenApiExample(
                "Unknown code",
                value={
                    "detail": "Invalid input.",
                    "errors": {"municipality": "GM9999 is not a known municipality code."},
                },
                status_codes=["400"],
            )
        ],
    ),
    401: OpenApiResponse(ErrorSerializer, description="Authentication needed."),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed for this user."),
    404: OpenApiResponse(
        ErrorSerializer,
        description="No such resource (or not visible to you).",
        examples=[
            OpenApiExample("Not found", value={"detail": "Not found."}, status_codes=["404"])
        ],
    ),
    429: OpenApiResponse(
        ErrorSerializer,
        description="Too many requests; the `Retry-After` header says how many seconds to wait.",
        examples=[
            OpenApiExample(
                "Throttled",
                value={"detail": "Request was throttled. Expected available in 42 seconds."},
                status_codes=["429"],
            )
        ],
    ),
}


def error_responses(*codes: int) -> dict[int, OpenApiResponse]:
    """The documented error responses for the given status codes (429 is always added)."""
    return {code: _ERRORS[code] for code in (*codes, 429)}
