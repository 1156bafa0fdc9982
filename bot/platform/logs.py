"""Logging that never prints a secret, whatever a library puts in a message or a traceback."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

REDACTED = "[REDACTED]"
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class RedactingFormatter(logging.Formatter):
    def __init__(self, fmt: str, secrets: Iterable[str]) -> None:
        super().__init__(fmt)
        # The part after the colon is the secret half of a bot token; hide it alone too.
        pieces = {piece for secret in secrets for piece in (secret, secret.partition(":")[2])}
        self._secrets = sorted((piece for piece in pieces if len(piece) >= 8), key=len,
                               reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


def configure_logging(level: str, secrets: Iterable[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        RedactingFormatter(LOG_FORMAT, secrets)
    )
    logging.basicConfig(level=level, handlers=[handler], force=True)
