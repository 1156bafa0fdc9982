"""Full-text search over the items' texts, on each database's own engine for it.

SQLite: an FTS5 table ``item_search`` (rowid = item id; columns question, options,
explanation), ranked by bm25 with the question weighing most. PostgreSQL: a table
``item_search`` of one ``tsvector`` per item, made with both the Russian and the English
configuration (an item mixes both languages), the question weighted A, the options B, the rest
C, under a GIN index, ranked by ``ts_rank``. Both are written by :func:`index_items`, which the
one write path of content (``bot.platform.content.sync.write_items``) calls, so files, imports
and the bot's editors all keep it in step. Text goes in casefolded with "ё" as "е", and so does
the query: the search is case- and ё/е-insensitive on both.

They are made by raw SQL (migration 0011), not models: an FTS5 virtual table and its shadow
tables exist on SQLite only, a ``tsvector`` on PostgreSQL only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

SEARCH_TABLE = "item_search"
# bm25 weights of the FTS5 columns, in their order: where the words match ranks the item.
SQLITE_WEIGHTS = (10.0, 4.0, 1.0)
_WORD = re.compile(r"\w+")

_SQLITE_DELETE = text(f"DELETE FROM {SEARCH_TABLE} WHERE rowid = :id")
_SQLITE_INSERT = text(f"INSERT INTO {SEARCH_TABLE} (rowid, question, options, explanation) "
                      "VALUES (:id, :question, :options, :explanation)")
_SQLITE_SEARCH = text(
    f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :query "
    f"ORDER BY bm25({SEARCH_TABLE}, {', '.join(map(str, SQLITE_WEIGHTS))}), rowid")


def _weighted(parameter: str, weight: str) -> str:
    return (f"setweight(to_tsvector('russian', :{parameter}), '{weight}') || "
            f"setweight(to_tsvector('english', :{parameter}), '{weight}')")


_POSTGRES_UPSERT = text(
    f"INSERT INTO {SEARCH_TABLE} (item_id, document) VALUES (:id, "
    f"{_weighted('question', 'A')} || {_weighted('options', 'B')} || "
    f"{_weighted('explanation', 'C')}) "
    "ON CONFLICT (item_id) DO UPDATE SET document = excluded.document")
_POSTGRES_SEARCH = text(
    f"SELECT item_id FROM {SEARCH_TABLE}, "
    "(SELECT plainto_tsquery('russian', :query) || plainto_tsquery('english', :query) AS query)"
    " AS wanted WHERE document @@ wanted.query "
    "ORDER BY ts_rank(document, wanted.query) DESC, item_id")


@dataclass(frozen=True)
class SearchTexts:
    """An item's words, by where they stand."""

    question: str  # the title and the question
    options: str  # a quiz's options, the key points
    explanation: str  # everything else a learner reads: details, answers, explanations, tags

    @classmethod
    def of(cls, document: Mapping[str, Any]) -> SearchTexts:
        def joined(*names: str) -> str:
            parts: list[str] = []
            for name in names:
                value = document.get(name)
                if isinstance(value, str):
                    parts.append(value)
                elif isinstance(value, list):
                    parts.extend(str(entry) for entry in value)
            return normalized(" ".join(parts))

        return cls(joined("title", "question"), joined("options", "key_points"),
                   joined("details", "poll_explanation", "explanation", "answer", "solution",
                          "body", "tags"))


def is_search_structure(table: str) -> bool:
    """The search table, or one of the shadow tables FTS5 keeps for it."""
    return table == SEARCH_TABLE or table.startswith(SEARCH_TABLE + "_")


def normalized(words: str) -> str:
    """As the index keeps text: casefolded, "ё" as "е"."""
    return words.casefold().replace("ё", "е")


async def index_items(session: AsyncSession, items: Iterable[tuple[int, Mapping[str, Any]]]
                      ) -> None:
    """(Re)index these items, given as (id, content document): a few batched statements."""
    rows = [{"id": item_id, **SearchTexts.of(document).__dict__} for item_id, document in items]
    if not rows:
        return
    if _dialect(session) == "postgresql":
        await session.execute(_POSTGRES_UPSERT, rows)
        return
    await session.execute(_SQLITE_DELETE, [{"id": row["id"]} for row in rows])
    await session.execute(_SQLITE_INSERT, rows)


async def search_items(session: AsyncSession, query: str) -> Sequence[int]:
    """The ids of the items with every word of ``query``, best match first."""
    words = _WORD.findall(normalized(query))
    if not words:
        return []
    if _dialect(session) == "postgresql":
        return list(await session.scalars(_POSTGRES_SEARCH, {"query": " ".join(words)}))
    # Each word quoted (FTS5 syntax cannot leak in) and as a prefix: SQLite has no stemmer,
    # so "регуляр" finds "регуляризация".
    match = " ".join(f'"{word}"*' for word in words)
    return list(await session.scalars(_SQLITE_SEARCH, {"query": match}))


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name
