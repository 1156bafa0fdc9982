"""The daily-post loop: sleep until something is due, claim it, post it, reveal the answer.

One loop per process. Each round works in bounded pages, so 100 000 subscriptions due in the
same minute never sit in memory at once: it claims up to ``claim_batch`` due subscriptions (one
transaction: delivery rows written, next slots scheduled), then sends the claimed deliveries in
pages of ``send_batch``, ``send_workers`` pages at a time (each page is committed as ``sending``
before its Bot API calls and completed after), then reveals the answers that are due, and
repeats until nothing is due.

Several replicas may run this loop on one PostgreSQL. They claim subscriptions and lease pages of
deliveries with SKIP LOCKED, so each takes different work; a replica renews its leases while it
works, and the work of one that died is taken over when its lease runs out (at once when it
restarts under the same ``REPLICA_ID``).

Delivery guarantee (see docs/delivery.md): a delivery row per (subscription, slot)
makes every slot post at most once. Each post is recorded as ``sending`` right before its own
request goes out, after its turn under the rate limits, and as sent right after, in grouped
transactions (:mod:`bot.daily.ledger`). A post whose request went out without an answer
coming back — it timed out, or its replica died while it was on the wire — is *not* retried:
at-most-once, recorded ``unknown``. Leased posts whose send had not started are sent by whichever
replica takes them over.

Faults change state and never stop the loop: a post Telegram did not take (5xx, 429, no
connection) is tried again later, until its slot's grace runs out; 403 and "chat not found"
pause the subscription with the reason (a closed or deleted forum topic pauses that topic's
subscription only); a group that became a supergroup moves the
subscription and the post goes to the new chat; any other failure marks that one delivery
failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from random import Random
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, Poll
from aiogram.utils.i18n import I18n
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.daily import daily_posts, quiz_reveals, subscriptions
from bot.daily.daily_posts import (
    DeliveryJob,
    Lease,
    Postponed,
    RevealJob,
    SentPost,
)
from bot.daily.ledger import SendLedger
from bot.daily.quiz_reveals import QuizRevealJob
from bot.platform.clock import Clock
from bot.platform.content.markdown import Rendered, plain
from bot.platform.content.schema import QuizItem
from bot.platform.db.models import DeliveryStatus
from bot.platform.telegram.json_session import sent_ids_only
from bot.platform.telegram.metrics import BotMetrics
from bot.platform.telegram.ratelimit import DeparturePoint, before_departure
from bot.platform.telegram.retry import at_most_once, may_have_arrived, not_carried_out
from bot.platform.telegram.topics import topic_gone
from bot.platform.wakeup import ScheduleWakeup
from bot.study.catalog import Card, load_cards
from bot.study.context import ChatContext, ChatContexts
from bot.study.posts import (
    daily_footer,
    poll_with_footer,
    post_style,
    question_post,
    shuffled_quiz_poll,
    with_footer,
)
from bot.study.sending import RichPosts
from bot.study.shuffling import OptionOrder, identity_order, positions_of

logger = logging.getLogger(__name__)


class _Job(Protocol):
    @property
    def item_id(self) -> int: ...


JobT = TypeVar("JobT", bound=_Job)
ResultT = TypeVar("ResultT")

IDLE_CHECK_SECONDS = 60.0  # also notices subscriptions written by another process
ERROR_PAUSE_SECONDS = 5.0
DEFAULT_LEASE = timedelta(seconds=60)
# Posts leased and written ahead per page: about a second's worth at the overall limit, within
# these bounds. Bigger pages cost less per post (a quarter less CPU at 100 than at 25, the
# limit lifted); a page's leases are what a stop or a crash leaves to recover.
SEND_PAGE_BOUNDS = (25, 100)


# Pages in flight at once: at least this many, and at an overall limit, enough for a second's
# worth of posts to wait for their turn. A page goes on to the next only once all of its posts
# are answered and recorded; at 1000/s, four pages (0.4 s) ran dry between pages and lost
# slots of the limit.
SEND_WORKERS_AT_LEAST = 4


def send_page_size(per_second: float | None) -> int:
    """The page for an overall limit of ``per_second`` messages (None: lifted)."""
    smallest, largest = SEND_PAGE_BOUNDS
    return largest if per_second is None else max(smallest, min(largest, int(per_second)))


def send_workers_for(per_second: float | None) -> int:
    """Pages in flight for an overall limit of ``per_second`` messages (None: lifted)."""
    if per_second is None:
        return SEND_WORKERS_AT_LEAST
    return max(SEND_WORKERS_AT_LEAST, math.ceil(per_second / send_page_size(per_second)))


class _LeaseLost(Exception):
    """Another replica took this delivery over while this one stalled: it must not be sent."""


@dataclass(frozen=True)
class _Refused:
    """Telegram refused a post: what to do about the delivery and the subscription."""

    job_chat_id: int
    delivery_id: int
    subscription_id: int
    error: str
    pause_reason: str | None = None  # pause the subscription with this reason
    topic_only: bool = False  # the forum topic is gone: pause that subscription, not the chat's
    moved_to: int | None = None  # the chat became this supergroup: follow it
    outcome_unknown: bool = False  # no answer came back: the post may be in the chat

    @classmethod
    def of(cls, job: DeliveryJob | RevealJob, error: str, **what: Any) -> _Refused:
        return cls(job.chat_id, job.delivery_id, job.subscription_id, error, **what)


class _ClaimsAhead:
    """The claims of one round, made while the posts claimed before are sent: at most
    ``ahead`` claimed posts wait to be leased, and a sender out of posts waits for the claim in
    progress."""

    def __init__(self, ahead: int) -> None:
        self.ahead = ahead
        self.unleased = 0
        self.commits = 0  # claims committed so far
        self.over = False  # no more claims this round
        self._changed = asyncio.Condition()

    async def committed(self, claimed: int) -> None:
        self.unleased += claimed
        self.commits += 1
        await self._notify()

    async def leased(self, count: int) -> None:
        if count:
            self.unleased = max(0, self.unleased - count)
            await self._notify()

    async def end(self) -> None:
        self.over = True
        await self._notify()

    async def room(self) -> None:
        """Until fewer than ``ahead`` claimed posts wait to be leased, or the claims end."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.unleased < self.ahead or self.over)

    async def next_claim(self, seen: int) -> bool:
        """A sender found nothing to lease after the ``seen``-th claim: wait for the next one;
        False when there will be none."""
        if self.commits == seen:
            # Everything claimed by then is leased (by this replica or another one).
            self.unleased = 0
            await self._notify()
        async with self._changed:
            await self._changed.wait_for(lambda: self.commits != seen or self.over)
        return self.commits != seen

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()


