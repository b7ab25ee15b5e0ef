"""The facts of a snapshot by id: in memory after a build, read from the database on demand after it is stored.

A question reads a few dozen facts (its candidates and their neighbours), so a served index
need not hold a million sentences in memory: :class:`bot.storage.StoredFacts` reads them by id.
Removed facts read as :func:`removed_fact` placeholders; ids are never reused.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import overload

from bot.index.stored import FactRow


def removed_fact(fact_id: int, article_id: int) -> FactRow:
    """What stands in the slot of a removed fact (never answerable)."""
    return FactRow(fact_id, article_id, 0, "removed", "", "", 0)


class FactTable(Sequence[FactRow]):
    """Facts by id (0 .. len - 1): a read-only sequence, changed by making a new one."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def row(self, fact_id: int) -> FactRow:
        """The fact with this id (0 <= id < len)."""

    @overload
    def __getitem__(self, index: int) -> FactRow: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[FactRow]: ...

    def __getitem__(self, index: int | slice) -> FactRow | Sequence[FactRow]:
        if isinstance(index, slice):
            return [self.row(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"no fact {index}")
        return self.row(index)

    def __iter__(self) -> Iterator[FactRow]:
        for i in range(len(self)):
            yield self.row(i)

    def changed(self, added: Sequence[FactRow], removed: Mapping[int, int]) -> FactTable:
        """These facts, then ``added`` (ids from len on), with ``removed`` (fact id -> article id) gone."""
        return Overlay(self, list(added), {f: removed_fact(f, a) for f, a in removed.items()})


class FactList(FactTable):
    """Facts held in memory (a build's, or small knowledge bases')."""

    def __init__(self, rows: Iterable[FactRow]) -> None:
        self._rows = list(rows)

    def __len__(self) -> int:
        return len(self._rows)

    def row(self, fact_id: int) -> FactRow:
        return self._rows[fact_id]

    @overload
    def __getitem__(self, index: int) -> FactRow: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[FactRow]: ...

    def __getitem__(self, index: int | slice) -> FactRow | Sequence[FactRow]:
        return self._rows[index]  # the hot path of answering: straight to the list

    def __iter__(self) -> Iterator[FactRow]:
        return iter(self._rows)


class Overlay(FactTable):
    """A table with facts added at the end and some replaced by placeholders (an update's)."""

    _base: FactTable
    _added: list[FactRow]
    _removed: dict[int, FactRow]

    def __init__(self, base: FactTable, added: list[FactRow], removed: dict[int, FactRow]) -> None:
        if isinstance(base, Overlay):  # flatten: one level whatever the number of updates
            removed = base._removed | removed
            added = base._added + added
            base = base._base
        self._base = base
        self._added = added
        self._removed = removed
        self._size = len(base) + len(added)

    def __len__(self) -> int:
        return self._size

    def row(self, fact_id: int) -> FactRow:
        gone = self._removed.get(fact_id)
        if gone is not None:
            return gone
        size = len(self._base)
        return self._base.row(fact_id) if fact_id < size else self._added[fact_id - size]
