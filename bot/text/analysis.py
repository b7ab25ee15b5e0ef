"""Turn fact text and questions into index terms (the one place both sides meet)."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import IntFlag

from bot.text.lexicon import Lexicon, Phrase
from bot.text.normalize import (
    clean,
    has_vietnamese_marks,
    join_phrases,
    marked_words,
    token_pairs,
    tokens,
    tone_canonical,
    word_tokens,
)


def _latin_letters(category: str) -> str:
    """Every Latin letter with marks of one case (``Lu`` or ``Ll``), for a regular expression's class.

    A range such as ``À-Ỹ`` is no such class: it runs through both cases ("đ", "ở" and "à" are in
    it), so a lower-case word after a space passed for a capitalised one.
    """
    return "".join(
        c
        for c in map(chr, range(0xC0, 0x1F00))
        if unicodedata.category(c) == category and "LATIN" in unicodedata.name(c, "")
    )


_UPPER = "A-Z" + _latin_letters("Lu")  # an upper-case letter (for a [...] class)
_LOWER = "a-z" + _latin_letters("Ll")


class Feature(IntFlag):
    """What a fact contains, used to honour the kind of question."""

    NONE = 0
    NUMBER = 1
    DATE = 2
    PERSON = 4
    ORG = 8
    NAME = 16  # a capitalised word past the sentence's first: a person, place or body of some kind


class Intent(IntFlag):
    NONE = 0
    NUMBER = 1
    DATE = 2
    WHO = 4
    ORG = 8
    PLACE = 16


# Function and question words.  With diacritics they are exact; without, only the
# folded forms that no common content syllable shares are treated as function words.
_STOP_ACCENTED_WORDS = """là của và các những có được trong cho với nào gì bao nhiêu mấy khi ai ở tại thế không
    đã sẽ đang này do về từ đến thì mà để hay hoặc như sau trước bởi vì nếu lúc sao vậy chưa rồi cũng còn theo
    trên dưới ra vào lên qua lại nữa mỗi một nhiều hơn đó đây kia ấy bị cả thuộc hiện nay thế nào gồm""".split()
STOP_ACCENTED = frozenset(tone_canonical(w) for w in _STOP_ACCENTED_WORDS)
STOPWORDS = frozenset(
    """la cua va cac nhung duoc nao gi bao nhieu may khi ai o thi ma hay hoac khong da se nay ve den sau truoc
    vay sao roi chua theo tren trong cho voi vao ra lai nua
    how many much what which who whom whose when where why does did do is are was were has have of and
    with for from into about the by been their there this that these those a an at in on to it its
    """.split()
)

_INTENT_PATTERNS: list[tuple[Intent, re.Pattern[str]]] = [
    (Intent.NUMBER, re.compile(r"\b(bao nhieu|may|ty le|ti le|phan tram|so luong|muc nao|how many|how much|"
                               r"what percentage|what share|percent)\b")),
    (Intent.DATE, re.compile(r"\b(khi nao|ngay nao|thang nao|nam nao|bao gio|luc nao|thoi diem nao|"
                             r"thoi gian nao|han chot|thoi han|when|what date|deadline|by what date)\b")),
    (Intent.WHO, re.compile(r"(^|\s)(nguoi nao|vi nao|dong chi nao|lanh dao nao|who|whom)(\s|$)")),
    # Which body, or what something or someone is called: the answer is a name.
    (Intent.ORG, re.compile(r"\b(co quan nao|don vi nao|so nao|bo nao|ban nao|to chuc nao|huyen nao|tinh nao|"
                            r"xa nao|dia phuong nao|which agency|which department|which province|which district|"
                            r"ten la gi|ten gi|ten goi la gi|ho ten|ho va ten|what is the name|what was the name|"
                            r"what is it called|what was it called)\b")),
    (Intent.PLACE, re.compile(r"\b(o dau|noi nao|cho nao|dia diem nao|nuoc nao|quoc gia nao|thanh pho nao|"
                              r"vung nao|khu vuc nao|where|which country|which city)\b")),
]  # fmt: skip

# Words that, right before "nào", ask for a date ("ngày nào", "năm nào", "hôm nào").
_DATE_WORDS = frozenset("ngay thang nam luc hom tuan quy".split())
# A number, possibly with decimal/thousand separators and "/" or "-" parts (8/3, 02/02/2024, 2023-2025, 21/63).
_NUMBER_RUN = re.compile(r"\d+(?:[.,]\d+)*(?:\s*[/–-]\s*\d+(?:[.,]\d+)*)*")
_NUMBER_PARTS = re.compile(r"\s*[/–-]\s*")
# Words before a number that make it a date, a period or a document number rather than a quantity
# (the lower-cased text before the number ends with one, white space after it allowed).
_NOT_QUANTITY_BEFORE = tuple("năm|giai đoạn|tháng|ngày|quý|đề án|số|nghị định|quyết định|nghị quyết".split("|"))


def _first_letters(alternatives: str) -> str:
    """The first characters of ``a|b|c``, for a look-ahead that skips positions no alternative can start at.

    Such a look-ahead only rules out positions where the alternation cannot match, so a search
    finds a match exactly when it did without it (it is just faster).
    """
    return "".join(sorted({a[0] for a in alternatives.split("|")}))


def _is_quantity(number: str, before: str) -> bool:
    """Whether a number in text states a quantity (not a date like 8/3, a year range, or "năm 2023")."""
    if before.lower().rstrip().endswith(_NOT_QUANTITY_BEFORE):
        return False
    parts = _NUMBER_PARTS.split(number)
    if all(p.isdigit() for p in parts):
        if len(parts) in (2, 3) and 1 <= int(parts[0]) <= 31 and 1 <= int(parts[1]) <= 12:
            return False  # d/m or d/m/y
        if len(parts) == 2 and all(len(p) == 4 for p in parts):
            return False  # 2023-2025
    return True


def _has_quantity(text: str) -> bool:
    return any(_is_quantity(m.group(), text[max(0, m.start() - 16) : m.start()]) for m in _NUMBER_RUN.finditer(text))


_HAS_DATE = re.compile(
    r"\b(?=[\dntsđq])(?:\b\d{1,2}/\d{1,2}(/\d{2,4})?\b|\b(ngày|tháng|từ|trước|sau|đến)\s+\d{1,2}\b|\b(quý|tháng)\s+[IVX\d]+\b"
    r"|\b(năm|thế kỷ|thập niên|thập kỷ)\s+[IVX\d]+\b|\b(1[0-9]\d\d|20\d\d)\b)",
    re.IGNORECASE,
)
# A capitalised word that does not open the sentence (nor follows a full stop or a colon).
_INNER_NAME = re.compile(rf"(?<=[^\s.:!?])\s+[{_UPPER}][{_LOWER}]")
_CAP = rf"[{_UPPER}][{_LOWER}]+"
_SURNAMES = (
    "Nguyễn|Trần|Lê|Phạm|Hoàng|Huỳnh|Phan|Vũ|Võ|Đặng|Bùi|Đỗ|Hồ|Ngô|Dương|Lý|Trương|Đinh|Lâm|Mai|Trịnh|Đoàn|Cao|"
    "Lương|Hà|Tạ|Chu|Thái|Tô|Quách|Vương|Kiều|Triệu|Phùng|Lưu|Tăng|Nông|Lò|La|Kim|Đàm|Châu|Giang|Khổng|Lã|Mạc|"
    "Thân|Tống|Tôn|Từ|Nghiêm|Âu|Diệp|Hứa|Lục|Mã|Quan|Thạch|Bế|Hầu|Ninh|Doãn|Trình|Bạch|Lại|Khúc|Hàn|Văn|Y"
)
_ADDRESS = "đồng chí|ông|bà|Đồng chí|Ông|Bà"
_PERSON = re.compile(
    rf"\b(?=[{_first_letters(_ADDRESS)}])({_ADDRESS})\s+{_CAP}"
    rf"|\b(?=[{_first_letters(_SURNAMES)}])({_SURNAMES})(\s+{_CAP}){{1,3}}\b"
)
_BODIES = (
    "Sở|Bộ|Ban|Ủy ban|UBND|HĐND|Trung tâm|Công an|Văn phòng|Cục|Tổng cục|Viện|Tòa án|Kho bạc|Chi cục|"
    "Thanh tra|Hội đồng|Quốc hội|Chính phủ|Tỉnh ủy|Huyện ủy|Thành ủy|huyện|thị xã|thành phố|xã|tỉnh"
)
_ORG = re.compile(rf"\b(?=[{_first_letters(_BODIES)}])({_BODIES})\s+[{_UPPER}]")


def fact_features(text: str) -> Feature:
    # Plain ints until the end: each `|` of two IntFlag members builds a new member (slow at 100k facts).
    f = (
        (_NUMBER if _has_quantity(text) else 0)
        | (_DATE if _HAS_DATE.search(text) else 0)
        | (_PERSON_BIT if _PERSON.search(text) else 0)
        | (_ORG_BIT if _ORG.search(text) else 0)
        | (_NAME if _INNER_NAME.search(text) else 0)
    )
    return _FEATURES[f]


_NUMBER, _DATE, _PERSON_BIT, _ORG_BIT, _NAME = (
    int(Feature.NUMBER),
    int(Feature.DATE),
    int(Feature.PERSON),
    int(Feature.ORG),
    int(Feature.NAME),
)
_FEATURES = tuple(Feature(bits) for bits in range(2 * _NAME))


# Before "ai", these make it "anyone" / "no one", not "who": "không phải nhờ ai giúp", "chưa ai", "bất kỳ ai".
_NEGATIONS = frozenset("khong chang chua".split())


def _asks_who(toks: Sequence[str]) -> bool:
    """Whether an "ai" of the question asks who: not "anyone" after a negation or "bất kỳ", not
    "ai cũng" (everyone), and not "những ai" (which people: groups more often than a named person)."""
    for i, t in enumerate(toks):
        if t != "ai":
            continue
        before = toks[max(0, i - 3) : i]
        indefinite = _NEGATIONS & set(before) or before[-2:] in (["bat", "ky"], ["bat", "cu"])
        if indefinite or toks[i + 1 : i + 2] == ["cung"] or before[-1:] == ["nhung"]:
            continue
        return True
    return False


def question_intent(folded: str) -> Intent:
    intent = Intent.WHO if _asks_who(folded.split()) else Intent.NONE
    for flag, pattern in _INTENT_PATTERNS:
        if pattern.search(folded):
            intent |= flag
    return intent


def text_phrases(text: str, lexicon: Lexicon) -> list[Phrase]:
    """The token run of a text plus the full forms of its abbreviations."""
    toks = tuple(tokens(text))
    return [toks, *lexicon.expansions(toks)]


@dataclass(frozen=True)
class QueryPlan:
    """A question made ready for the index (a new plan is made to change it: :meth:`Searcher.plan`)."""

    text: str  # cleaned question
    phrases: list[Phrase]
    content: list[str]  # distinct content syllables, for coverage
    intent: Intent
    english: bool
    # Tone-canonical forms the user typed for each folded syllable (only when typed with diacritics).
    accented: dict[str, str] = field(default_factory=dict)
    # Words naming the kind of thing asked for ("cơ quan" in "cơ quan nào"): they weigh less.
    soft: set[str] = field(default_factory=set)
    # The predicate right after "ai" ("ai chủ trì"): what the answer must say, it weighs more.
    focus: set[str] = field(default_factory=set)
    # Abbreviation syllable -> its full forms: either side covers it.
    alternatives: dict[str, tuple[Phrase, ...]] = field(default_factory=dict)
    # Proper names the user capitalised ("Kon Tum"), as folded syllable runs.
    entities: list[Phrase] = field(default_factory=list)
    repaired: dict[str, str] = field(default_factory=dict)

    # The user's own words, folded, with abbreviations expanded (what fuzzy similarity compares).
    folded: str = ""
    # The user's own token runs (after English translation), in order.
    base: list[Phrase] = field(default_factory=list)
    # English words the glossary did not translate (names, numbers and unknown words).
    untranslated: set[str] = field(default_factory=set)
    # English words that name nothing the glossary knows (see _foreign_words): never matched to the articles.
    foreign: set[str] = field(default_factory=set)


# The courtesy around a question typed in a chat, on folded text: an address ("ad ơi", "bot ơi",
# "mọi người") and a request ("cho em hỏi", "xin hỏi", "mình muốn hỏi") before it, particles after it
# ("ạ", "vậy", "nhé", "với", "ad"). They say nothing about what is asked, but counted as words of the
# question they made it look half unknown to the articles.
_ADDRESS = r"(?:(?:ad|admin|bot|anh|chi|em|ban|bn|shop|bac|co|thay)\s+oi|moi nguoi|mn)"
_ASKER = r"(?:em|e|minh|mk|toi|to|tui|chau|con|anh|chi|t)"
_REQUEST = rf"(?:(?:cho|xin)\s+(?:{_ASKER}\s+)?hoi(?:\s+(?:chut|xiu|ti|la))?|{_ASKER}\s+muon\s+hoi(?:\s+la)?)"
_COURTESY_BEFORE = re.compile(rf"^(?:{_ADDRESS}\W*\s*)?(?:{_REQUEST}\W*\s+)?")
_PARTICLES = {  # folded -> how it is typed with diacritics
    "a": ("ạ", "à"), "vay": ("vậy",), "the": ("thế",), "nhe": ("nhé", "nhe"), "nhi": ("nhỉ",),
    "nha": ("nha", "nhá"), "voi": ("với",), "ad": ("ad",), "admin": ("admin",), "bot": ("bot",),
    "ha": ("hả",), "ho": ("hở", "hử"), "oi": ("ơi",),
}  # fmt: skip
_PARTICLE_AFTER = re.compile(rf"(?:^|\s)({'|'.join(_PARTICLES)})\W*$")
_PARTICLE_KEPT_AFTER = ("nhu",)  # "như thế", "như vậy": words of the question
# Without diacritics most particles are also common syllables ("tập thể", "của họ", "con voi"): then only
# these are taken anywhere, the others only right after a question word ("ngày nào vậy", "là gì thế").
_PARTICLES_UNMARKED = frozenset("a ad admin bot nhe oi".split())
_QUESTION_ENDS = frozenset("nao gi sao khong nhieu ai dau chua may bn j ntn ko".split())


def _fold_chars(text: str) -> str:
    """``text`` lower-cased without diacritics, character for character (the same length)."""
    return "".join("d" if c in "đĐ" else unicodedata.normalize("NFD", c)[0].lower() for c in text)


def without_courtesy(text: str) -> str:
    """The question without the courtesy typed around it in a chat ("Cho em hỏi … ạ?" → "…").

    Typed with diacritics, a particle must be typed as one ("cho vay" keeps its "vay", "vậy" goes);
    without, the ambiguous ones go only after a question word. Nothing is taken when that would
    leave no question.
    """
    folded = _fold_chars(text)
    start = _COURTESY_BEFORE.match(folded)
    begin = start.end() if start else 0
    end = len(text)
    for _ in range(3):  # "… vậy ạ ad"
        m = _PARTICLE_AFTER.search(folded, begin, end)
        if m is None or m.start(1) <= begin:
            break
        before = folded[begin : m.start(1)].split()
        typed = text[m.start(1) : m.end(1)]
        if typed != typed.lower() or (before and before[-1] in _PARTICLE_KEPT_AFTER):
            break  # "Tây Ban Nha": a particle is never capitalised
        if has_vietnamese_marks(typed) or has_vietnamese_marks(text[begin : m.start(1)]):
            particle = typed in _PARTICLES[m.group(1)]  # "vậy" is one, "thể" and "vay" are not
        else:  # the question typed without diacritics
            particle = m.group(1) in _PARTICLES_UNMARKED or bool(before and before[-1] in _QUESTION_ENDS)
        if not particle:
            break
        end = m.start(1)
    core = text[begin:end].strip(" ,")
    return core if re.search(r"\w\w", core) else text


def plan_query(question: str, lexicon: Lexicon) -> QueryPlan:
    text = lexicon.unchat(without_courtesy(clean(question)))
    pairs = token_pairs(text)
    toks = [f for f, _ in pairs]
    marked = has_vietnamese_marks(text)
    english = not marked and lexicon.looks_english(toks)
    untranslated: set[str] = set()
    foreign: set[str] = set()
    if english:
        base, untranslated = lexicon.translate_english_split(toks)
        foreign = _foreign_words(text, base, untranslated, lexicon)
    else:
        base = [tuple(toks)]
    phrases: list[Phrase] = []
    alternatives: dict[str, tuple[Phrase, ...]] = {}
    for p in base:
        phrases.append(p)
        phrases.extend(lexicon.expansions(p))
        for start, end, exps in lexicon.abbreviations.find(p):
            for t in p[start:end]:
                alternatives[t] = alternatives.get(t, ()) + exps
    folded = " ".join(" ".join(x) for x in phrases)
    canonical = [a for _, a in pairs]
    for p in base:
        for start, end, exps in lexicon.synonyms.find(p):
            if (
                marked
                and not english
                and not lexicon.synonyms.written_as(tuple(p[start:end]), " ".join(canonical[start:end]))
            ):
                continue  # same letters, other diacritics: another word ("sợ" is not "số")
            phrases.extend(exps)
            for t in p[start:end]:
                alternatives[t] = alternatives.get(t, ()) + exps
    intent = question_intent(" ".join(toks))
    if english:
        intent |= question_intent(" ".join(" ".join(p) for p in base))
    accented: dict[str, str] = {}
    stop: set[str] = set()
    if marked:
        for f, a in pairs:
            if a in STOP_ACCENTED:
                stop.add(f)
            elif f != a:
                accented.setdefault(f, a)
    else:
        stop = {f for f in toks if f in STOPWORDS}
    # A folded syllable typed both as a function word and as content (e.g. "có" and "cơ") stays content.
    content_typed = {f for f, a in pairs if a not in STOP_ACCENTED} if marked else set()
    stop -= content_typed
    content = list(dict.fromkeys(t for p in base for t in p if t not in stop and (marked or t not in STOPWORDS)))
    soft = {toks[i - k] for i, t in enumerate(toks) if t == "nao" for k in (1, 2) if i - k >= 0}
    if intent & Intent.DATE:
        # "ngày nào", "năm nào", "lúc nào": the word only says a date is asked for (as "khi" in "khi nào").
        asking = {toks[i - 1] for i, t in enumerate(toks) if t == "nao" and i and toks[i - 1] in _DATE_WORDS}
        content = [t for t in content if t not in asking]
    if intent & Intent.ORG:
        naming = _naming_words(toks)
        content = [t for t in content if t not in naming]
    focus = {toks[i + k] for i, t in enumerate(toks) if t == "ai" for k in (1, 2) if i + k < len(toks)}
    return QueryPlan(
        text=text,
        phrases=phrases,
        content=content,
        intent=intent,
        english=english,
        accented=accented,
        soft=soft - {"huyen", "tinh", "xa"},
        focus=focus - STOPWORDS if intent & Intent.WHO else set(),
        alternatives=alternatives,
        entities=question_entities(text, toks, lexicon),
        folded=folded,
        base=base,
        untranslated=untranslated,
        foreign=foreign,
    )


def _foreign_words(text: str, base: Sequence[Phrase], untranslated: set[str], lexicon: Lexicon) -> set[str]:
    """English words of an English question that the glossary left as they are and that name nothing:
    typed in lower case, no number, no place or abbreviation. They are not Vietnamese syllables, even
    where one is spelt the same ("dong" is not "đồng", "to" not "tô")."""
    capitalised = {t for w in text.split() if w[:1].isupper() for t in tokens(w)}
    named = {t for p in base for finder in (lexicon.places, lexicon.abbreviations) for s, e, _ in finder.find(p)
             for t in p[s:e]}  # fmt: skip
    return {t for t in untranslated - capitalised - named if t.isalpha()}


def _naming_words(toks: Sequence[str]) -> set[str]:
    """The words that only say a name is asked for: "tên" in "tên là gì" / "tên gì" / "tên gọi là gì",
    and "họ tên", "họ và tên" (as "khi" in "khi nào" says a date is)."""
    out: set[str] = set()
    for i, t in enumerate(toks):
        if t != "ten":
            continue
        after = list(toks[i + 1 : i + 4])
        if after[:2] == ["la", "gi"] or after[:1] == ["gi"]:
            out.add("ten")
        elif after == ["goi", "la", "gi"]:
            out.update(("ten", "goi"))
        before = list(toks[max(0, i - 2) : i])
        if before[-1:] == ["ho"] or before == ["ho", "va"]:
            out.update(("ten", "ho"))
    return out


_WORD = re.compile(r"[^\W\d_]+")
# Capitalised words that open titles, institutions and sentences rather than proper names.
_TITLE_WORDS = frozenset(
    """trưởng phó ban ủy uỷ sở bộ chủ hội tổ trung cổng chỉ phiên đề nghị quyết kế chính thủ cục công quốc
    thường tỉnh huyện xã phường quận ngày tháng năm theo tại trong sau trước các những người cán hệ trường
    bệnh viện phòng chi kho tổng liên mặt đảng đoàn lãnh giám bí đại ông bà anh chị""".split()
)


def place_names(toks: Sequence[str], lexicon: Lexicon) -> list[Phrase]:
    """Known place names in a folded token run, written in any case or without diacritics."""
    return [tuple(toks[start:end]) for start, end, _ in lexicon.places.find(toks)]


def listed_bodies(toks: Sequence[str], lexicon: Lexicon) -> list[Phrase]:
    """The lexicon's public bodies in a folded token run, written in any case or without diacritics."""
    return [tuple(toks[start:end]) for start, end, _ in lexicon.bodies.find(toks)]


