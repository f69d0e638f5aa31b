"""The public view of a user: never the password hash."""

from __future__ import annotations

import uuid
from datetime import datetime

from app.api_model import ResponseModel


class UserOut(ResponseModel):
    id: uuid.UUID
    email: str
    created_at: datetime
