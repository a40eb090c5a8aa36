"""Domain errors. Each carries a stable code, a Chinese message for people and an English one for APIs."""

from __future__ import annotations


class CareError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message_zh: str, message_en: str, **details: object) -> None:
        super().__init__(message_en)
        self.message_zh = message_zh
        self.message_en = message_en
        self.details = details

    def to_dict(self) -> dict[str, object]:
        return {"error": self.code, "message": self.message_zh, "message_en": self.message_en, **self.details}


class Invalid(CareError):
    status = 422
    code = "invalid"


class NotFound(CareError):
    status = 404
    code = "not_found"


class Forbidden(CareError):
    status = 403
    code = "forbidden"


class Full(CareError):
    status = 409
    code = "full"


class TooLate(CareError):
    status = 409
    code = "too_late"


class IllegalTransition(CareError):
    status = 409
    code = "illegal_transition"


class Busy(CareError):
    """Another staff member is changing the same order right now."""

    status = 409
    code = "busy"


class Duplicate(CareError):
    """The elder already has an open order for the same service, day and window."""

    status = 409
    code = "duplicate"
