"""Deep-link payloads: what the helpers build, the parser reads back; anything else is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.platform.telegram.deep_links import (
    ItemLink,
    TopicLink,
    item_payload,
    parse_payload,
    start_link,
    topic_payload,
)


@given(st.integers(min_value=1, max_value=10**17))
def test_item_links_round_trip(item_id: int) -> None:
    assert parse_payload(item_payload(item_id)) == ItemLink(item_id)


@given(st.from_regex(r"[a-z0-9][a-z0-9-]{0,31}", fullmatch=True))
def test_topic_links_round_trip_and_fit_telegrams_limit(topic_id: str) -> None:
    payload = topic_payload(topic_id)
    assert parse_payload(payload) == TopicLink(topic_id)
    assert start_link("interview_bot", payload) == f"https://t.me/interview_bot?start={payload}"


@pytest.mark.parametrize(
    "payload", ["", "q_", "q_0", "q_01", "q_1x", "q_-1", "topic_", "topic_Metrics", "topic_a b",
                "hello", "q_1234567890123456789"],
)
def test_anything_else_is_not_a_link(payload: str) -> None:
    assert parse_payload(payload) is None
