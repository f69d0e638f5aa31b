"""Secrets from files: NAME_FILE names a file holding NAME's value (the `*_FILE` convention).

On the server every secret comes this way (compose mounts it at /run/secrets/...), so no
secret sits in the container's environment, which `docker inspect` and anything reading the
Docker API would show. Local development keeps plain variables (`.env`). Any field declared
`SecretStr` of a SecretFilesSettings class may come from a file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource


class SecretFileError(ValueError):
    """A NAME_FILE that cannot give NAME's value; the message names both and the path."""


def read_secret_file(variable: str, path: str) -> str:
    """The value in `path` for `variable`, without the line end an editor adds."""
    try:
        value = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SecretFileError(f"{variable}_FILE: {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SecretFileError(f"{variable}_FILE: cannot read {path} ({error})") from None
    value = value.removesuffix("\n").removesuffix("\r")
    if not value:
        raise SecretFileError(f"{variable}_FILE: {path} is empty")
    return value


class SecretFilesSource(PydanticBaseSettingsSource):
    """Each `SecretStr` field's value from the file its NAME_FILE variable names."""

    def __init__(
        self, settings_cls: type[BaseSettings], environ: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(settings_cls)
        self.environ = os.environ if environ is None else environ

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        # Unused: __call__ reads every field at once (the base class requires the method).
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            variable = name.upper()
            path = self.environ.get(f"{variable}_FILE")
            if field.annotation is not SecretStr or path is None:
                continue
            # Two sources for one secret: which one wins would be a guess.
            if variable in self.environ:
                raise SecretFileError(
                    f"{variable} and {variable}_FILE are both set: set only one of them"
                )
            values[name] = read_secret_file(variable, path)
        return values


class SecretFilesSettings(BaseSettings):
    """Settings whose `SecretStr` fields may come from NAME_FILE (app/config.py, and the
    migrations' settings)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # NAME_FILE comes after the environment (which may not also set NAME) and before
        # `.env`, which only fills in for local development. pydantic-settings' own
        # secrets_dir source (file_secret_settings) is left out: it reads files named after
        # the fields from one folder, and would not refuse NAME and NAME_FILE together.
        return (init_settings, env_settings, SecretFilesSource(settings_cls), dotenv_settings)
