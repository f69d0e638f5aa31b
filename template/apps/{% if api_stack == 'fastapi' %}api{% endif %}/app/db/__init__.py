"""PostgreSQL through SQLAlchemy 2 (async, asyncpg driver, pooled)."""