def within_name(part: Phrase, whole: Phrase) -> bool:
    """Whether ``part`` is a run of consecutive syllables of ``whole``."""
    return f" {' '.join(part)} " in f" {' '.join(whole)} "


def question_entities(text: str, toks: Sequence[str], lexicon: Lexicon) -> list[Phrase]:
    """The names a question gives: capitalised names, places, and listed bodies in any case.

    A listed body the capitalised names already give (or a part of it: "Bộ Giáo dục" of "Bộ Giáo
    dục và Đào tạo") is not counted twice: typed in lower case ("bo tu phap"), it is the only
    sign that the question names one.
    """
    names = [*capitalised_names(text, lexicon), *place_names(toks, lexicon)]
    for body in listed_bodies(toks, lexicon):
        if not any(within_name(name, body) or within_name(body, name) for name in names):
            names.append(body)
    return list(dict.fromkeys(names))


# A ministry, department or office named by its field: "Bộ Tư pháp", "Sở Nội vụ", "Văn phòng Chính phủ".
_BODY_KINDS = ("Bộ", "Sở", "Cục", "Tổng cục", "Văn phòng", "Ủy ban", "Ban")
_BODY = re.compile(rf"\b({'|'.join(_BODY_KINDS)}) ([{_UPPER}][{_LOWER}]+(?: [{_LOWER}]+)?)\b")
_BODY_HINTS = tuple(f"{k} " for k in _BODY_KINDS)  # one of these is in every match: a cheap test first


