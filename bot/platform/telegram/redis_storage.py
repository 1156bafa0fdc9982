"""Dialog state and per-user update isolation in Redis, shared by every replica."""

from __future__ import annotations

from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisEventIsolation, RedisStorage
from redis.asyncio import Redis


class LingeringRedisStorage(RedisStorage):
    """aiogram's RedisStorage, kept open through aiogram's shutdown.

    aiogram closes the storage first thing at shutdown, while updates may still be in flight
    and need their dialog state; the app closes the connection pool (``close_pool``) once they
    are done.
    """

    async def close(self) -> None:
        """Left to ``close_pool``."""

    async def close_pool(self) -> None:
        await super().close()


def redis_state(url: str) -> tuple[LingeringRedisStorage, RedisEventIsolation]:
    """The storage and an isolation that serializes one user's updates across replicas.

    Keys name the bot (``fsm:<bot id>:<chat>:<user>:…``), so bots may share one Redis.
    """
    storage = LingeringRedisStorage(
        Redis.from_url(url), key_builder=DefaultKeyBuilder(with_bot_id=True)
    )
    return storage, storage.create_isolation()
