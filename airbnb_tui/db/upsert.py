"""One upsert helper for SQLite and PostgreSQL (INSERT … ON CONFLICT DO UPDATE).

A sync writes a few hundred rows per listing, every listing. The statement is compiled once per
table and column set and cached; each call then converts the rows with the columns' own bind
processors and hands them to the driver's ``executemany``. Through SQLAlchemy's per-row
parameter handling (or, worse, a multi-row VALUES clause compiled again on every call), the
Python side cost more than the database's work: see benchmarks/ingestion.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import Dialect, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

Processor = Callable[[Any], Any] | None


_MEMO_LIMIT = 4096
"""Converted values a plan remembers per column before it starts afresh."""


@dataclass(frozen=True)
class _Plan:
    """A compiled upsert: its SQL, and how to turn one row into the driver's parameters."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Processor, ...]
    memos: tuple[dict[Any, Any], ...]

    def parameters(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """The rows as the driver takes them (tuples in the statement's parameter order),
        converted a column at a time: only the columns whose type needs it (dates and times on
        SQLite, say) go through Python, once per distinct value."""
        if len(self.names) == 1:
            values = [(row[self.names[0]],) for row in rows]
        else:
            values = list(map(itemgetter(*self.names), rows))
        if any(self.processors):
            columns: list[Any] = list(zip(*values, strict=True))
            for index, processor in enumerate(self.processors):
                if processor is not None:
                    columns[index] = _convert(processor, columns[index], self.memos[index])
            values = list(zip(*columns, strict=True))
        return values


def _convert(
    processor: Callable[[Any], Any], column: Sequence[Any], memo: dict[Any, Any]
) -> list[Any]:
    """``processor`` over one column, calling it once per distinct value: a sync's rows share
    their ``synced_at``, and the same dates come back in every listing. ``memo`` carries
    conversions over from earlier calls (it is only ever read with ``get``, so a thread clearing
    it never breaks another's lookup)."""
    try:
        distinct = set(column)
    except TypeError:  # an unhashable value: convert every one
        return [processor(value) for value in column]
    if len(memo) > _MEMO_LIMIT:
        memo.clear()
    converted = {}
    for value in distinct:
        done = memo.get(value, memo)
        if done is memo:
            done = memo[value] = processor(value)
        converted[value] = done
    return list(map(converted.__getitem__, column))


@lru_cache(maxsize=64)
def _plan(
    dialect: Dialect, table: Table, columns: tuple[str, ...], updates: tuple[str, ...]
) -> _Plan:
    unknown = [name for name in columns if name not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {', '.join(unknown)}")
    if dialect.name == "postgresql":
        insert: Any = postgresql.insert
    elif dialect.name == "sqlite":
        insert = sqlite.insert
    else:  # pragma: no cover - only the two supported backends are configured
        raise NotImplementedError(f"upsert is not implemented for {dialect.name}")
    key_columns = [c.name for c in table.primary_key.columns]
    stmt = insert(table)
    if updates:
        stmt = stmt.on_conflict_do_update(
            index_elements=key_columns,
            set_={name: stmt.excluded[name] for name in updates},
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=key_columns)
    compiler = dialect
    if not dialect.positional:
        # Positional parameters (psycopg takes %s as well as %(name)s): the driver then gets
        # plain tuples and makes no name lookups.
        compiler = cast(Any, type(dialect))(paramstyle="format")
    compiled = stmt.compile(dialect=compiler, column_keys=list(columns))
    names = tuple(compiled.positiontup or ())
    if sorted(names) != sorted(columns):
        raise RuntimeError(f"unexpected parameters in the upsert into {table.name}")
    processors = tuple(
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    )
    memos: tuple[dict[Any, Any], ...] = tuple({} for _ in names)
    return _Plan(compiled.string, names, processors, memos)


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
    connection = session.connection()
    key_columns = {c.name for c in table.primary_key.columns}
    columns = tuple(rows[0].keys())
    updates = tuple(c for c in (update_columns or columns) if c not in key_columns and c in table.c)
    plan = _plan(connection.dialect, table, columns, updates)
    connection.exec_driver_sql(plan.sql, plan.parameters(rows))
    return len(rows)
