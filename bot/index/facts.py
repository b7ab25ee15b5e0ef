"""The facts of a snapshot by id: in memory after a build, read from the database on demand after it is stored.

A question reads a few dozen facts (its candidates and their neighbours), so a served index
need not hold a million sentences in memory: :class:`bot.storage.StoredFacts` reads them by id.
Removed facts read as :func:`removed_fact` placeholders; ids are never reused.
"""

from __future__ import annotations

from abc import abstractmethod
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import overload

from bot.index.stored import FactRow
from bot.models import FactKind

_KINDS = tuple(kind.value for kind in FactKind)
_KIND_CODES = {kind: code for code, kind in enumerate(_KINDS)}


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
    """Facts held in memory as rows (stored knowledge read back whole; a build keeps :class:`PackedFacts`)."""

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


class PackedFacts(FactTable):
    """Facts as a build makes them, held compactly: both texts of every fact UTF-8 encoded end to
    end in one buffer each, its numbers in arrays; a row is decoded when read.

    A build holds every fact until it is stored: as :class:`FactRow` objects a fact of the bench's
    corpus takes about 660 bytes, packed about 345. Facts are appended in id order from ``first``; the
    i-th is ``self[i]`` (a full build's start at 0, so that is its id).
    """

    def __init__(self, first: int = 0) -> None:
        self.first = first
        self._numbers = array("i")  # article id, position, features, kind: four a fact
        self._text = bytearray()
        self._folded = bytearray()
        self._ends = array("q")  # where each fact's text and folded text end: two a fact

    def append(self, row: FactRow) -> None:
        if row.id != self.first + len(self):
            raise ValueError(f"fact {row.id} appended where fact {self.first + len(self)} belongs")
        self._numbers.extend((row.article_id, row.position, row.features, _KIND_CODES[row.kind]))
        self._text += row.text.encode("utf-8")
        self._folded += row.folded.encode("utf-8")
        self._ends.extend((len(self._text), len(self._folded)))

    def __len__(self) -> int:
        return len(self._ends) // 2

    def row(self, fact_id: int) -> FactRow:
        """The ``fact_id``-th fact appended (its id is ``first + fact_id``)."""
        i = fact_id
        text_start, folded_start = (self._ends[2 * i - 2], self._ends[2 * i - 1]) if i else (0, 0)
        article, position, features, kind = self._numbers[4 * i : 4 * i + 4]
        return FactRow(
            id=self.first + i,
            article_id=article,
            position=position,
            kind=_KINDS[kind],
            text=self._text[text_start : self._ends[2 * i]].decode("utf-8"),
            folded=self._folded[folded_start : self._ends[2 * i + 1]].decode("utf-8"),
            features=features,
        )


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
