"""Downloading a user's file from the Bot API without trusting its declared size."""

from __future__ import annotations

import io

from aiogram import Bot


class FileTooLarge(Exception):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"the file has {size} bytes or more; the limit is {limit}")
        self.size = size
        self.limit = limit


async def download_capped(bot: Bot, file_id: str, max_bytes: int) -> bytes:
    """The file's bytes; stops reading and raises :class:`FileTooLarge` past ``max_bytes``."""
    file = await bot.get_file(file_id)
    if file.file_size is not None and file.file_size > max_bytes:
        raise FileTooLarge(file.file_size, max_bytes)
    if file.file_path is None:
        raise FileNotFoundError(f"the Bot API gave no path for file {file_id}")
    url = bot.session.api.file_url(bot.token, file.file_path)
    # BytesIO hands its own buffer out as the bytes (getvalue does not copy it); a bytearray
    # would need a second, whole copy at the end: 20 MB more at the limit.
    content = io.BytesIO()
    async for chunk in bot.session.stream_content(url, raise_for_status=True):
        content.write(chunk)
        if content.tell() > max_bytes:
            raise FileTooLarge(content.tell(), max_bytes)
    return content.getvalue()
