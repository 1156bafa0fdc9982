"""Quality gates of the question bank in content/: size, coverage, mix, no near-duplicates,
no test-taker's tells, key points, and snippets and formulas that parse."""

from __future__ import annotations

import ast
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from difflib import SequenceMatcher
from functools import cache

import numpy

from bot.platform.content.files import ContentBundle, read_content_dir
from bot.platform.content.schema import (
    Difficulty,
    Item,
    Kind,
    QuestionItem,
    QuizItem,
    ResourceItem,
    TaskItem,
)
from bot.platform.content.similarity import NEAR_DUPLICATE_RATIO, comparable_text
from bot.study.catalog import Card
from bot.study.posts import PostStyle
from bot.study.rich import Unexpressible, rich_answer
from tests.conftest import REPO_ROOT
from tests.fakebot.rich import RichRefused, checked_rich_message

MIN_ITEMS = 800
MIN_PER_TOPIC = 21
TOPICS_WITHOUT_MINIMUM = {"career"}  # books and articles: as many as are worth reading
# What a 2026 interview asks: the LLM stack and ML system design weigh more than one topic each.
MIN_FOR_TOPIC = {
    "ml-system-design": 40,
    "llm-post-training": 30,
    "llm-inference": 30,
    "rag-agents": 30,
    "llm-evaluation": 30,
    "time-series": 30,
    "unsupervised": 30,
    "causal-interpretability": 30,
}
LLM_ERA_TOPICS = {"llm", "llm-post-training", "llm-inference", "rag-agents", "llm-evaluation"}
MIN_LLM_ERA = 200
# A new topic keeps the bank's own mix (~50 % quizzes, 35 % open questions, 15 % tasks).
NEW_TOPIC_SHARE_BOUNDS = {"quiz": (0.35, 0.65), "question": (0.20, 0.45), "task": (0.08, 0.30)}
# Test-taker's tells: the right answer should not be the longest option, nor sit in one place.
MAX_LONGEST_IS_CORRECT = 0.30
MAX_CORRECT_POSITION_SHARE = 0.35
SHARE_BOUNDS = {  # share of the drillable bank (resources excluded)
    "quiz": (0.40, 0.60),
    "question": (0.25, 0.42),
    "task": (0.10, 0.30),
}
MIN_DIFFICULTY_SHARE = 0.15


@cache
def bank() -> ContentBundle:
    return read_content_dir(REPO_ROOT / "content")


def drillable() -> list[Item]:
    return [s.item for s in bank().items if not isinstance(s.item, ResourceItem)]


def test_the_bank_has_a_year_of_daily_posts() -> None:
    assert len(drillable()) >= MIN_ITEMS


def test_every_topic_has_its_minimum() -> None:
    counts = Counter(item.topic for item in drillable())
    short = {
        topic.id: counts[topic.id] for topic in bank().topics
        if topic.id not in TOPICS_WITHOUT_MINIMUM and counts[topic.id] < MIN_PER_TOPIC
    }
    assert short == {}, f"topics under {MIN_PER_TOPIC} items: {short}"


def test_new_topics_have_their_size_and_mix() -> None:
    items = drillable()
    for topic, minimum in MIN_FOR_TOPIC.items():
        kinds = Counter(item.kind.value for item in items if item.topic == topic)
        total = sum(kinds.values())
        assert total >= minimum, f"{topic}: {total} items, want at least {minimum}"
        for kind, (low, high) in NEW_TOPIC_SHARE_BOUNDS.items():
            share = kinds[kind] / total
            assert low <= share <= high, f"{topic}: {kind} {share:.0%}, want {low:.0%}–{high:.0%}"


def test_the_llm_era_has_its_weight() -> None:
    count = sum(1 for item in drillable() if item.topic in LLM_ERA_TOPICS)
    assert count >= MIN_LLM_ERA, f"{count} items on LLMs, want at least {MIN_LLM_ERA}"


def _quizzes() -> list[QuizItem]:
    return [item for item in drillable() if isinstance(item, QuizItem)]


def test_the_right_option_is_rarely_the_longest() -> None:
    def longest_is_correct(quiz: QuizItem) -> bool:
        lengths = [len(option) for option in quiz.options]
        longest = max(lengths)
        return lengths.count(longest) == 1 and lengths.index(longest) in quiz.correct_option_ids

    quizzes = _quizzes()
    tells = [quiz.id for quiz in quizzes if longest_is_correct(quiz)]
    share = len(tells) / len(quizzes)
    assert share <= MAX_LONGEST_IS_CORRECT, (
        f"the right option is the uniquely longest in {share:.0%} of quizzes "
        f"(at most {MAX_LONGEST_IS_CORRECT:.0%}): {', '.join(tells)}"
    )


def test_the_right_option_moves_around() -> None:
    quizzes = _quizzes()
    positions = Counter(position for quiz in quizzes for position in quiz.correct_option_ids)
    total = sum(positions.values())
    crowded = {
        position: f"{count / total:.0%}" for position, count in positions.items()
        if count / total > MAX_CORRECT_POSITION_SHARE
    }
    assert crowded == {}, f"the right answer sits too often at positions {crowded}"


def test_every_open_question_and_task_has_key_points() -> None:
    missing = [
        item.id for item in drillable()
        if isinstance(item, QuestionItem | TaskItem) and not item.key_points
    ]
    assert missing == [], f"no key points: {', '.join(missing)}"


_FENCE = re.compile(r"^ *```(\w*)\n(.*?)^ *```", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"`+[^`]*`+")


