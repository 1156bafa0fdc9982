"""The Telegram side: callback data, keyboards, middlewares, sending."""