@dataclass(frozen=True)
class _Ending:
    """How an item's post ends in some chats: the footer, and a post's parts with it."""

    footer: Rendered
    parts: list[Rendered]


@dataclass(frozen=True)
class _Prepared:
    """An item ready to post: its card and what goes out first (a quiz, its options in a new
    order for every chat, or a post)."""

    card: Card
    quiz: QuizItem | None
    question: list[Rendered]


class DailyScheduler:
    def __init__(
        self,
        *,
        bot: Bot,
        session_factory: async_sessionmaker[AsyncSession],
        i18n: I18n,
        signature: str,
        clock: Clock,
        rng: Random,
        wakeup: ScheduleWakeup,
        grace: timedelta,
        bot_username: str = "",
        claim_batch: int = 500,
        send_batch: int = SEND_PAGE_BOUNDS[0],
        send_workers: int = SEND_WORKERS_AT_LEAST,
        idle_check_seconds: float = IDLE_CHECK_SECONDS,
        replica: str = "",
        lease_duration: timedelta = DEFAULT_LEASE,
        metrics: BotMetrics | None = None,
        rich_posts: RichPosts | None = None,
        inline_mode: bool = False,
        paid_broadcast: bool = False,
    ) -> None:
        self.bot = bot
        self.session_factory = session_factory
        self.i18n = i18n
        self.chats = ChatContexts(bot, i18n, clock, signature=signature, bot_username=bot_username,
                                  rich_posts=rich_posts or RichPosts.off(),
                                  inline_mode=inline_mode, paid_broadcast=paid_broadcast)
        self.clock = clock
        self.rng = rng
        self.wakeup = wakeup
        self.grace = grace
        self.claim_batch = claim_batch
        self.send_batch = send_batch
        self.send_workers = send_workers
        # One transaction at a time (SQLite's single writer). The send ledger's, which posts
        # released by the rate limiter wait for, take it directly; the others queue behind
        # ``_queueing`` one at a time, so the ledger waits behind at most one of them (behind
        # ten pages and a claim, its posts waited 0.2 s and then reached Telegram at once).
        self._writing = asyncio.Lock()
        self._queueing = asyncio.Lock()
        self.idle_check_seconds = idle_check_seconds
        self._prepared: dict[int, _Prepared | None] = {}
        # An item's footer and its post's parts with it, by (item, zone, answer delay, minute):
        # the same for every chat of a round that shares those.
        self._endings: dict[tuple[int, str, int, datetime], _Ending] = {}
        self._stopping = False
        # A new incarnation per process: a restarted replica's old leases are told from its own.
        self.lease_owner = f"{replica or socket.gethostname()}/{uuid.uuid4().hex[:12]}"
        self.lease_duration = lease_duration
        self.metrics = metrics
        self._ledger = SendLedger[SentPost | Postponed | _Refused](
            session_factory, self._writing, self._lease, self._record_outcomes
        )
        # The write-ahead runs where the rate limiter lets a post leave; innermost, this runs
        # it for a Bot without the limiter.
        bot.session.middleware(DeparturePoint())

    async def run(self) -> None:
        """Until :meth:`stop`: work, then sleep until something is due."""
        while not self._stopping:
            try:
                await self.run_due()
                delay = await self._seconds_to_next()
            except Exception:
                logger.exception("daily scheduler round failed; trying again in %ss",
                                 ERROR_PAUSE_SECONDS)
                delay = ERROR_PAUSE_SECONDS
            if not self._stopping:
                await self.wakeup.wait(delay)

    def stop(self) -> None:
        """Finish the page in flight, then return from :meth:`run`."""
        self._stopping = True
        self.wakeup.notify()

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        """A transaction other than the send ledger's, in its turn."""
        async with (self._queueing, self._writing, self.session_factory() as session,
                    session.begin()):
            yield session

    def _lease(self) -> Lease:
        return Lease(self.lease_owner, self.clock() + self.lease_duration)

    async def recover(self) -> None:
        """Take over what stopped replicas (this one before a restart, too) left unfinished."""
        async with self._transaction() as session:
            await daily_posts.reap_expired(session, self.clock(), self._lease())

    async def run_due(self) -> None:
        """Claim, send and reveal until nothing is due at the clock's current time."""
        self._prepared.clear()  # items may have changed since the last round
        self._endings.clear()
        renewing = asyncio.create_task(self._renew_leases(), name="lease-renewal")
        try:
            while not self._stopping:
                posted = await self._claim_and_send()
                revealed = await self._reveal_due() + await self._reveal_chat_quizzes()
                if not (posted or revealed):
                    return
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing

    async def _claim_and_send(self) -> bool:
        """Claim what is due a batch at a time and send the posts claimed; the next batch is
        claimed while the last one is sent, so the sends never wait for a claim. True if
        anything was claimed, skipped or sent."""
        claims = _ClaimsAhead(self.claim_batch)

        async def claim_ahead() -> bool:
            claimed = False
            try:
                while not self._stopping and not claims.over:
                    await self.recover()  # before each claim, as stopped replicas' leases expire
                    async with self._transaction() as session:
                        report = await daily_posts.claim_due(
                            session, self.clock(), self.grace, self.rng, self.claim_batch
                        )
                    if self.metrics is not None:
                        for late in report.lateness:
                            self.metrics.scheduler_lag.observe(late.total_seconds())
                    await claims.committed(report.claimed)
                    if not (report.claimed or report.skipped):
                        break
                    claimed = True
                    await claims.room()
            finally:
                await claims.end()
            return claimed

        claiming = asyncio.create_task(claim_ahead(), name="daily-claims")
        try:
            sent = await self._send_claimed(claims)
        finally:
            await claims.end()  # a stop: the claims end with the sends
            claimed = await claiming
        return claimed or bool(sent)

    async def _renew_leases(self) -> None:
        """While this replica works, its leases stay its own (a page may wait long for its
        turn under the rate limits)."""
        while True:
            await asyncio.sleep(self.lease_duration.total_seconds() / 3)
            try:
                async with self._transaction() as session:
                    await daily_posts.renew_leases(session, self._lease())
            except Exception:  # the next beat tries again; the lease still has two thirds left
                logger.exception("renewing the daily posts' leases failed")

    async def _seconds_to_next(self) -> float:
        async with self.session_factory() as session:
            due = [await daily_posts.earliest_due(session),
                   await quiz_reveals.earliest_due(session)]
        earliest = min((instant for instant in due if instant is not None), default=None)
        if earliest is None:
            return self.idle_check_seconds
        seconds = (earliest - self.clock()).total_seconds()
        return min(self.idle_check_seconds, max(seconds, 0.01))

    # --- sending -------------------------------------------------------------------------------

    async def _in_pages(
        self,
        take: Callable[[AsyncSession], Awaitable[list[JobT]]],
        handle: Callable[[JobT], Awaitable[ResultT]],
        finish: Callable[[AsyncSession, list[JobT], list[ResultT]], Awaitable[None]] | None = None,
        claims: _ClaimsAhead | None = None,
    ) -> int:
        """Work through pages of jobs, ``send_workers`` pages in flight so that one page's
        database work overlaps another's Bot API calls. The workers' transactions take turns
        (``_transaction``): no two workers ever take the same job, and SQLite's single writer is
        never contended (its busy handler would sleep). With ``claims``, a worker out of jobs
        waits for the claim in progress instead of stopping."""

        async def worker() -> int:
            done = 0
            while not self._stopping:
                seen = claims.commits if claims is not None else 0
                async with self._transaction() as session:
                    jobs = await take(session)
                    if jobs:
                        await self._prepare(job.item_id for job in jobs)
                if claims is not None:
                    await claims.leased(len(jobs))
                if not jobs:
                    if claims is not None and await claims.next_claim(seen):
                        continue
                    break
                results = await asyncio.gather(*(handle(job) for job in jobs))
                if finish is not None:
                    async with self._transaction() as session:
                        await finish(session, jobs, list(results))
                done += len(jobs)
            return done

        return sum(await asyncio.gather(*(worker() for _ in range(self.send_workers))))

    # --- sending -------------------------------------------------------------------------------

    async def _send_claimed(self, claims: _ClaimsAhead) -> int:
        async def take(session: AsyncSession) -> list[DeliveryJob]:
            return await daily_posts.lease_deliveries(session, self.clock(), self.grace,
                                                      self.send_batch, self._lease())

        return await self._in_pages(take, self._deliver_and_record, claims=claims)

    async def _deliver_and_record(self, job: DeliveryJob) -> None:
        async def mark_in_flight() -> None:
            if not await self._ledger.started(job.delivery_id):
                raise _LeaseLost(job.delivery_id)

        token = before_departure.set(mark_in_flight)
        try:
            # A duplicate in the chat is worse than a post lost in doubt; of the message sent,
            # only its ids are kept.
            with at_most_once(), sent_ids_only():
                outcome = await self._deliver(job)
        except _LeaseLost:
            logger.warning("chat %s: the daily post was taken over by another replica",
                           job.chat_id)
            return
        finally:
            before_departure.reset(token)
        await self._ledger.finished(outcome)

    async def _record_outcomes(
        self, session: AsyncSession, outcomes: Sequence[SentPost | Postponed | _Refused]
    ) -> None:
        now, lease = self.clock(), self._lease()
        sent = [outcome for outcome in outcomes if isinstance(outcome, SentPost)]
        await daily_posts.complete_sent(session, sent, now, lease)
        postponed = [outcome for outcome in outcomes if isinstance(outcome, Postponed)]
        await daily_posts.postpone(session, postponed, now, self.grace, lease)
        for outcome in outcomes:
            if isinstance(outcome, _Refused):
                await self._apply_refusal(session, outcome)

    async def _deliver(self, job: DeliveryJob) -> SentPost | Postponed | _Refused:
        parts_sent = job.parts_sent
        chat = self.chats.for_chat(job.chat_id, thread_id=job.thread_id)
        try:
            prepared = self._prepared.get(job.item_id)
            if prepared is None:
                return _Refused.of(job, "the item no longer exists")
            ending = self._ending(prepared, job, chat)
            if prepared.quiz is not None:
                poll = poll_with_footer(shuffled_quiz_poll(prepared.quiz, self.rng), ending.footer)
                closes_at = self._closing(job)
                message = await chat.send_quiz(poll, is_anonymous=job.anonymous_polls,
                                               fair_play=job.fair_play, close_date=closes_at)
                if message.poll is None:
                    raise RuntimeError("sendPoll returned a message without a poll")
                return SentPost(job, message.message_id, message.poll.id,
                                tuple(prepared.quiz.correct_option_ids), poll.option_order,
                                reveal_at=closes_at)
            # One message at a time: after a refusal, only the parts not yet in the chat go.
            last_part: Message | None = None
            for part in ending.parts[job.parts_sent:]:
                last_part = await chat.send_post([part])
                parts_sent += 1
            if last_part is None:
                return _Refused.of(job,
                                "the item was shortened after part of it was posted")
            return SentPost(job, last_part.message_id)
        except _LeaseLost:
            raise
        except Exception as error:  # one bad post must not stop the broadcast
            if not_carried_out(error):
                not_before = (timedelta(seconds=error.retry_after)
                              if isinstance(error, TelegramRetryAfter) else timedelta(0))
                return Postponed(job, _describe(error), not_before, parts_sent)
            return _refusal(job, error)

    def _ending(self, prepared: _Prepared, job: DeliveryJob, chat: ChatContext) -> _Ending:
        """The post's footer, and the post's parts with it: worded once for every chat of the
        same zone and answer delay within a minute (the footer names the answer's minute)."""
        key = (prepared.card.id, job.timezone, job.reveal_after_minutes,
               chat.now.replace(second=0, microsecond=0))
        ending = self._endings.get(key)
        if ending is None:
            footer = self._footer(prepared.card, job, chat)
            ending = self._endings[key] = _Ending(
                footer, [] if prepared.quiz is not None else with_footer(prepared.question, footer))
        return ending

    def _footer(self, card: Card, job: DeliveryJob, chat: ChatContext) -> Rendered:
        """Hashtags, signature and when the answer comes, in the chat's zone and the item's
        language (the post's other words are in it too)."""
        locale = card.content.language.value
        zone = ZoneInfo(job.timezone)
        posted = chat.now.astimezone(zone)
        due = (chat.now + timedelta(minutes=job.reveal_after_minutes)).astimezone(zone)
        if due.date() == posted.date():
            when = self.i18n.gettext("daily-answer-at", locale=locale).format(
                time=f"{due:%H:%M}")
        else:
            when = self.i18n.gettext("daily-answer-on", locale=locale).format(
                date=f"{due:%d.%m}", time=f"{due:%H:%M}")
        return daily_footer(card, post_style(self.i18n, card, self.chats.signature), when)

    def _closing(self, job: DeliveryJob) -> datetime | None:
        """When Telegram closes a fair-play quiz: at its reveal, so that the reveal and the
        close are one moment even if the bot is late. An anonymous quiz is closed by the
        reveal itself: its counts come only with the closing (``stopPoll``)."""
        if not job.fair_play or job.anonymous_polls:
            return None
        # Telegram takes whole seconds.
        return (self.clock() + job.reveal_at).replace(microsecond=0)

    async def _apply_refusal(self, session: AsyncSession, refused: _Refused) -> None:
        now = self.clock()
        if refused.moved_to is not None:
            logger.info("chat %s became %s; the subscription follows it",
                        refused.job_chat_id, refused.moved_to)
            await subscriptions.move_chat(session, refused.job_chat_id, refused.moved_to, now)
            await daily_posts.redirect_delivery(session, refused.delivery_id, refused.moved_to,
                                                self._lease())
            return
        await daily_posts.fail_delivery(
            session, refused.delivery_id, refused.error, self._lease(),
            DeliveryStatus.UNKNOWN if refused.outcome_unknown else DeliveryStatus.FAILED,
        )
        await _pause_for(session, refused, now)

    async def _prepare(self, item_ids: Iterable[int]) -> None:
        """Load and render a page's items once: many chats get the same item."""
        missing = {item_id for item_id in item_ids if item_id not in self._prepared}
        if not missing:
            return
        async with self.session_factory() as session:
            cards = await load_cards(session, missing)
        for item_id in missing:
            card = cards.get(item_id)
            self._prepared[item_id] = None if card is None else _Prepared(
                card,
                card.content if isinstance(card.content, QuizItem) else None,
                [] if isinstance(card.content, QuizItem) else question_post(card),
            )

    # --- revealing -----------------------------------------------------------------------------

    async def _reveal_due(self) -> int:
        async def take(session: AsyncSession) -> list[RevealJob]:
            return await daily_posts.start_revealing(session, self.clock(), self.send_batch,
                                                     self._lease())

        return await self._in_pages(take, self._reveal, self._finish_revealing)

    async def _finish_revealing(
        self, session: AsyncSession, jobs: list[RevealJob], outcomes: list[_Refused | None]
    ) -> None:
        now = self.clock()
        for job, outcome in zip(jobs, outcomes, strict=True):
            await daily_posts.complete_reveal(session, job.delivery_id, now,
                                              outcome.error if outcome else None)
            if outcome is not None and outcome.pause_reason is not None:
                await _pause_for(session, outcome, now)
            elif outcome is not None and outcome.moved_to is not None:
                await subscriptions.move_chat(session, outcome.job_chat_id, outcome.moved_to, now)

    async def _reveal(self, job: RevealJob) -> _Refused | None:
        try:
            prepared = self._prepared.get(job.item_id)
            if prepared is None:
                return _Refused.of(job, "the item no longer exists")
            await self._post_answer(self.chats.for_chat(job.chat_id, thread_id=job.thread_id),
                                    prepared.card, job.message_id, job.poll_id, job.option_order)
        except Exception as error:  # one bad reveal must not stop the others
            return _refusal(job, error)
        return None

    async def _reveal_chat_quizzes(self) -> int:
        async def take(session: AsyncSession) -> list[QuizRevealJob]:
            return await quiz_reveals.take_due(session, self.clock(), self.send_batch)

        return await self._in_pages(take, self._reveal_chat_quiz)

    async def _reveal_chat_quiz(self, job: QuizRevealJob) -> None:
        """The answer under a one-off group /quiz; a refusal is only logged (no subscription
        to pause: the next /quiz meets the same refusal as this one)."""
        prepared = self._prepared.get(job.item_id)
        if prepared is None:
            return
        try:
            await self._post_answer(self.chats.for_chat(job.chat_id, thread_id=job.thread_id),
                                    prepared.card, job.message_id, job.poll_id, None)
        except Exception as error:  # one bad reveal must not stop the others
            logger.warning("chat %s: the answer to quiz %s was not posted: %s", job.chat_id,
                           job.poll_id, _describe(error))

    async def _post_answer(
        self, chat: ChatContext, card: Card, message_id: int, poll_id: str | None,
        order: OptionOrder | None,
    ) -> None:
        """Close the quiz (its counts give the result line), then reply with the answer.
        ``order``: the options' order the quiz went out in, where known (the closed poll names
        its right positions itself)."""
        lead = None
        if poll_id is not None:
            poll = None
            with contextlib.suppress(TelegramBadRequest):  # closed at its close_date
                poll = await self.bot.stop_poll(chat.chat_id, message_id)
            lead = await self._result_line(poll_id, poll, card, order)
        await chat.send_answer(card, self._answer_keyboard(chat, card), lead=lead,
                               reply_to=message_id)

    def _answer_keyboard(self, chat: ChatContext, card: Card) -> InlineKeyboardMarkup | None:
        """Under the answer: a way from the chat to drilling the topic in private, and one to
        share the item into another chat (inline mode, the item's id typed after @bot)."""
        locale = card.content.language.value
        rows = []
        link = chat.topic_link(card.content.topic)
        if link is not None:
            rows.append([InlineKeyboardButton(
                text=self.i18n.gettext("button-drill-topic-private", locale=locale), url=link)])
        return chat.shareable(InlineKeyboardMarkup(inline_keyboard=rows) if rows else None,
                              card.id, locale=locale)

    async def _result_line(
        self, poll_id: str, poll: Poll | None, card: Card, order: OptionOrder | None
    ) -> Rendered:
        """The share who chose exactly the right options.

        From the counts of the poll the reveal closed, unless the quiz was public and has
        several right options (Telegram's counts are per option: they cannot tell who chose
        all of them and nothing else) or Telegram had closed it already (at its close_date):
        then from the answers the bot recorded.
        """
        item = card.content
        several = isinstance(item, QuizItem) and len(item.correct_option_ids) > 1
        if poll is not None and (poll.is_anonymous or not several):
            answered, correct = poll.total_voter_count, self._correct_voters(poll, card, order)
        else:
            async with self.session_factory() as session:
                counted = await daily_posts.tally(session, poll_id)
            answered, correct = counted.answered, counted.correct
        locale = card.content.language.value
        if not answered:
            return plain(self.i18n.gettext("daily-result-nobody", locale=locale))
        percent = round(100 * correct / answered)
        return plain(self.i18n.gettext("daily-result", locale=locale).format(
            percent=percent, correct=correct, total=answered))

    @staticmethod
    def _correct_voters(poll: Poll, card: Card, order: OptionOrder | None) -> int:
        item = card.content
        # The closed quiz names its correct positions; the item's own, placed where the poll
        # showed them, should it not.
        correct_ids = poll.correct_option_ids or (positions_of(
            order or identity_order(len(item.options)), item.correct_option_ids,
        ) if isinstance(item, QuizItem) else [])
        # With several correct options a voter counts once per option: the least chosen
        # correct option bounds the number who got them all.
        return min((poll.options[i].voter_count for i in correct_ids
                    if i < len(poll.options)), default=0)