def body_names(text: str) -> list[Phrase]:
    """Named public bodies, with the word that says which kind ("bộ tư pháp" is not "sở tư pháp")."""
    if not any(hint in text for hint in _BODY_HINTS):
        return []
    return [tuple(tokens(m.group(0))) for m in _BODY.finditer(text)]


@dataclass(frozen=True, slots=True)
class _PieceWords:
    """The letter runs of one space-free piece of text, as :func:`capitalised_names` sees them."""

    words: tuple[tuple[str, bool], ...]  # (word, capitalised and not all-caps)
    starts: bool  # the first word opens the piece
    ends: bool  # the last word closes the piece
    has_cap: bool


def _piece_words(piece: str) -> _PieceWords:
    matches = list(_WORD.finditer(piece))
    words = tuple((w, w[:1].isupper() and not w.isupper()) for w in (m.group(0) for m in matches))
    return _PieceWords(
        words=words,
        starts=bool(matches) and matches[0].start() == 0,
        ends=bool(matches) and matches[-1].end() == len(piece),
        has_cap=any(cap for _, cap in words),
    )


# A pure memo cache (see bot.text.normalize): bounded, long pieces are not cached.
_cached_piece_words = functools.lru_cache(maxsize=1 << 16)(_piece_words)


def _flush_run(run: list[str], lexicon: Lexicon, names: list[Phrase]) -> None:
    """Add the names in one run of adjacent capitalised words to ``names``."""
    start = 0
    while start < len(run) and run[start].casefold() in _TITLE_WORDS:
        start += 1  # "Trưởng Ban Chỉ đạo", "Sở Tư pháp": titles and institutions, not names
    if len(run) - start >= 2:
        toks = tuple(t for w in run[start:] for t in word_tokens(w))
        if not lexicon.abbreviations.find(toks):
            # A known place inside the run ("Index Quảng Trị") is a name of its own, and so
            # is what is left on either side of it when that is still two words or more.
            cut = 0
            for begin, end, _ in lexicon.places.find(toks):
                if begin - cut >= 2:
                    names.append(toks[cut:begin])
                names.append(toks[begin:end])
                cut = end
            if len(toks) - cut >= 2:
                names.append(toks[cut:])


