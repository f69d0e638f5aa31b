"""X-Request-Id: echoed when it is 1-128 characters of [A-Za-z0-9._-], else a fresh UUID v4.

The current id lives in a context variable so problem details and every log line written
while handling the request can name it.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

VALID_REQUEST_ID = re.compile(rb"[A-Za-z0-9._-]{1,128}")
HEADER = b"x-request-id"

current_request_id: ContextVar[str] = ContextVar("request_id", default="")


def choose_request_id(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == HEADER and VALID_REQUEST_ID.fullmatch(value):
            return value.decode("ascii")
    return str(uuid.uuid4())
