"""The interface text: ``<locale>/LC_MESSAGES/messages.po``, compiled to .mo at install time."""

from __future__ import annotations

from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent
DOMAIN = "messages"
