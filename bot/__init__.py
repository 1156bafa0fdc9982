"""Telegram bot for Machine Learning / Data Science interview drills."""
