"""Sharing the bank's items into any chat: inline mode (``@bot words``)."""