def capitalised_names(text: str, lexicon: Lexicon) -> list[Phrase]:
    """Runs of two or more capitalised words (not all-caps abbreviations), and named bodies.

    Two capitalised words are in one run when exactly one space separates them.  The text is
    read piece by piece (split at single spaces) through a memo cache of each piece's words:
    a word opening a piece follows the previous piece's last word with exactly one space
    between them only when that word closed its piece.
    """
    names: list[Phrase] = body_names(text)
    run: list[str] = []
    prev_ends = False
    for piece in text.split(" "):
        info = _cached_piece_words(piece) if len(piece) <= 64 else _piece_words(piece)
        if not info.has_cap:
            if run and info.words:
                _flush_run(run, lexicon, names)
                run.clear()
            prev_ends = info.ends
            continue
        adjacent = prev_ends and info.starts
        for word, cap in info.words:
            if cap:
                if run and not adjacent:
                    _flush_run(run, lexicon, names)
                    run.clear()
                run.append(word)
            elif run:
                _flush_run(run, lexicon, names)
                run.clear()
            adjacent = False
        prev_ends = info.ends
    if run:
        _flush_run(run, lexicon, names)
    return names


def name_keys(names: Sequence[Phrase]) -> tuple[str, ...]:
    """Every run of two or more consecutive syllables of each name, space-joined (the names index keys).

    In the order the build has always added them (name by name, shorter runs first, left to right),
    each once: the stored names map keeps that order.
    """
    return tuple(
        dict.fromkeys(
            " ".join(name[start : start + size])
            for name in names
            for size in range(2, len(name) + 1)
            for start in range(len(name) - size + 1)
        )
    )


