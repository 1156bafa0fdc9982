"""The composition root: ``create_dispatcher`` builds the update handling, ``App`` wires the
whole bot around it (``python -m bot`` runs it through ``run``; tests/app serve the same ``App``
in their own event loop, on their clock)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta
from random import Random
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.authoring import (
    admin_add,
    admin_bank,
    admin_edit,
    admin_log,
    admin_quiz_import,
    admin_roles,
)
from bot.daily import broadcast_admin, chat_migration, chats_admin, group, membership
from bot.daily import subscribe as subscriptions
from bot.daily.group_answers import GroupAnswers
from bot.daily.private_notes import PrivateNotes
from bot.daily.scheduler import DailyScheduler, send_page_size, send_workers_for
from bot.drills import drill, exam_date, links, reminders, stats, topics
from bot.drills.chart import ChartRenderer
from bot.drills.reminder_loop import ReminderLoop
from bot.home import fallback, language, learner_settings, start
from bot.interviews import handlers as interview
from bot.interviews.mock import TimeLimits
from bot.platform.clock import Clock, Sleep, utc_now
from bot.platform.config import (
    DEFAULT_IMPORT_MAX_BYTES,
    DEFAULT_INTERVIEW_QUESTION_SECONDS,
    DEFAULT_INTERVIEW_QUIZ_SECONDS,
    DEFAULT_MAX_REVIEWS_PER_DAY,
    DEFAULT_TIMEZONE,
    Settings,
)
from bot.platform.content.files import ContentBundle
from bot.platform.content.preload import ContentPreload
from bot.platform.content.sync import prepare_database
from bot.platform.db.engine import create_engine, create_session_factory
from bot.platform.i18n import LanguageOverrides, LearnerI18nMiddleware, create_i18n
from bot.platform.memory import return_freed_memory
from bot.platform.roles import Role, editor_ids
from bot.platform.shutdown import Shutdown
from bot.platform.telegram.commands import set_admin_commands, set_bot_commands
from bot.platform.telegram.fsm_storage import DatabaseStorage
from bot.platform.telegram.json_session import JsonBodySession
from bot.platform.telegram.kept_updates import DatabaseUnfinishedUpdates
from bot.platform.telegram.metrics import BotApiMetrics, BotMetrics, UpdateMetrics
from bot.platform.telegram.middlewares import (
    DbSessionMiddleware,
    DialogStateInTransaction,
    InFlightUpdates,
    KnownButtonsOnly,
    NoDialogStateForPolls,
    RepeatedUpdatesDropped,
    RetryOnLostConnection,
    callback_data_prefixes,
)
from bot.platform.telegram.polling import poll
from bot.platform.telegram.ratelimit import (
    PAID_BROADCAST_PER_SECOND,
    Monotonic,
    RateLimiter,
    RateLimitMiddleware,
)
from bot.platform.telegram.response_models import KeepResponseModels
from bot.platform.telegram.retry import RetryMiddleware
from bot.platform.telegram.webhook import OpsEndpoints, serve_webhook, serving_ops
from bot.platform.wakeup import ScheduleWakeup
from bot.poll_answers import handlers as answers
from bot.sharing import inline
from bot.study.answer_recorder import AnswerRecorder
from bot.study.context import UpdateContextMiddleware
from bot.study.polls import PollCache
from bot.study.sending import RichPosts
from bot.study.users import ActingAdminsRemembered

if TYPE_CHECKING:
    from bot.platform.telegram.redis_storage import LingeringRedisStorage

logger = logging.getLogger(__name__)

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
    import_max_bytes: int = DEFAULT_IMPORT_MAX_BYTES,
    fsm_storage: BaseStorage | None = None,
    default_zone: ZoneInfo | None = None,
    language_overrides: LanguageOverrides | None = None,
    bot_username: str = "",
    interview_limits: TimeLimits | None = None,
    chart_renderer: ChartRenderer | None = None,
    schedule_wakeup: ScheduleWakeup | None = None,
    events_isolation: BaseEventIsolation | None = None,
    metrics: BotMetrics | None = None,
    max_reviews_per_day: int = DEFAULT_MAX_REVIEWS_PER_DAY,
    rich_posts: RichPosts | None = None,
    inline_mode: bool = False,
) -> Dispatcher:
    """The whole app, wired.

    Dialog state (aiogram FSM) lives in the database, so a half-written item survives a
    restart, unless ``fsm_storage`` is given: ``run`` passes aiogram's RedisStorage there once
    a Redis URL is configured. Updates of one user in one chat are handled one at a time, so
    the messages of a long text sent in a burst all land in the draft (across replicas with
    a Redis ``events_isolation``). ``bot_username`` (from getMe) builds deep links:
    ``bot.platform.telegram.deep_links.start_link``. ``metrics`` counts and times the updates.
    Answer posts go as entity text unless ``rich_posts`` (on) is given; they get a "Share"
    button with ``inline_mode`` (getMe's ``supports_inline_queries``).
    """
    language_overrides = language_overrides or LanguageOverrides(session_factory)
    answer_recorder = answer_recorder or AnswerRecorder(session_factory,
                                                        PollCache(session_factory))
    dispatcher = Dispatcher(
        storage=fsm_storage or DatabaseStorage(session_factory),
        events_isolation=events_isolation or SimpleEventIsolation(),
        disable_fsm=True,  # registered below, after InFlightUpdates
        i18n=i18n,
        signature=signature,
        owner_ids=owner_ids,
        clock=clock,
        rng=rng or Random(),
        answer_recorder=answer_recorder,
        poll_cache=answer_recorder.polls,  # the interview filter's, too
        import_max_bytes=import_max_bytes,
        default_zone=default_zone or ZoneInfo(DEFAULT_TIMEZONE),
        language_overrides=language_overrides,
        bot_username=bot_username,
        interview_limits=interview_limits or TimeLimits(
            quiz=timedelta(seconds=DEFAULT_INTERVIEW_QUIZ_SECONDS),
            open_question=timedelta(seconds=DEFAULT_INTERVIEW_QUESTION_SECONDS),
        ),
        chart_renderer=chart_renderer or ChartRenderer(),
        schedule_wakeup=schedule_wakeup or ScheduleWakeup(),
        max_reviews_per_day=max_reviews_per_day,
        rich_posts=rich_posts or RichPosts.off(),
        inline_mode=inline_mode,
        notes=PrivateNotes(session_factory, i18n, bot_username),
    )
    metrics = metrics or BotMetrics()
    # Also the polling's lane: a page's group answers are recorded before the dispatcher.
    dispatcher["group_answers"] = GroupAnswers(answer_recorder, clock, dispatcher["notes"],
                                               metrics)
    dispatcher.update.outer_middleware(UpdateMetrics(metrics))
    dispatcher.update.outer_middleware(in_flight or InFlightUpdates())
    dispatcher.update.outer_middleware(RetryOnLostConnection())
    dispatcher.update.outer_middleware(dispatcher["group_answers"])
    languages = LearnerI18nMiddleware(i18n, language_overrides)
    dispatcher.update.outer_middleware(KnownButtonsOnly(languages, callback_data_prefixes()))
    # The dialog state is read from the database before the handler runs: an update waiting
    # for it already counts as in flight, so a shutdown does not cut it off.
    dispatcher.update.outer_middleware(NoDialogStateForPolls(dispatcher.fsm))
    languages.setup(dispatcher)
    UpdateContextMiddleware().setup(dispatcher)  # handlers' ``ctx``, in the learner's language
    ActingAdminsRemembered().setup(dispatcher)
    dispatcher.update.middleware(DbSessionMiddleware(session_factory))
    dispatcher.update.middleware(RepeatedUpdatesDropped(clock))
    dispatcher.update.middleware(DialogStateInTransaction())
    dispatcher.include_routers(
        # First: poll answers are the bulk of a busy group's updates, and they then skip the
        # walk through every other router.
        answers.create_router(),
        links.create_router(),
        start.create_router(),
        admin_roles.create_router(),  # first of the admin routers: it refuses non-admins
        admin_bank.create_router(),
        admin_log.create_router(),
        admin_quiz_import.create_router(),
        admin_edit.create_router(),
        admin_add.create_router(),
        broadcast_admin.create_router(),
        chats_admin.create_router(),
        learner_settings.create_router(),  # before subscriptions: a private /settings is its
        subscriptions.create_router(),
        group.create_router(),
        drill.create_router(),
        topics.create_router(),
        language.create_router(),
        interview.create_router(),  # the answers to its own quizzes
        stats.create_router(),
        exam_date.create_router(),
        reminders.create_router(),
        membership.create_router(),
        chat_migration.create_router(),
        inline.create_router(),
        fallback.create_router(),
    )
    dispatcher.errors.register(_log_error)
    return dispatcher


def create_bot(
    settings: Settings, metrics: BotMetrics | None = None,
    rate_limiter: RateLimiter | None = None,
) -> Bot:
    """The Bot API client; ``rate_limiter`` defaults to TELEGRAM_RATE_LIMIT's."""
    session = (
        JsonBodySession(api=TelegramAPIServer.from_base(str(settings.telegram_api_url)))
        if settings.telegram_api_url
        else JsonBodySession()
    )
    session.middleware(RetryMiddleware())  # outermost: each retried attempt is rate limited
    session.middleware(RateLimitMiddleware(rate_limiter or create_rate_limiter(settings)))
    session.middleware(KeepResponseModels())
    session.middleware(BotApiMetrics(metrics or BotMetrics()))  # innermost: every attempt
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=None),
    )


