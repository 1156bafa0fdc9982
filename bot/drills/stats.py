"""/stats: the learner's progress as text, and as a picture."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.drills.chart import ChartLabels, ChartRenderer
from bot.drills.exam import exam_readiness, load_exam
from bot.drills.exam_date import ask_how_it_went, readiness_text
from bot.drills.progress import Progress, progress
from bot.platform.content.markdown import Rendered, plain, styled
from bot.platform.i18n import day_count
from bot.study.callbacks import OpenStats
from bot.study.context import UpdateContext
from bot.study.learners import load_learner
from bot.study.posts import MESSAGE_LIMIT
from bot.study.sending import to_entities


def create_router() -> Router:
    router = Router(name="stats")
    router.message.filter(F.chat.type == ChatType.PRIVATE)
    router.callback_query.filter(F.message.chat.type == ChatType.PRIVATE)

    @router.message(Command("top"))
    async def top_in_private(message: Message) -> None:
        # The leaderboard is a group's: here there is nobody to rank against.
        await message.answer(_("top-private"))

    @router.message(Command("stats"))
    async def stats_command(
        message: Message, ctx: UpdateContext, session: AsyncSession,
        chart_renderer: ChartRenderer,
    ) -> None:
        await send_stats(ctx, session, chart_renderer)

    @router.callback_query(OpenStats.filter())
    async def stats_pressed(
        callback: CallbackQuery, ctx: UpdateContext, session: AsyncSession,
        chart_renderer: ChartRenderer,
    ) -> None:
        await callback.answer()
        await send_stats(ctx, session, chart_renderer)

    return router


async def send_stats(
    ctx: UpdateContext, session: AsyncSession, chart_renderer: ChartRenderer
) -> None:
    learner = await load_learner(session, ctx.user_id, ctx.default_zone)
    await ask_how_it_went(ctx, session, learner)
    report = await progress(session, ctx.user_id, zone=learner.zone, language=ctx.locale,
                            now=ctx.now)
    if report.is_empty:
        await ctx.send_message(_("stats-empty"))
        return
    post = summary(report)
    exam = await load_exam(session, ctx.user_id)
    if exam is not None and exam.exam_on >= ctx.now.astimezone(learner.zone).date():
        readiness = await exam_readiness(session, learner, exam, ctx.locale)
        post += plain("\n\n") + styled(
            _("stats-exam").format(date=exam.exam_on.strftime("%d.%m.%Y")), "bold"
        ) + plain("\n" + readiness_text(readiness))
    await ctx.send_post(post.split(MESSAGE_LIMIT))
    picture = await chart_renderer.render(report.last_days, report.forecast, chart_labels())
    caption = plain(_("stats-chart-caption").format(days=day_count(len(report.last_days))))
    await ctx.bot.send_photo(ctx.chat_id, BufferedInputFile(picture, "progress.png"),
                             caption=caption.text, caption_entities=to_entities(caption),
                             message_thread_id=ctx.thread_id)


def summary(report: Progress) -> Rendered:
    text = styled(_("stats-title"), "bold") + plain("\n\n" + "\n".join([
        _("stats-answers").format(answers=report.answers, correct=report.correct,
                                  percent=_percent(report.correct, report.answers)),
        _("stats-streak").format(current=day_count(report.streaks.current),
                                 best=day_count(report.streaks.best)),
        _("stats-cards").format(seen=report.cards.seen, mastered=report.cards.mastered,
                                due=report.cards.due_now),
    ]))
    text += plain("\n\n") + styled(_("stats-by-topic"), "bold")
    for topic in report.topics:
        text += plain(f"\n• {topic.title} — {_percent(topic.correct, topic.answers)}% "
                      f"({topic.correct}/{topic.answers})")
    if report.weak_points:
        text += plain("\n\n") + styled(_("stats-weak-points"), "bold")
        topic_id = None
        for weak in report.weak_points:
            if weak.topic_id != topic_id:
                topic_id = weak.topic_id
                text += plain(f"\n{weak.topic_title}:")
            text += plain("\n• " + _("stats-weak-point").format(
                point=weak.point, covered=weak.covered, graded=weak.graded))
    return text


def chart_labels() -> ChartLabels:
    return ChartLabels(
        activity_title=_("chart-activity-title"),
        answers=_("chart-answers"),
        accuracy=_("chart-accuracy"),
        forecast_title=_("chart-forecast-title"),
        due=_("chart-due"),
    )


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0
