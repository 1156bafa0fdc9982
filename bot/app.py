"""The composition root: ``create_dispatcher`` builds the app; ``run`` starts it for real."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from random import Random
from zoneinfo import ZoneInfo

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock, utc_now
from bot.config import (
    DEFAULT_INTERVIEW_QUESTION_SECONDS,
    DEFAULT_INTERVIEW_QUIZ_SECONDS,
    DEFAULT_TIMEZONE,
    Settings,
)
from bot.content.files import ContentBundle, read_content_dir
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade_to_head
from bot.handlers import (
    answers,
    drill,
    fallback,
    interview,
    language,
    links,
    membership,
    reminders,
    start,
    stats,
    topics,
)
from bot.rendering.chart import ChartRenderer
from bot.scheduling.reminders import ReminderLoop
from bot.services.answer_recorder import AnswerRecorder
from bot.services.content_sync import sync_content
from bot.services.interview import TimeLimits
from bot.telegram.commands import set_bot_commands
from bot.telegram.i18n import LanguageOverrides, LearnerI18nMiddleware, create_i18n
from bot.telegram.middlewares import DbSessionMiddleware, InFlightUpdates, KnownButtonsOnly
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
    default_zone: ZoneInfo | None = None,
    language_overrides: LanguageOverrides | None = None,
    bot_username: str = "",
    interview_limits: TimeLimits | None = None,
    chart_renderer: ChartRenderer | None = None,
) -> Dispatcher:
    """``bot_username`` (from getMe) builds deep links: ``bot.telegram.deep_links.start_link``."""
    language_overrides = language_overrides or LanguageOverrides(session_factory)
    dispatcher = Dispatcher(
        i18n=i18n,
        signature=signature,
        owner_ids=owner_ids,
        clock=clock,
        rng=rng or Random(),
        answer_recorder=answer_recorder or AnswerRecorder(session_factory),
        default_zone=default_zone or ZoneInfo(DEFAULT_TIMEZONE),
        language_overrides=language_overrides,
        bot_username=bot_username,
        interview_limits=interview_limits or TimeLimits(
            quiz=timedelta(seconds=DEFAULT_INTERVIEW_QUIZ_SECONDS),
            open_question=timedelta(seconds=DEFAULT_INTERVIEW_QUESTION_SECONDS),
        ),
        chart_renderer=chart_renderer or ChartRenderer(),
    )
    dispatcher.update.outer_middleware(in_flight or InFlightUpdates())
    LearnerI18nMiddleware(i18n, language_overrides).setup(dispatcher)
    dispatcher.callback_query.outer_middleware(KnownButtonsOnly())
    dispatcher.update.middleware(DbSessionMiddleware(session_factory))
    dispatcher.include_routers(
        links.create_router(),
        start.create_router(),
        drill.create_router(),
        topics.create_router(),
        language.create_router(),
        interview.create_router(),  # before answers: it takes the answers to its own quizzes
        stats.create_router(),
        reminders.create_router(),
        answers.create_router(),
        membership.create_router(),
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
    session.middleware(RetryMiddleware())
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
        language_overrides = LanguageOverrides(session_factory)
        default_zone = ZoneInfo(settings.default_timezone)
        dispatcher = create_dispatcher(
            session_factory=session_factory,
            i18n=i18n,
            signature=settings.signature or f"@{me.username}",
            owner_ids=settings.admin_ids,
            in_flight=in_flight,
            default_zone=default_zone,
            language_overrides=language_overrides,
            bot_username=me.username or "",
            interview_limits=TimeLimits(
                quiz=timedelta(seconds=settings.interview_quiz_seconds),
                open_question=timedelta(seconds=settings.interview_question_seconds),
            ),
        )
        reminder_loop = ReminderLoop(session_factory, bot, i18n, language_overrides,
                                     default_zone=default_zone, clock=utc_now)
        background: list[asyncio.Task[None]] = []

        async def on_startup(bot: Bot) -> None:
            await set_bot_commands(bot, i18n)
            background.append(asyncio.create_task(reminder_loop.run(), name="reminders"))

        async def on_shutdown() -> None:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
            if not await in_flight.wait_idle(SHUTDOWN_GRACE_SECONDS):
                logger.warning("stopped with updates still in flight after %ss",
                               SHUTDOWN_GRACE_SECONDS)

        dispatcher.startup.register(on_startup)
        dispatcher.shutdown.register(on_shutdown)
        await dispatcher.start_polling(
            bot, allowed_updates=dispatcher.resolve_used_update_types(), handle_signals=True
        )
    finally:
        await bot.session.close()
        await engine.dispose()
        logger.info("stopped")


async def _log_error(event: ErrorEvent) -> None:
    logger.error("update %s failed: %r", event.update.update_id, event.exception,
                 exc_info=event.exception)
