"""Domain errors. The web layer maps them to HTTP statuses; messages are safe to show users.

Each error has a stable ``code`` (what programs read; the class gives a default) and a message in
the reader's language (``processes.messages.t``); ``errors`` lists the fields concerned as
``{"field", "code", "message"}``.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, errors: list[dict[str, Any]] | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        if code is not None:
            self.code = code


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Invalid(DomainError):
    """Input that does not satisfy the form or the rules: ``errors`` = [{field, message}]."""

    status = 422
    code = "invalid"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
