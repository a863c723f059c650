"""drf-spectacular hooks: what every operation of the API shares, written into the schema."""

THROTTLED = "429"


def add_throttling_responses(
    result: dict, generator: object, request: object, public: bool
) -> dict:
    """Every operation documents 429 with its Retry-After header and the JSON error body."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["Throttled"] = {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    }
    components.setdefault("headers", {})["RetryAfter"] = {
        "description": "Seconds to wait before the next request.",
        "schema": {"type": "integer", "minimum": 0},
    }
    response = {
        "description": (
            "Too many requests: the rate for anonymous clients (per IP address) or for the "
            "user was exceeded. Wait the number of seconds in Retry-After."
        ),
        "headers": {"Retry-After": {"$ref": "#/components/headers/RetryAfter"}},
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Throttled"},
                "example": {"detail": "Request was throttled. Expected available in 42 seconds."},
            }
        },
    }
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method in {"get", "put", "post", "patch", "delete", "head", "options", "trace"}:
                documented = operation.setdefault("responses", {}).setdefault(THROTTLED, response)
                # A view may describe its own 429; the header is the same everywhere.
                documented.setdefault("headers", {}).setdefault(
                    "Retry-After", response["headers"]["Retry-After"]
                )
                documented.setdefault("content", response["content"])
    return result
