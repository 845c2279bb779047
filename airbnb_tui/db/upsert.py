"""One upsert helper for SQLite and PostgreSQL (INSERT … ON CONFLICT DO UPDATE)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

# SQLite allows 32766 bound parameters per statement; PostgreSQL 65535. Stay well under both.
_MAX_PARAMS = 30_000


def upsert(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    update_columns: Sequence[str] | None = None,
) -> int:
    """Insert ``rows`` into ``table``, updating rows whose primary key already exists.

    Every row must carry the same keys. Returns how many rows were written. A re-run with the same
    keys never duplicates a row; it replaces the values.
    """
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        insert: Any = postgresql.insert
    elif dialect == "sqlite":
        insert = sqlite.insert
    else:  # pragma: no cover - only the two supported backends are configured
        raise NotImplementedError(f"upsert is not implemented for {dialect}")

    key_columns = [c.name for c in table.primary_key.columns]
    columns = list(rows[0].keys())
    updates = [c for c in (update_columns or columns) if c not in key_columns and c in table.c]
    per_row = max(1, len(columns))
    batch = max(1, _MAX_PARAMS // per_row)
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        stmt = insert(table).values(list(chunk))
        if updates:
            stmt = stmt.on_conflict_do_update(
                index_elements=key_columns,
                set_={name: stmt.excluded[name] for name in updates},
            )
        else:
            stmt = stmt.on_conflict_do_nothing(index_elements=key_columns)
        session.execute(stmt)
    return len(rows)