def create_rate_limiter(
    settings: Settings, *, monotonic: Monotonic = time.monotonic, sleep: Sleep = asyncio.sleep
) -> RateLimiter:
    """TELEGRAM_RATE_LIMIT overall; 1000/s for the paid broadcasts with PAID_BROADCAST."""
    return RateLimiter(
        settings.telegram_rate_limit or None,
        paid_per_second=PAID_BROADCAST_PER_SECOND if settings.paid_broadcast else None,
        monotonic=monotonic, sleep=sleep,
    )


class ContentSource(Protocol):
    """Where the bank comes from: ``ContentPreload`` (parsed by a forked process) in
    production."""

    async def bundle(self) -> ContentBundle: ...

    def adopt_database(self) -> None:
        """Put in place a database built beside the start-up, if any (before the bot's own
        first use of it)."""


class App:
    """The bot as ``python -m bot`` runs it: the whole wiring, built from the settings and what
    it is given of the world, so a test runs the same app in its own event loop.

    ``clock`` and ``sleep`` are time (the scheduler's and the reminders' naps end early when a
    test moves its clock), ``rng`` the randomness, ``rate_limiter`` the pace of sends (a test's
    may run on skipped time), ``content`` the bank (default: ``ContentPreload`` of
    ``settings.content_dir``). ``in_flight`` counts the updates being handled: shutdown waits
    on it, and so does a test's script for the bot to be done with its step.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        content: ContentSource | None = None,
        clock: Clock = utc_now,
        sleep: Sleep = asyncio.sleep,
        rng: Random | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        self.settings = settings
        self.content = content
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or Random()
        self.rate_limiter = rate_limiter
        self.in_flight = InFlightUpdates()

    async def serve(self, shutdown: Shutdown, *, stop_on_signals: bool = True) -> None:
        """Migrate, load content, then poll (or serve the webhook, with WEBHOOK_URL) until
        ``shutdown`` begins (with ``stop_on_signals``, also on SIGTERM/SIGINT); in-flight
        updates finish first. The webhook server always stops on the signals too."""
        settings, clock = self.settings, self.clock
        # A bad file stops us before any DB write.
        content = self.content or ContentPreload(settings.content_dir, settings.database_url)
        bundle = await content.bundle()
        metrics = BotMetrics()
        bot = create_bot(settings, metrics, self.rate_limiter)
        engine = create_engine(settings.database_url)
        fsm_storage, events_isolation = (
            _redis_state(settings.redis_url) if settings.redis_url else (None, None)
        )
        try:
            me = await bot.get_me()  # a rejected token or an unreachable API stops us here too
            if not me.supports_inline_queries:
                logger.warning("inline mode is off: @%s <words> offers nothing until it is "
                               "switched on in @BotFather (/setinline)", me.username)
            content.adopt_database()  # the token is good: the database may be written
            session_factory = create_session_factory(engine)
            await prepare_database(engine, session_factory, bundle, clock)
            del bundle  # in the database now
            return_freed_memory()
            i18n = create_i18n(settings.default_language)
            answer_recorder = AnswerRecorder(session_factory, PollCache(session_factory),
                                             batch_size=settings.answer_batch_size)
            language_overrides = LanguageOverrides(session_factory)
            default_zone = ZoneInfo(settings.default_timezone)
            schedule_wakeup = ScheduleWakeup(self.sleep)
            signature = settings.signature or f"@{me.username}"
            inline_mode = bool(me.supports_inline_queries)
            rich_posts = RichPosts(enabled=settings.rich_messages, metrics=metrics)
            dispatcher = create_dispatcher(
                session_factory=session_factory,
                i18n=i18n,
                signature=signature,
                owner_ids=settings.admin_ids,
                clock=clock,
                rng=self.rng,
                answer_recorder=answer_recorder,
                in_flight=self.in_flight,
                import_max_bytes=settings.import_max_bytes,
                default_zone=default_zone,
                language_overrides=language_overrides,
                bot_username=me.username or "",
                interview_limits=TimeLimits(
                    quiz=timedelta(seconds=settings.interview_quiz_seconds),
                    open_question=timedelta(seconds=settings.interview_question_seconds),
                ),
                schedule_wakeup=schedule_wakeup,
                fsm_storage=fsm_storage,
                events_isolation=events_isolation,
                metrics=metrics,
                max_reviews_per_day=settings.max_reviews_per_day,
                rich_posts=rich_posts,
                inline_mode=inline_mode,
            )
            reminder_loop = ReminderLoop(session_factory, bot, i18n, language_overrides,
                                         default_zone=default_zone, clock=clock,
                                         sleep=self.sleep)
            broadcast_limit = (PAID_BROADCAST_PER_SECOND if settings.paid_broadcast
                               else settings.telegram_rate_limit or None)
            scheduler = DailyScheduler(
                bot=bot, session_factory=session_factory, i18n=i18n, signature=signature,
                clock=clock, rng=self.rng, wakeup=schedule_wakeup,
                grace=timedelta(hours=settings.daily_grace_hours),
                bot_username=me.username or "", replica=settings.replica_id,
                lease_duration=timedelta(seconds=settings.daily_lease_seconds), metrics=metrics,
                rich_posts=rich_posts,
                inline_mode=inline_mode,
                paid_broadcast=settings.paid_broadcast,
                send_batch=send_page_size(broadcast_limit),
                send_workers=send_workers_for(broadcast_limit),
            )
            reminder_task: asyncio.Task[None] | None = None
            scheduler_task: asyncio.Task[None] | None = None

            async def on_startup(bot: Bot) -> None:
                nonlocal reminder_task, scheduler_task
                await set_bot_commands(bot, i18n, session_factory)
                await set_admin_menus(bot, i18n, session_factory, settings.admin_ids)
                reminder_task = asyncio.create_task(reminder_loop.run(), name="reminders")
                scheduler_task = asyncio.create_task(scheduler.run(), name="daily-scheduler")
                # The broadcast's page in flight finishes while the updates in hand do.
                shutdown.on_begin(scheduler.stop)

            async def on_shutdown() -> None:
                if not await self.in_flight.wait_idle(shutdown.remaining()):
                    logger.warning("stopped with updates still in flight after the grace period")
                await answer_recorder.close()
                await dispatcher["notes"].close()
                if reminder_task is not None:  # a claimed reminder is skipped, never sent twice
                    reminder_task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await reminder_task
                if scheduler_task is not None:
                    await _stop_scheduler(scheduler, scheduler_task, shutdown.remaining())

            dispatcher.startup.register(on_startup)
            dispatcher.shutdown.register(on_shutdown)
            ops = OpsEndpoints(session_factory, metrics)
            if settings.webhook_url is not None:
                await serve_webhook(
                    dispatcher, bot, url=str(settings.webhook_url),
                    secret=settings.webhook_secret_token(), host=settings.webhook_host,
                    port=settings.webhook_port, ops=ops, shutdown=shutdown,
                )
                return
            async with serving_ops(ops, settings.webhook_host, settings.metrics_port):
                await poll(dispatcher, bot,
                           allowed_updates=dispatcher.resolve_used_update_types(),
                           shutdown=shutdown,
                           unfinished=DatabaseUnfinishedUpdates(session_factory, clock),
                           lane=dispatcher["group_answers"], stop_on_signals=stop_on_signals)
        finally:
            await bot.session.close()
            if fsm_storage is not None:
                await fsm_storage.close_pool()
            await engine.dispose()


async def run(settings: Settings, content: ContentSource | None = None) -> None:
    """The bot until SIGTERM/SIGINT: see :meth:`App.serve`."""
    await App(settings, content=content).serve(Shutdown(settings.shutdown_grace_seconds))


async def set_admin_menus(
    bot: Bot, i18n: I18n, session_factory: async_sessionmaker[AsyncSession],
    owner_ids: frozenset[int],
) -> None:
    """The admin menu in every owner's and editor's private chat."""
    async with session_factory() as session:
        editors = await editor_ids(session)
    for user_id in sorted(owner_ids):
        await set_admin_commands(bot, i18n, user_id, Role.OWNER)
    for user_id in editors:
        await set_admin_commands(bot, i18n, user_id, Role.EDITOR)


async def _stop_scheduler(
    scheduler: DailyScheduler, task: asyncio.Task[None], seconds: float
) -> None:
    """Let the page of posts in flight finish (so it is not lost), then cancel."""
    scheduler.stop()
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if not done:
        logger.warning("daily scheduler still busy at the end of the grace period; cancelled")
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _redis_state(url: str) -> tuple[LingeringRedisStorage, BaseEventIsolation]:
    # Imported here: the redis package is an optional extra, needed only with REDIS_URL.
    from bot.platform.telegram.redis_storage import redis_state

    return redis_state(url)


async def _log_error(event: ErrorEvent) -> None:
    logger.error("update %s failed: %r", event.update.update_id, event.exception,
                 exc_info=event.exception)
