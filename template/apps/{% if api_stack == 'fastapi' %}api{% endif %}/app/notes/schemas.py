"""Note bodies: what clients send and what they get back."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import Field

from app.api_model import RequestModel, ResponseModel

# Every number a client sends has bounds, declared in the OpenAPI document: an unbounded page
# once reached the database driver as an integer it could not hold (a 500, not a 400).
PAGE_MAX = 1_000_000
PAGE_SIZE_MAX = 100

Title = Annotated[str, Field(min_length=1, max_length=200)]
Body = Annotated[str, Field(max_length=10000)]


class NoteCreate(RequestModel):
    title: Title
    body: Body = ""


class NoteUpdate(RequestModel):
    title: Title | None = None
    body: Body | None = None


class NoteOut(ResponseModel):
    id: uuid.UUID
    title: str
    body: str
    created_at: datetime
    updated_at: datetime


class NotePage(ResponseModel):
    items: list[NoteOut]
    page: int
    page_size: int
    total: int