async def _pause_for(session: AsyncSession, refused: _Refused, now: datetime) -> None:
    """Pause what the refusal stops: the forum topic's subscription, else the whole chat's."""
    if refused.pause_reason is None:
        return
    logger.warning("chat %s: daily posts paused (%s)", refused.job_chat_id, refused.pause_reason)
    if refused.topic_only:
        await subscriptions.pause_subscription(session, refused.subscription_id,
                                               refused.pause_reason, now)
    else:
        await subscriptions.pause(session, refused.job_chat_id, refused.pause_reason, now)


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def _refusal(job: DeliveryJob | RevealJob, error: Exception) -> _Refused:
    chat_id, delivery_id = job.chat_id, job.delivery_id
    description = _describe(error)
    if may_have_arrived(error):
        logger.warning("chat %s: no answer to delivery %s (%s); it may have arrived, so it is "
                       "not sent again", chat_id, delivery_id, description)
        return _Refused.of(job, description, outcome_unknown=True)
    if isinstance(error, TelegramMigrateToChat):
        return _Refused.of(job, description, moved_to=error.migrate_to_chat_id)
    if isinstance(error, TelegramForbiddenError):
        return _Refused.of(job, description, pause_reason=error.message)
    if isinstance(error, TelegramBadRequest) and "chat not found" in error.message.lower():
        return _Refused.of(job, description, pause_reason=error.message)
    if isinstance(error, TelegramBadRequest) and topic_gone(error):
        return _Refused.of(job, description, pause_reason=error.message, topic_only=True)
    if isinstance(error, TelegramAPIError):
        logger.warning("chat %s: delivery %s failed: %s", chat_id, delivery_id, description)
    else:
        logger.error("chat %s: delivery %s failed", chat_id, delivery_id, exc_info=error)
    return _Refused.of(job, description)
