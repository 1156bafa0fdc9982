"""Keeping aiogram's parametrized ``Response[...]`` models alive, as a session middleware.

aiogram validates every answer with ``Response[method.__returning__]``; pydantic caches such
parametrized models in a weak dictionary, so once a call's model is garbage collected the next
call rebuilds it (about 13 ms here). During a broadcast that was most of the bot's CPU time per
post. Holding a reference to each model used (a few dozen at most) keeps them cached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

if TYPE_CHECKING:
    from aiogram import Bot


class KeepResponseModels(BaseRequestMiddleware):
    def __init__(self) -> None:
        self._models: dict[Any, type[Response[Any]]] = {}

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        returning = method.__returning__
        if returning not in self._models:
            self._models[returning] = Response[returning]  # type: ignore[valid-type]
        return await make_request(bot, method)
