"""An item as the JSON document the database keeps, and hashes that tell a change."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bot.platform.content.schema import Item


def item_document(item: Item) -> dict[str, Any]:
    return item.model_dump(mode="json")


def document_hash(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
