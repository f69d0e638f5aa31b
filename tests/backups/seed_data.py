"""Data with the awkward parts of real data, changes to it, and a table-by-table picture."""

from __future__ import annotations

import psycopg
from psycopg import sql

SEED = """
CREATE TABLE customers (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    email text UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE orders (
    id bigserial PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES customers (id),
    total numeric(12, 2),
    items jsonb,
    paid boolean,
    ratio double precision
);
-- No primary key: restores must not depend on one.
CREATE TABLE events (payload bytea, happened_at timestamp, tags text[]);
CREATE SCHEMA audit;
CREATE TABLE audit."Log Entries" (at timestamptz, line text);
CREATE TABLE empty_table (x integer);

INSERT INTO customers (name, email, created_at)
SELECT CASE g % 4
         WHEN 0 THEN 'Grüße aus Köln 🚢 ' || g
         WHEN 1 THEN E'tab\\there, newline\\nthere ' || g
         WHEN 2 THEN 'quote '' and backslash \\ ' || g
         ELSE 'plain ' || g
       END,
       CASE WHEN g % 7 = 0 THEN NULL ELSE 'user' || g || '@example.com' END,
       timestamptz '2026-01-01 00:00:00+00' + g * interval '37 minutes'
  FROM generate_series(1, 2000) AS g;
INSERT INTO orders (customer_id, total, items, paid, ratio)
SELECT 1 + g % 2000, (g * 3.17)::numeric(12, 2),
       jsonb_build_object('sku', 'SKU-' || g, 'qty', g % 5, 'tags', jsonb_build_array('a', g)),
       CASE g % 3 WHEN 0 THEN NULL WHEN 1 THEN true ELSE false END,
       g / 7.0
  FROM generate_series(1, 5000) AS g;
INSERT INTO events
SELECT decode(md5(g::text), 'hex'), timestamp '2026-02-01' + g * interval '1 second',
       ARRAY['x' || g, NULL, 'y']
  FROM generate_series(1, 3000) AS g;
INSERT INTO audit."Log Entries"
SELECT now() - g * interval '1 hour', repeat('log line ', g % 20) FROM generate_series(1, 500) AS g;
"""

# Every kind of change a restore has to undo.
CHANGES = """
UPDATE customers SET name = 'changed' WHERE id % 10 = 0;
DELETE FROM orders WHERE id > 4000;
INSERT INTO orders (customer_id, total) SELECT 1, 9.99 FROM generate_series(1, 300);
TRUNCATE events;
DROP TABLE audit."Log Entries";
CREATE TABLE created_after_backup (x integer);
INSERT INTO created_after_backup VALUES (1), (2);
INSERT INTO empty_table VALUES (42);
"""

TABLES = """
SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg_toast%'
 ORDER BY 1, 2
"""


def execute(url: str, statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statements)


def seed(url: str) -> None:
    execute(url, SEED)


def change(url: str) -> None:
    execute(url, CHANGES)


def contents(url: str) -> dict[str, list[str]]:
    """Every table's rows as text, sorted, plus each sequence's position."""
    picture: dict[str, list[str]] = {}
    with psycopg.connect(url) as conn:
        for schema, table in conn.execute(TABLES).fetchall():
            query = sql.SQL("SELECT t::text FROM {}.{} AS t").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
            picture[f"{schema}.{table}"] = sorted(row[0] for row in conn.execute(query))
        for name, position in conn.execute(
            "SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences"
        ).fetchall():
            picture[f"sequence {name}"] = [str(position)]
    return picture
