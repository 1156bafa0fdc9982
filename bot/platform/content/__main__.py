"""Content tools for authors.

    python -m bot.platform.content check [DIR]   validate a content directory (default: content/)
    python -m bot.platform.content check FILE... validate item files against content/topics.yaml
    python -m bot.platform.content schema        print the JSON Schema of a content file
"""

from __future__ import annotations

import sys
from pathlib import Path

from bot.platform.content.files import (
    TOPICS_FILE,
    ContentBundle,
    ContentError,
    parse_item_documents,
    read_content_dir,
    read_topics,
)
from bot.platform.content.problems import english
from bot.platform.content.schema import json_schema


def counted(key: str, count: int) -> str:
    """A number with its noun in the right form: "1 item", "2 items"."""
    return english()(key, key, count).format(n=count)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "schema":
        sys.stdout.write(json_schema())
        return 0
    if command == "check":
        paths = [Path(arg) for arg in argv[1:]] or [Path("content")]
        try:
            if paths[0].is_dir():
                bundle = read_content_dir(paths[0])
            else:
                topics = read_topics(Path("content") / TOPICS_FILE)
                documents = [(path.as_posix(), path.read_bytes()) for path in paths]
                bundle = ContentBundle(topics, parse_item_documents(documents, topics))
        except ContentError as error:
            for problem in error.problems:
                print(problem, file=sys.stderr)
            print(counted("content-check-refused", len(error.problems)), file=sys.stderr)
            return 1
        print(english()("content-check-ok").format(
            items=counted("count-items", len(bundle.items)),
            topics=counted("count-topics", len(bundle.topics))))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
