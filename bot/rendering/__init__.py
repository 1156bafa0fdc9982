"""Turning content into Telegram text with entities."""
