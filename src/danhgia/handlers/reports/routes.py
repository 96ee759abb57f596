"""/baocao's routes: HR (any unit) and leaders (the units they lead) pick a unit, a period and a report; the bot
sends the unit's summary as an Excel file or its level chart as a picture. /ketqua's "📄 Phiếu đánh giá" sends a
person their own monitoring form (Word), "📈 Xu hướng" their points month by month. Private chat only; who may
read what is the workflow's rule (workflow/reports.py): a forged unit or record is refused as if it did not exist.

Documents are built off the event loop (a worker thread) after a "đang tạo báo cáo…" answer, so a large unit
does not hold up anyone else. The document libraries (matplotlib, openpyxl, python-docx: some 60 MB) are imported
when a report is first asked for, not when the bot starts.
"""

from __future__ import annotations

from decimal import Decimal

from telegram import Update
from telegram.ext import CommandHandler

from danhgia.chat.panel import Attachment, Panel
from danhgia.handlers.context import Context, run_sync, services_of
from danhgia.handlers.reports.callbacks import (
    CHART,
    FEATURE,
    PACKAGE,
    SUMMARY,
    Make,
    OwnForm,
    OwnTrend,
    OwnYearForm,
    PersonYearForm,
    PickPeriod,
    PickPerson,
    PickUnit,
    Progress,
)
from danhgia.handlers.reports.panels import kinds_panel, people_panel, periods_panel, units_panel
from danhgia.handlers.routes import Routes
from danhgia.handlers.ui import ack, close_text_step, command_person, guarded, show
from danhgia.texts import Html, join_html, t, t_html
from danhgia.workflow.common import ROLE_ADMIN, ROLE_HR, ROLE_LEADER, Actor, Identity
from danhgia.workflow.refusal import Refusal
from danhgia.workflow.report_data import ReportPeriod

routes = Routes(FEATURE)
MAX_UPLOAD = 50 * 1024 * 1024  # the largest file a bot may send (sendDocument)


def _may_report(identity: Identity) -> bool:
    return identity.has_role(ROLE_HR, ROLE_ADMIN, ROLE_LEADER)


async def _period(context: Context, actor: Actor, unit_id: int, key: str) -> tuple[str, ReportPeriod]:
    """The unit's name and one of the periods it can be reported on (a key not offered is refused)."""
    reports = services_of(context).reports
    periods = {p.key: p for p in await run_sync(reports.report_periods, actor, unit_id)}
    if key not in periods:
        raise Refusal("not_found")
    return dict(await run_sync(reports.units, actor)).get(unit_id, ""), periods[key]


@guarded
async def report_command(update: Update, context: Context) -> None:
    """/baocao: the units the person may report on (a leader with one unit goes straight to its periods)."""
    identity = await command_person(update, context)
    if identity is None:
        return
    if not _may_report(identity):
        raise Refusal("report_not_allowed")
    actor = Actor.person(identity.person_id)
    units = await run_sync(services_of(context).reports.units, actor)
    if len(units) == 1:
        (unit_id, name), lang = units[0], identity.language
        periods = await run_sync(services_of(context).reports.report_periods, actor, unit_id)
        await show(update, periods_panel(unit_id, name, periods, lang))
        return
    await show(update, units_panel(units, identity.language))


@routes.on(PickUnit)
async def pick_unit(update: Update, context: Context, identity: Identity, data: PickUnit) -> None:
    """The periods of the chosen unit (a unit the person may not report on is refused)."""
    actor = Actor.person(identity.person_id)
    periods = await run_sync(services_of(context).reports.report_periods, actor, data.unit_id)
    name = dict(await run_sync(services_of(context).reports.units, actor)).get(data.unit_id, "")
    await close_text_step(context, identity)
    await ack(update)
    await show(update, periods_panel(data.unit_id, name, periods, identity.language))


@routes.on(PickPeriod)
async def pick_period(update: Update, context: Context, identity: Identity, data: PickPeriod) -> None:
    """The reports of the chosen period, quarter or year."""
    name, period = await _period(context, Actor.person(identity.person_id), data.unit_id, data.key)
    await ack(update)
    await show(update, kinds_panel(data.unit_id, name, period, identity.language))


@routes.on(PickPerson)
async def pick_person(update: Update, context: Context, identity: Identity, data: PickPerson) -> None:
    """A page of the people whose form can be printed for the period or the year."""
    actor = Actor.person(identity.person_id)
    name, period = await _period(context, actor, data.unit_id, data.key)
    people = await run_sync(services_of(context).reports.members, actor, data.unit_id, data.key)
    await ack(update)
    await show(update, people_panel(data.unit_id, name, period, people, data.page, identity.language))