@dataclass(frozen=True, slots=True)
class FactAnalysis:
    """Everything the index build needs from one fact's text, computed in one pass."""

    phrases: list[Phrase]  # text_phrases(text, lexicon)
    terms: list[str]  # join_phrases(phrases): the fact's index terms
    folded: str  # the phrases' syllables, space-joined
    features: Feature  # fact_features(text)
    names: list[Phrase]  # capitalised_names(text, lexicon) + place_names(phrases[0], lexicon)
    accented: tuple[str, ...]  # accented(text, ...).split(): tone-canonical syllables that carry marks

    @property
    def name_keys(self) -> tuple[str, ...]:
        return name_keys(self.names)


def analyse_fact(text: str, lexicon: Lexicon) -> FactAnalysis:
    """:func:`text_phrases`, :func:`fact_features`, the names and the accented syllables of ``text``.

    Equal to calling each function on its own, but the text is split into words once and each
    word is folded once (through the per-word memo caches).
    """
    words = text.split()
    toks = tuple(tokens(text))
    phrases: list[Phrase] = [toks, *lexicon.expansions(toks)]
    return FactAnalysis(
        phrases=phrases,
        terms=join_phrases(phrases),
        folded=" ".join(" ".join(p) for p in phrases),
        features=fact_features(text),
        names=[*capitalised_names(text, lexicon), *place_names(toks, lexicon)],
        accented=tuple(a for w in words for a in marked_words(w)),
    )