def _markdown_fields(item: Item) -> Iterator[str]:
    for name in ("details", "explanation", "answer", "solution", "body"):
        text = getattr(item, name, None)
        if text and (name != "question" or isinstance(item, TaskItem)):
            yield text
    if isinstance(item, TaskItem):
        yield item.question


def _snippets(language: str) -> Iterator[tuple[str, str]]:
    for item in drillable():
        for text in _markdown_fields(item):
            for match in _FENCE.finditer(text):
                if match[1] == language:
                    yield item.id, match[2]


def test_every_python_snippet_parses() -> None:
    broken = []
    for item_id, code in _snippets("python"):
        try:
            ast.parse(code)
        except SyntaxError as error:
            broken.append(f"{item_id}: {error.msg} at line {error.lineno}")
    assert broken == [], "Python that does not parse:\n" + "\n".join(broken)


# A snippet refers to tables the bank does not define; only its syntax is checked here. A
# snippet in another dialect is fenced with its name (```postgresql), not ```sql.
_SQL_NOT_SYNTAX = re.compile(r"no such (table|column|function)|ambiguous|misuse|not supported")


def test_every_sql_snippet_parses() -> None:
    broken = []
    with sqlite3.connect(":memory:") as connection:
        for item_id, code in _snippets("sql"):
            without_comments = re.sub(r"--[^\n]*", "", code)
            for statement in filter(str.strip, without_comments.split(";")):
                try:
                    connection.execute(f"EXPLAIN {statement}")
                except sqlite3.Error as error:
                    if not _SQL_NOT_SYNTAX.search(str(error)):
                        broken.append(f"{item_id}: {error}: {statement.strip()[:60]!r}")
    assert broken == [], "SQL that does not parse:\n" + "\n".join(broken)


def test_every_formula_is_closed() -> None:
    unbalanced = []
    for item in drillable():
        for text in _markdown_fields(item):
            prose = _CODE_SPAN.sub("", _FENCE.sub("", text)).replace("\\$", "")
            if prose.count("$") % 2:
                unbalanced.append(item.id)
    assert unbalanced == [], f"an odd number of $ (write \\$ for a dollar): {unbalanced}"


def test_the_kind_mix_is_within_bounds() -> None:
    items = drillable()
    counts = Counter(item.kind.value for item in items)
    for kind, (low, high) in SHARE_BOUNDS.items():
        share = counts[kind] / len(items)
        assert low <= share <= high, f"{kind}: {share:.0%} of the bank, want {low:.0%}–{high:.0%}"


def test_difficulty_is_spread_over_all_levels() -> None:
    items = drillable()
    counts = Counter(item.difficulty for item in items)
    for level in Difficulty:
        assert counts[level] / len(items) >= MIN_DIFFICULTY_SHARE, f"too few {level} items"


def test_every_quiz_has_right_and_wrong_options() -> None:
    for item in drillable():
        if isinstance(item, QuizItem):
            correct = set(item.correct_option_ids)
            assert correct < set(range(len(item.options))), item.id


def _normalised(item: Item) -> str:
    return comparable_text({name: getattr(item, name, None)
                            for name in ("title", "question", "details")})


def test_no_two_questions_are_near_duplicates() -> None:
    texts = [(item.id, _normalised(item)) for item in drillable()]
    characters = sorted(set("".join(text for _, text in texts)))
    alphabet = {char: column for column, char in enumerate(characters)}
    counts = numpy.zeros((len(texts), len(alphabet)), dtype=numpy.int32)
    for row, (_, text) in enumerate(texts):
        for char, count in Counter(text).items():
            counts[row, alphabet[char]] = count
    lengths = counts.sum(axis=1)
    pairs = []
    matcher = SequenceMatcher(None, autojunk=False)
    for later, (id_b, b) in enumerate(texts):
        # SequenceMatcher.quick_ratio for every earlier text at once: the characters in common.
        common = numpy.minimum(counts[:later], counts[later]).sum(axis=1)
        quick = 2 * common / numpy.maximum(lengths[:later] + lengths[later], 1)
        matcher.set_seq2(b)
        for earlier in numpy.flatnonzero(quick >= NEAR_DUPLICATE_RATIO):
            id_a, a = texts[earlier]
            matcher.set_seq1(a)
            if matcher.ratio() >= NEAR_DUPLICATE_RATIO:
                pairs.append(f"{id_a} ~ {id_b}: {a!r} / {b!r}")
    assert pairs == [], "near-duplicate questions:\n" + "\n".join(pairs)


def test_kinds_in_the_bank_cover_every_drill() -> None:
    assert {item.kind for item in drillable()} == {Kind.QUIZ, Kind.QUESTION, Kind.TASK}


def test_every_answer_goes_as_a_rich_message_telegram_takes() -> None:
    """The bank's posts reach learners with real formulas: each builds as a rich message within
    Telegram's limits (what an admin adds later may fall back to entity text), and the fake Bot
    API, written from the spec, takes it."""
    style = PostStyle(signature="@machinelearning_interview", answer_label="Ответ",
                      solution_label="Решение", kind_hashtag="вопросы_с_собеседований")
    hashtags = {topic.id: topic.hashtag for topic in bank().topics}
    problems = []
    for sourced in bank().items:
        card = Card(1, sourced.item, hashtags[sourced.item.topic])
        try:
            checked_rich_message(rich_answer(card, style).model_dump(mode="json",
                                                                     exclude_none=True))
        except (Unexpressible, RichRefused) as error:
            problems.append(f"{sourced.item.id}: {error}")
    assert not problems, "\n".join(problems)
