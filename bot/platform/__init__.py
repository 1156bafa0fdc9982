"""The platform under every feature: settings, clock, shutdown, the database, the content format,
i18n, and the Telegram transport. It imports no feature package.
"""
