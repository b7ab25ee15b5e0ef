"""Telegram's HTML parse mode, as strictly as the Bot API applies it.

``parse_html(text)`` returns the plain text and the entities Telegram would make, or
raises :class:`HtmlError` with the description Telegram gives ("can't parse entities: ...").
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

ALLOWED = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "span": "spoiler",
    "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre", "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}  # fmt: skip
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
MAX_TEXT = 4096


class HtmlError(ValueError):
    pass


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def valid_url(url: str, *, schemes: tuple[str, ...] = ("http", "https", "tg")) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme.lower() not in schemes:
        return False
    return parts.scheme.lower() == "tg" or bool(parts.hostname)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.text: list[str] = []
        self.length = 0  # UTF-16 units so far
        self.stack: list[tuple[str, int, dict[str, str]]] = []
        self.entities: list[dict[str, object]] = []

    def _fail(self, message: str) -> None:
        raise HtmlError(f"Bad Request: can't parse entities: {message} at byte offset {self.getpos()[1]}")

    def _emit(self, chunk: str) -> None:
        self.text.append(chunk)
        self.length += utf16_len(chunk)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED:
            self._fail(f'Unsupported start tag "{tag}"')
        values = {k: (v or "") for k, v in attrs}
        if tag == "span" and values.get("class") != "tg-spoiler":
            self._fail('Tag "span" must have class "tg-spoiler"')
        if tag == "a":
            href = values.get("href")
            if not href or not valid_url(href):
                self._fail(f'Wrong URL "{href}" in tag "a"')
        if tag == "tg-emoji" and not values.get("emoji-id", "").isdigit():
            self._fail("Custom emoji identifier must be specified")
        in_pre = bool(self.stack) and self.stack[-1][0] == "pre"
        if tag == "code" and "class" in values and (not values["class"].startswith("language-") or not in_pre):
            self._fail('Tag "code" can have class "language-*" only inside "pre"')
        allowed_attrs = {"a": {"href"}, "span": {"class"}, "code": {"class"}, "tg-emoji": {"emoji-id"},
                         "blockquote": {"expandable"}}.get(tag, set())  # fmt: skip
        for name in values:
            if name not in allowed_attrs:
                self._fail(f'Unsupported attribute "{name}" in tag "{tag}"')
        for open_tag, _, _ in self.stack:
            if open_tag in {"code", "pre"} and not (open_tag == "pre" and tag == "code"):
                self._fail(f'Entities can\'t be nested inside "{open_tag}"')
        self.stack.append((tag, self.length, values))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._fail(f'Unsupported start tag "{tag}"')

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            self._fail(f'Unexpected end tag "{tag}"')
        open_tag, start, values = self.stack.pop()
        if open_tag != tag:
            self._fail(f'Unmatched end tag at byte offset, expected "</{open_tag}>", found "</{tag}>"')
        if self.length > start:
            entity: dict[str, object] = {"type": ALLOWED[tag], "offset": start, "length": self.length - start}
            if tag == "a":
                entity["url"] = values["href"]
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        for bad in "<>&":
            if bad in data:
                self._fail(f'Unencoded "{bad}" in text')
        self._emit(data)

    def handle_entityref(self, name: str) -> None:
        if name not in NAMED_ENTITIES:
            self._fail(f'Unsupported HTML entity "&{name};"')
        self._emit(NAMED_ENTITIES[name])

    def handle_charref(self, name: str) -> None:
        try:
            code = int(name[1:], 16) if name[:1] in "xX" else int(name)
            char = chr(code)
        except (ValueError, OverflowError):
            self._fail(f'Invalid character reference "&#{name};"')
            return
        self._emit(char)

    def handle_comment(self, data: str) -> None:
        self._fail("Unsupported comment")

    def handle_decl(self, decl: str) -> None:
        self._fail("Unsupported declaration")

    def handle_pi(self, data: str) -> None:
        self._fail("Unsupported processing instruction")

    def unknown_decl(self, data: str) -> None:
        self._fail("Unsupported declaration")


def parse_html(source: str) -> tuple[str, list[dict[str, object]]]:
    parser = _Parser()
    parser.feed(source)
    parser.close()
    entities = sorted(parser.entities, key=lambda e: (int(str(e["offset"])), -int(str(e["length"]))))
    if parser.rawdata:  # HTMLParser keeps an unfinished "<tag" or "&ent" here
        parser._fail("Unclosed start tag or entity")
    if parser.stack:
        parser._fail(f'Can\'t find end tag corresponding to start tag "{parser.stack[-1][0]}"')
    return "".join(parser.text), entities


def check_text(text: object, parse_mode: object) -> tuple[str, list[dict[str, object]]]:
    """The message text and entities Telegram would store, or :class:`HtmlError` with Telegram's complaint."""
    if not isinstance(text, str):
        raise HtmlError("Bad Request: message text is empty")
    entities: list[dict[str, object]] = []
    if parse_mode in (None, ""):
        plain = text
    elif str(parse_mode).lower() == "html":
        plain, entities = parse_html(text)
    else:
        raise HtmlError(f"Bad Request: unsupported parse_mode {parse_mode!r} in this emulator")
    if not plain.strip():
        raise HtmlError("Bad Request: message text is empty")
    if utf16_len(plain) > MAX_TEXT:
        raise HtmlError("Bad Request: message is too long")
    return plain, entities
