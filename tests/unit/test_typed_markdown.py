"""What an admin types with Telegram's formatting comes back the same through the content
Markdown: entities → Markdown → (text, entities) as learners get them."""

from __future__ import annotations

from typing import Any

from aiogram.types import MessageEntity

from bot.platform.content.markdown import Entity, render_markdown, utf16_len
from bot.platform.content.typed_markdown import typed_markdown


def message(*parts: str | tuple[str, str, dict[str, Any]]) -> tuple[str, list[MessageEntity]]:
    """A message as Telegram sends it: plain parts, and (text, entity type, extra) parts."""
    text = ""
    entities = []
    for part in parts:
        if isinstance(part, str):
            text += part
            continue
        words, kind, extra = part
        entities.append(MessageEntity(type=kind, offset=utf16_len(text),
                                      length=utf16_len(words), **extra))
        text += words
    return text, entities


def expected(entities: list[MessageEntity]) -> tuple[Entity, ...]:
    return tuple(Entity(e.type, e.offset, e.length, e.url, e.language) for e in entities)


def test_every_kept_style_round_trips_with_markdown_s_own_characters_as_text() -> None:
    text, entities = message(
        ("Жирный", "bold", {}), " и ", ("курсив", "italic", {}), ", ",
        ("x\\y `q`", "code", {}), ", ", ("ссылка", "text_link", {"url": "https://example.com/a_b"}),
        ", ", ("тайна", "spoiler", {}), " 🧠 1. - * _ [x] #tag\n",
        ("def f(x):\n    return x * 2  # a_b\\n", "pre", {"language": "python"}), "\nконец",
    )
    markdown = typed_markdown(text, entities)
    assert markdown.startswith("**Жирный** и *курсив*, `` x\\y `q` ``")
    assert "```python\ndef f(x):\n    return x * 2  # a_b\\n\n```" in markdown
    rendered = render_markdown(markdown)
    assert rendered.text == text
    assert rendered.entities == expected(entities)


def test_a_blockquote_round_trips_and_what_follows_starts_a_paragraph() -> None:
    text, entities = message("До цитаты\n", ("строка раз\nстрока два", "blockquote", {}),
                             "\nпосле")
    markdown = typed_markdown(text, entities)
    assert markdown == "До цитаты\n>строка раз\n>строка два\n\nпосле"
    rendered = render_markdown(markdown)
    assert rendered.text == "До цитаты\nстрока раз\nстрока два\n\nпосле"
    assert rendered.entities == (Entity("blockquote", 10, 21),)


def test_nested_styles_and_unkept_ones() -> None:
    text, entities = message(("полужирный ", "bold", {}), "и ", ("подчёркнутый", "underline", {}))
    entities.append(MessageEntity(type="italic", offset=0, length=4))
    assert typed_markdown(text, sorted(entities, key=lambda e: e.offset)) == (
        "***полу*жирный **и подчёркнутый")
    assert typed_markdown("просто текст", None) == "просто текст"


def test_a_message_without_formatting_is_markdown_as_written() -> None:
    text, entities = message("Штраф **λ·Σw²**, см. ", ("https://example.com", "url", {}))
    assert typed_markdown(text, entities) == text