@routes.on(Make)
async def make(update: Update, context: Context, identity: Identity, data: Make) -> None:
    """Build the report off the event loop, then send it (a file, or a picture)."""
    from danhgia.reports.charts import level_chart
    from danhgia.reports.package import year_package
    from danhgia.reports.summary import summary_xlsx

    if data.kind not in (SUMMARY, CHART, PACKAGE) or (data.kind == PACKAGE and not data.key.isdigit()):
        raise Refusal("not_found")
    lang, actor = identity.language, Actor.person(identity.person_id)
    reports = services_of(context).reports
    summary = await run_sync(reports.summary, actor, data.unit_id, data.key)
    await ack(update, t("baocao.making", lang))
    name = f"{summary.unit_code}-{summary.period_key}"
    if data.kind == SUMMARY:
        content = await run_sync(summary_xlsx, summary)
        attachment = Attachment(f"tonghop-{name}.xlsx", content)
        text = t_html("baocao.summary_sent", lang, unit=summary.unit_name, period=summary.period_label)
    elif data.kind == CHART:
        content = await run_sync(level_chart, summary)
        attachment = Attachment(f"xeploai-{name}.png", content, photo=True)
        text = t_html("baocao.chart_sent", lang, unit=summary.unit_name, period=summary.period_label)
    else:
        forms = await run_sync(reports.year_forms, actor, data.unit_id, int(data.key))
        content = await run_sync(year_package, summary, forms)
        attachment = Attachment(f"ho-so-{name}.zip", content)
        text = t_html("baocao.package_sent", lang, unit=summary.unit_name, year=data.key, count=len(forms))
    if len(content) > MAX_UPLOAD:
        await show(update, Panel(t_html("baocao.too_large", lang, unit=summary.unit_code, key=data.key)), new=True)
        return
    if not summary.closed:
        text = join_html([text, t_html("baocao.provisional", lang)])
    await show(update, Panel(text, attachments=(attachment,)), new=True)


async def _send_document(update: Update, identity: Identity, text: Html, final: bool, attachment: Attachment) -> None:
    """Send a form (marked provisional while its period or year is not closed)."""
    if not final:
        text = join_html([text, t_html("baocao.provisional", identity.language)])
    await show(update, Panel(text, attachments=(attachment,)), new=True)


@routes.on(OwnForm)
async def own_form(update: Update, context: Context, identity: Identity, data: OwnForm) -> None:
    """The form of one record: the person's own, or one HR or the person's leader may read (anyone else's is
    refused as not found)."""
    from danhgia.reports.forms import form_docx

    form = await run_sync(services_of(context).reports.form, Actor.person(identity.person_id), data.assessment_id)
    lang = identity.language
    await ack(update, t("baocao.making", lang))
    content = await run_sync(form_docx, form)
    attachment = Attachment(f"phieu-{form.staff_code}-{form.period_key}.docx", content)
    if form.staff_code == identity.staff_code:
        text = t_html("baocao.form_sent", lang, period=form.period_label)
    else:
        text = t_html("baocao.form_sent_of", lang, name=form.person_name, period=form.period_label)
    await _send_document(update, identity, text, form.final, attachment)


@routes.on(Progress)
async def progress(update: Update, context: Context, identity: Identity, data: Progress) -> None:
    """HR's picture of a unit's open period: submitted (approved, waiting for the leader), not yet submitted."""
    from danhgia.reports.charts import progress_chart

    rows = await run_sync(services_of(context).periods.overview, Actor.person(identity.person_id), data.key)
    row = next((r for r in rows if r.unit_id == data.unit_id), None)
    if row is None:
        raise Refusal("not_found")
    await ack(update, t("baocao.making", identity.language))
    waiting = row.pending + row.returned
    submitted = row.approved + row.locked + waiting
    title = t("baocao.progress_title", identity.language, unit=row.unit_name, period=data.key)
    content = await run_sync(
        progress_chart, submitted, row.approved + row.locked, waiting, row.not_started + row.drafts, title
    )
    text = t_html("baocao.progress_sent", identity.language, unit=row.unit_name)
    await show(update, Panel(text, attachments=(Attachment("tien-do.png", content, photo=True),)), new=True)


@routes.on(OwnYearForm)
async def own_year_form(update: Update, context: Context, identity: Identity, data: OwnYearForm) -> None:
    """The person's own yearly form (before the year is over: marked provisional)."""
    from danhgia.reports.forms import year_form_docx

    actor = Actor.person(identity.person_id)
    form = await run_sync(services_of(context).reports.year_form, actor, identity.staff_code, data.year)
    await ack(update, t("baocao.making", identity.language))
    content = await run_sync(year_form_docx, form)
    attachment = Attachment(f"phieu-nam-{form.staff_code}-{form.year}.docx", content)
    text = t_html("baocao.year_form_sent", identity.language, year=form.year)
    await _send_document(update, identity, text, form.final, attachment)


@routes.on(PersonYearForm)
async def person_year_form(update: Update, context: Context, identity: Identity, data: PersonYearForm) -> None:
    """Someone's yearly form, for HR or their leader (anyone else's is refused as not found)."""
    from danhgia.reports.forms import year_form_docx

    actor = Actor.person(identity.person_id)
    form = await run_sync(services_of(context).reports.year_form_of, actor, data.person_id, data.year)
    await ack(update, t("baocao.making", identity.language))
    content = await run_sync(year_form_docx, form)
    attachment = Attachment(f"phieu-nam-{form.staff_code}-{form.year}.docx", content)
    text = t_html("baocao.year_form_sent_of", identity.language, name=form.person_name, year=form.year)
    await _send_document(update, identity, text, form.final, attachment)


@routes.on(OwnTrend)
async def own_trend(update: Update, context: Context, identity: Identity, data: OwnTrend) -> None:
    """The person's own points of each period (locked results, and the pending ones as they stand)."""
    from danhgia.reports.charts import trend_chart

    history = await run_sync(services_of(context).results.history, identity.person_id)
    await ack(update, t("baocao.making", identity.language))
    ordered = sorted(history, key=lambda e: e.period.starts_on)
    points = [(e.period.label, e.total) for e in ordered]
    top = ordered[-1].regime.max_total if ordered else Decimal(100)
    content = await run_sync(trend_chart, identity.full_name, points, top)
    text = t_html("baocao.trend_sent", identity.language, count=len(points))
    await show(update, Panel(text, attachments=(Attachment("xu-huong.png", content, photo=True),)), new=True)


HANDLERS = [
    CommandHandler("baocao", report_command),
    routes.handler(),
]
