"""Alembic environment: runs migrations over asyncpg against DATABASE_URL.

Only DATABASE_URL is needed (from the environment, the file DATABASE_URL_FILE names, or .env
in the working directory), so a deploy can migrate before the API's other settings matter.
"""

import asyncio

from alembic import context
from pydantic import SecretStr
from pydantic_settings import SettingsConfigDict
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from app.db.engine import sqlalchemy_url
from app.db.models import Base
from app.secret_files import SecretFilesSettings


class MigrationSettings(SecretFilesSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: SecretStr


def run_migrations(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def migrate() -> None:
    url = MigrationSettings().database_url.get_secret_value()
    engine = create_async_engine(sqlalchemy_url(url))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported: run against DATABASE_URL")
asyncio.run(migrate())
