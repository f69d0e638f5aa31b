"""Bodies of /auth/*.

Passwords and tokens are left out of the models' repr (repr=False): a log line, a traceback
or an error report that prints a body never shows them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from app.api_model import RequestModel, ResponseModel

# Deliberately simple: one "@" with text around it and a dot in the domain. Deliverability is
# proven by a confirmation mail, not a regular expression.
Email = Annotated[str, Field(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class Credentials(RequestModel):
    email: Email
    password: Annotated[str, Field(min_length=12, max_length=128, repr=False)]


class LoginRequest(RequestModel):
    email: Annotated[str, Field(min_length=1, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=128, repr=False)]


class RefreshRequest(RequestModel):
    refresh_token: Annotated[str, Field(min_length=1, max_length=512, repr=False)]


class TokenPair(ResponseModel):
    access_token: Annotated[str, Field(repr=False)]
    refresh_token: Annotated[str, Field(repr=False)]
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - a scheme name, no secret
    expires_in: int
