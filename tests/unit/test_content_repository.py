"""The repository's own content folder: valid, and its published JSON Schema up to date."""

from __future__ import annotations

from bot.platform.content.files import read_content_dir
from bot.platform.content.schema import Kind, json_schema
from tests.conftest import REPO_ROOT


def test_published_json_schema_matches_the_models() -> None:
    published = (REPO_ROOT / "content" / "schema.json").read_text(encoding="utf-8")
    assert published == json_schema(), (
        "content/schema.json is stale: run "
        "`python -m bot.platform.content schema > content/schema.json`"
    )


def test_content_folder_is_valid_and_holds_the_seed_channel() -> None:
    bundle = read_content_dir(REPO_ROOT / "content")
    seed = [sourced.item for sourced in bundle.items
            if (sourced.file or "").endswith("seed.yaml")]
    kinds = {item.kind for item in seed}
    assert {Kind.QUIZ, Kind.QUESTION, Kind.TASK, Kind.RESOURCE} <= kinds
    assert len(seed) >= 17
