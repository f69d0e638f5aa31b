"""Base classes for request and response bodies.

Requests forbid unknown fields (400 naming them, never silently dropped); both sides use the
camelCase names of the HTTP contract while Python code keeps snake_case.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, validate_by_name=False)


class ResponseModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, from_attributes=True)
