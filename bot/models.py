"""Data models shared by parsing, storage, search and rendering."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, HttpUrl, field_validator


class FactKind(StrEnum):
    """Where a fact comes from in its article."""

    TITLE = "title"
    CAPTION = "caption"
    BODY = "body"


class TopicProblem(StrEnum):
    """Why a topic cannot be followed."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    NO_WORDS = "no_words"


class Reason(StrEnum):
    """Why a question was not answered (the ``reason`` of the JSON form; users get it in Vietnamese)."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    NO_KNOWLEDGE = "no_knowledge"
    NO_WORDS = "no_words"
    OFF_TOPIC = "off_topic"  # nothing in the knowledge base is about the question
    LOW_CONFIDENCE = "low_confidence"  # related facts, none a confident answer
    ENTITY_MISMATCH = (
        "entity_mismatch"  # the question names a place, body, level, post, year or meeting the facts do not
    )


class Article(BaseModel):
    """One news article, as parsed from a knowledge file."""

    model_config = ConfigDict(frozen=True)

    url: HttpUrl
    title: str = Field(min_length=1, max_length=1000)
    site: str = Field(min_length=1, max_length=200)
    published: AwareDatetime
    author: str | None = None
    views: int | None = Field(default=None, ge=0)
    caption: str | None = None
    paragraphs: tuple[str, ...] = Field(min_length=1)

    @field_validator("paragraphs")
    @classmethod
    def _non_empty_body(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not any(p.strip() for p in value):
            raise ValueError("the article has no body text")
        return value

    @property
    def url_str(self) -> str:
        return str(self.url)

    def content_hash(self) -> str:
        """A hash of what the article says (title and body), independent of where it was found."""
        h = hashlib.sha256()
        for part in (self.title, *self.paragraphs):
            h.update(part.encode("utf-8"))
            h.update(b"\x00")
        return h.hexdigest()[:32]


class Fact(BaseModel):
    """One sentence of an article, the unit that answers quote."""

    model_config = ConfigDict(frozen=True)

    position: int = Field(ge=0)
    kind: FactKind
    text: str


class SearchResult(BaseModel):
    """A fact chosen for an answer, with its citation."""

    model_config = ConfigDict(frozen=True)

    fact_id: int
    # The fact sentence as it stands in the article; with ``context``, the pair in article order.
    text: str
    url: str
    title: str
    site: str
    published: datetime
    score: float
    matched: tuple[str, ...] = ()
    # "before" / "after": ``text`` also holds the sentence before / after the fact, which it leans on.
    context: str | None = None


class Answer(BaseModel):
    """What the search service says to a question."""

    model_config = ConfigDict(frozen=True)

    question: str
    answered: bool
    results: tuple[SearchResult, ...] = ()
    # When not answered: what the knowledge base does know about (article titles).
    suggestions: tuple[str, ...] = ()
    reason: Reason | None = None
    # The decline model's chance that the question is answerable from the knowledge base.
    confidence: float | None = None

    def to_json_dict(self) -> dict[str, object]:
        """The machine form of the CLI contract (``cchc-bot ask --json``)."""
        out: dict[str, object] = {
            "question": self.question,
            "answered": self.answered,
            "results": [
                {
                    "text": r.text,
                    "url": r.url,
                    "title": r.title,
                    "site": r.site,
                    "published": r.published.isoformat(),
                    "score": round(r.score, 4),
                    **({"context": r.context} if r.context else {}),
                }
                for r in self.results
            ],
        }
        if self.reason is not None:
            out["reason"] = self.reason.value
        if self.confidence is not None:
            out["confidence"] = round(self.confidence, 4)
        return out


class SkippedFile(BaseModel):
    path: str
    reason: str
    where: str | None = None  # the part of the file (e.g. "line 3", "item 2") when not the whole file

    @property
    def label(self) -> str:
        return f"{self.path} ({self.where})" if self.where else self.path


class SourceReport(BaseModel):
    """What one knowledge file contributed to a reload, compared with the index before it."""

    path: str
    added: list[str] = Field(default_factory=list)  # article URLs new to the index
    updated: list[str] = Field(default_factory=list)  # known URLs whose content changed
    unchanged: list[str] = Field(default_factory=list)
    duplicates: list[str] = Field(default_factory=list)  # URLs left out: same URL or content elsewhere
    skipped: list[SkippedFile] = Field(default_factory=list)


class ReloadReport(BaseModel):
    """What a reload loaded, skipped and why."""

    knowledge_dir: str
    loaded: list[str] = Field(default_factory=list)  # article URLs
    skipped: list[SkippedFile] = Field(default_factory=list)
    replaced: list[str] = Field(default_factory=list)  # human-readable duplicate notes
    facts: int = 0
    seconds: float = 0.0
    # Compared with the index that served before this reload (all URLs):
    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)  # in the old index, in no file now
    sources: list[SourceReport] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.loaded)


@dataclass(frozen=True)
class ArticleRow:
    """An article as the index stores and cites it (``id`` is its place in the snapshot)."""

    id: int
    url: str
    title: str
    site: str
    published: datetime
    author: str | None
    views: int | None
    caption: str | None
    content_hash: str
    source: str


class TargetReport(BaseModel):
    """What one ingest target (file, folder, feed or URL) gave."""

    target: str
    added: list[str] = Field(default_factory=list)
    updated: list[str] = Field(default_factory=list)
    unchanged: list[str] = Field(default_factory=list)
    skipped: list[SkippedFile] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)  # knowledge files written


class IngestReport(BaseModel):
    knowledge_dir: str
    targets: list[TargetReport] = Field(default_factory=list)
    reload: ReloadReport | None = None
    reload_error: str | None = None

    @property
    def written(self) -> int:
        return sum(len(t.files) for t in self.targets)

    @property
    def added(self) -> list[str]:
        return [u for t in self.targets for u in t.added]

    @property
    def updated(self) -> list[str]:
        return [u for t in self.targets for u in t.updated]

    @property
    def unchanged(self) -> list[str]:
        return [u for t in self.targets for u in t.unchanged]

    @property
    def skipped(self) -> list[SkippedFile]:
        return [s for t in self.targets for s in t.skipped]
