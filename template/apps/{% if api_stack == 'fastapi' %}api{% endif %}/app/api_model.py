"""Base classes for request and response bodies.

Requests forbid unknown fields (400 naming them, never silently dropped); both sides use the
camelCase names of the HTTP contract while Python code keeps snake_case.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic.alias_generators import to_camel


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, validate_by_name=False)

    @field_validator("*")
    @classmethod
    def no_nul_character(cls, value: object) -> object:
        # PostgreSQL text cannot hold U+0000: a 400 naming the field, not a 500 from the driver.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain the NUL character (U+0000)")
        return value


class ResponseModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True, from_attributes=True)
