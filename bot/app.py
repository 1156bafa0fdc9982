"""The composition root: ``create_dispatcher`` builds the app; ``run`` starts it for real."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from random import Random

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import I18n, SimpleI18nMiddleware
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock, utc_now
from bot.config import DEFAULT_TIMEZONE, Settings
from bot.content.files import ContentBundle, read_content_dir
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade_to_head
from bot.handlers import (
    answers,
    broadcast_admin,
    chat_migration,
    drill,
    fallback,
    group,
    membership,
    start,
    subscriptions,
)
from bot.scheduling.scheduler import DailyScheduler
from bot.scheduling.wakeup import ScheduleWakeup
from bot.services.answer_recorder import AnswerRecorder
from bot.services.content_sync import sync_content
from bot.telegram.commands import set_bot_commands
from bot.telegram.i18n import create_i18n
from bot.telegram.middlewares import DbSessionMiddleware, InFlightUpdates, KnownButtonsOnly
from bot.telegram.ratelimit import RateLimiter, RateLimitMiddleware
from bot.telegram.response_models import KeepResponseModels
from bot.telegram.retry import RetryMiddleware

logger = logging.getLogger(__name__)

SHUTDOWN_GRACE_SECONDS = 20.0


def create_dispatcher(
    *,
    session_factory: async_sessionmaker[AsyncSession],
    i18n: I18n,
    signature: str,
    owner_ids: frozenset[int] = frozenset(),
    clock: Clock = utc_now,
    rng: Random | None = None,
    answer_recorder: AnswerRecorder | None = None,
    in_flight: InFlightUpdates | None = None,
    schedule_wakeup: ScheduleWakeup | None = None,
    default_timezone: str = DEFAULT_TIMEZONE,
) -> Dispatcher:
    dispatcher = Dispatcher(
        i18n=i18n,
        signature=signature,
        owner_ids=owner_ids,
        clock=clock,
        rng=rng or Random(),
        answer_recorder=answer_recorder or AnswerRecorder(session_factory),
        schedule_wakeup=schedule_wakeup or ScheduleWakeup(),
        default_timezone=default_timezone,
    )
    dispatcher.update.outer_middleware(in_flight or InFlightUpdates())
    SimpleI18nMiddleware(i18n).setup(dispatcher)
    dispatcher.callback_query.outer_middleware(KnownButtonsOnly())
    dispatcher.update.middleware(DbSessionMiddleware(session_factory))
    dispatcher.include_routers(
        start.create_router(),
        broadcast_admin.create_router(),
        subscriptions.create_router(),
        group.create_router(),
        drill.create_router(),
        answers.create_router(),
        membership.create_router(),
        chat_migration.create_router(),
        fallback.create_router(),
    )
    dispatcher.errors.register(_log_error)
    return dispatcher


def create_bot(settings: Settings) -> Bot:
    session = (
        AiohttpSession(api=TelegramAPIServer.from_base(str(settings.telegram_api_url)))
        if settings.telegram_api_url
        else AiohttpSession()
    )
    session.middleware(RetryMiddleware())  # outermost: each retried attempt is rate limited
    session.middleware(RateLimitMiddleware(RateLimiter(settings.telegram_rate_limit or None)))
    session.middleware(KeepResponseModels())
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=None),
    )


async def load_content(
    session_factory: async_sessionmaker[AsyncSession], bundle: ContentBundle, clock: Clock
) -> None:
    async with session_factory() as session, session.begin():
        report = await sync_content(session, bundle.topics, bundle.items, clock())
    logger.info("content loaded: %s", report)


async def run(settings: Settings) -> None:
    """Migrate, load content, then poll until SIGTERM/SIGINT; in-flight updates finish first."""
    bundle = read_content_dir(settings.content_dir)  # a bad file stops us before any DB write
    bot = create_bot(settings)
    engine = create_engine(settings.database_url)
    try:
        me = await bot.get_me()  # a rejected token or an unreachable API stops us here too
        await upgrade_to_head(engine)
        session_factory = create_session_factory(engine)
        await load_content(session_factory, bundle, utc_now)
        i18n = create_i18n(settings.default_language)
        in_flight = InFlightUpdates()
        schedule_wakeup = ScheduleWakeup()
        signature = settings.signature or f"@{me.username}"
        rng = Random()
        dispatcher = create_dispatcher(
            session_factory=session_factory,
            i18n=i18n,
            signature=signature,
            owner_ids=settings.admin_ids,
            rng=rng,
            in_flight=in_flight,
            schedule_wakeup=schedule_wakeup,
            default_timezone=settings.default_timezone,
        )
        scheduler = DailyScheduler(
            bot=bot, session_factory=session_factory, i18n=i18n, signature=signature,
            clock=utc_now, rng=rng, wakeup=schedule_wakeup,
            grace=timedelta(hours=settings.daily_grace_hours),
        )
        scheduler_task: asyncio.Task[None] | None = None

        async def on_startup(bot: Bot) -> None:
            nonlocal scheduler_task
            await set_bot_commands(bot, i18n)
            scheduler_task = asyncio.create_task(scheduler.run(), name="daily-scheduler")

        async def on_shutdown() -> None:
            if not await in_flight.wait_idle(SHUTDOWN_GRACE_SECONDS):
                logger.warning("stopped with updates still in flight after %ss",
                               SHUTDOWN_GRACE_SECONDS)
            if scheduler_task is not None:
                await _stop_scheduler(scheduler, scheduler_task)

        dispatcher.startup.register(on_startup)
        dispatcher.shutdown.register(on_shutdown)
        await dispatcher.start_polling(
            bot, allowed_updates=dispatcher.resolve_used_update_types(), handle_signals=True
        )
    finally:
        await bot.session.close()
        await engine.dispose()
        logger.info("stopped")


async def _stop_scheduler(scheduler: DailyScheduler, task: asyncio.Task[None]) -> None:
    """Let the page of posts in flight finish (so it is not lost), then cancel."""
    scheduler.stop()
    done, _ = await asyncio.wait({task}, timeout=SHUTDOWN_GRACE_SECONDS)
    if not done:
        logger.warning("daily scheduler still busy after %ss; cancelled", SHUTDOWN_GRACE_SECONDS)
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _log_error(event: ErrorEvent) -> None:
    logger.error("update %s failed: %r", event.update.update_id, event.exception,
                 exc_info=event.exception)
