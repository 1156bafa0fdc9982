"""The Telegram transport: polling, webhook, retry, rate limit, FSM storage, metrics, middlewares,
command menus.
"""
