"""Copier migration: list the template's new drizzle migrations in the project's journal.

    drizzle_journal.py TEMPLATE

drizzle's migrator applies only the migrations packages/database/migrations/meta/_journal.json
lists. That journal belongs to the team (copier.yml's `_skip_if_exists`: drizzle-kit rewrites
it with every migration the team generates), so an update brings a template migration's SQL
file and snapshot but not its journal entry. For each entry of the template's journal that
the project's lacks, and whose SQL file the project has, this appends the entry with the
next `idx` and a `when` later than every entry before it: drizzle applies only migrations
newer than the last one a database has applied, so an entry dated before the team's own
latest migration would be skipped without a word. copier.yml runs it after every update
of a NestJS project; a journal listing every template migration already is left as it is.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

MIGRATIONS = Path("packages/database/migrations")
JOURNAL = MIGRATIONS / "meta" / "_journal.json"
# The template folder's name is a Jinja expression: find it rather than spell it.
TEMPLATE_JOURNAL = "template/*/database/migrations/meta/_journal.json"


def template_entries(template: Path) -> list[dict[str, Any]]:
    found = sorted(template.glob(TEMPLATE_JOURNAL))
    if len(found) != 1:
        raise SystemExit(f"drizzle_journal: expected one {TEMPLATE_JOURNAL}, found {found}")
    entries: list[dict[str, Any]] = json.loads(found[0].read_text())["entries"]
    return entries


def main(template: str) -> None:
    if not JOURNAL.exists():
        return
    text = JOURNAL.read_text()
    journal = json.loads(text)
    entries: list[dict[str, Any]] = journal["entries"]
    listed = {entry["tag"] for entry in entries}
    added = []
    for entry in template_entries(Path(template)):
        if entry["tag"] in listed or not (MIGRATIONS / f"{entry['tag']}.sql").exists():
            continue
        latest = max((each["when"] for each in entries), default=0)
        entries.append({**entry, "idx": len(entries), "when": max(entry["when"], latest + 1)})
        added.append(entry["tag"])
    if added:
        # drizzle-kit's own layout: two-space indents, and the file's own final newline.
        ending = "\n" if text.endswith("\n") else ""
        JOURNAL.write_text(json.dumps(journal, indent=2) + ending)
        print(f"migration: {JOURNAL} lists the template's new migrations {', '.join(added)}")


if __name__ == "__main__":
    main(*sys.argv[1:])
