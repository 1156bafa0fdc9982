"""Admins: /add, /edit, import and export, the bank, roles."""
