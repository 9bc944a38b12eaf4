"""`flask round ...`: create, open and close rounds and issue invitation links as CSV."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from survey.cli.common import (
    cli_transaction,
    command_transaction,
    danish_time,
    english_command_transaction,
    fail_with_problems,
    get_municipality,
    get_questionnaire,
    get_round,
)
from survey.core.extensions import db
from survey.delivery.closing import close_and_erase
from survey.delivery.queue import SendError, queue_send
from survey.delivery.texts import texts_for
from survey.ingest.importer import ImportError_, import_history, import_round
from survey.invitations.issuing import LinksNotAllowed, hand_out_links, open_link
from survey.invitations.poster import LINK_KINDS, SIZES, poster_pdf
from survey.invitations.sendlist import links_csv, parse_send_list
from survey.invitations.uploads import RepeatsNotConfirmed, confirm_list_repeats
from survey.models import LocalQuestion, Round
from survey.models.background import BACKGROUND_VARIABLES
from survey.models.base import utcnow
from survey.rounds.lifecycle import (
    RoundSettingsError,
    RoundStateError,
    create_round,
    open_round,
)
from survey.rounds.placement import add_local_question


@click.group("round", cls=AppGroup, help="Create, open and close survey rounds; issue invitations.")
def round_group():
    pass


@round_group.command("create")
@click.option(
    "--municipality", "municipality_code", type=int, required=True, help="Code, e.g. 461."
)
@click.option("--title", required=True)
@click.option("--questionnaire", "key", default="kl-beskaeftigelse", show_default=True)
@click.option("--version", type=int, default=None, help="Questionnaire version (default newest).")
@click.option(
    "--local", "local_codes", multiple=True, help="Code of a local question (repeatable)."
)
@click.option("--opens", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--closes", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--languages", default="da,en", show_default=True)
@click.option(
    "--accept-draft-languages",
    "accept_drafts",
    is_flag=True,
    help="Offer the chosen languages whose translation is a draft (not professionally checked).",
)
@command_transaction
def create(
    municipality_code, title, key, version, local_codes, opens, closes, languages, accept_drafts
):
    """Create a draft round; prints its id on the last line."""
    municipality = get_municipality(municipality_code)
    try:
        survey_round = create_round(
            municipality.code,
            title,
            get_questionnaire(key, version),
            opens_on=opens.date() if opens else None,
            closes_on=closes.date() if closes else None,
            languages=languages.split(","),
            accept_drafts=accept_drafts,
        )
    except RoundSettingsError as error:
        raise click.ClickException(str(error)) from None
    for code in local_codes:
        question = db.session.scalar(
            select(LocalQuestion)
            .where(LocalQuestion.municipality_code == municipality_code, LocalQuestion.code == code)
            .order_by(LocalQuestion.version.desc())
        )
        if question is None:
            raise click.ClickException(f"{municipality.name} has no local question '{code}'")
        add_local_question(survey_round, question)
    click.echo(survey_round.id)


@round_group.command("open")
@click.argument("round_id", type=int)
@command_transaction
def open_command(round_id: int):
    """Open a round: freeze its questions and make its links work."""
    survey_round = get_round(round_id)
    _change_state(open_round, survey_round)
    click.echo(f"Round {round_id} is open. Open link: {open_link(survey_round)}")


@round_group.command("close")
@click.argument("round_id", type=int)
@command_transaction
def close_command(round_id: int):
    """Close a round: no more answers are accepted, unsent messages are cancelled and the
    citizens' contact data erased."""
    _change_state(close_and_erase, get_round(round_id))
    click.echo(f"Round {round_id} is closed.")


def _change_state(change, survey_round: Round) -> None:
    try:
        change(survey_round)
    except RoundStateError as error:
        raise click.ClickException(str(error)) from None


@round_group.command("invite")
@click.argument("round_id", type=int)
@click.option(
    "--count", type=click.IntRange(1, 200_000), default=None, help="Links without background."
)
@click.option(
    "--send-list",
    type=click.File("rb"),
    default=None,
    help="Send list (CSV or XLSX): a reference column and optional background columns,"
    " checked exactly as on the web page.",
)
@click.option(
    "--repeat-references",
    is_flag=True,
    help="Give a new link also to references that already have one in this round.",
)
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-", show_default=True)
def invite(round_id: int, count: int | None, send_list, repeat_references: bool, output):
    """Issue invitation links and write them as CSV, shown this once (only keyed hashes of the
    tokens are stored): number;link;background... for --count, and for a send list the same
    file the web page gives, number;reference;link;background..."""
    with cli_transaction(messages_in_english=True):
        survey_round = get_round(round_id)
        if (count is None) == (send_list is None):
            raise click.ClickException("give either --count or --send-list")
        if send_list is not None:
            checked = parse_send_list(send_list.read())
            if not checked.ok:
                fail_with_problems(checked.errors, "nothing was issued: fix the send list first")
            _check_repeats(survey_round, checked, repeat_references)
            rows = checked.rows
        else:
            rows = [{} for _ in range(count)]
        try:
            links = hand_out_links(survey_round, rows)
        except LinksNotAllowed as error:
            raise click.ClickException(
                f"{error} Use `round send`, or let an operator run "
                f"`flask --app wsgi municipality link-downloads {survey_round.municipality_code} --allow`."
            ) from None
    # Written once committed: a link in the file always works.
    text = links_csv(links) if send_list is not None else count_links_csv(links)
    output.write(text.lstrip("\ufeff").replace("\r\n", "\n"))
    if output is not sys.stdout:
        click.echo(f"{len(links)} links written.", err=True)


def _check_repeats(survey_round: Round, checked, confirmed: bool) -> None:
    try:
        confirm_list_repeats(survey_round, checked, confirmed)
    except RepeatsNotConfirmed as refusal:
        raise click.ClickException(
            f"{refusal} (nothing was done; --repeat-references confirms)"
        ) from None


def count_links_csv(links) -> str:
    lines = [";".join(["number", "link", *BACKGROUND_VARIABLES])]
    lines += [f"{number};{link}" + ";" * len(BACKGROUND_VARIABLES) for number, link, _row in links]
    return "\n".join(lines) + "\n"


@round_group.command("send")
@click.argument("round_id", type=int)
@click.option(
    "--send-list",
    type=click.File("rb"),
    required=True,
    help="CSV or XLSX: reference, mobile and/or email, optional background columns.",
)
@click.option(
    "--at",
    "send_at",
    default=None,
    help="Danish local time of the first message (ISO, e.g. 2026-12-01T09:00); default now.",
)
@click.option(
    "--reminder-after-days",
    "reminder_days",
    type=int,
    multiple=True,
    help="A reminder this many days after the first message (repeat, at most 3).",
)
@click.option(
    "--repeat-references",
    is_flag=True,
    help="Give a new link also to references that already have one in this round.",
)
def send_command(
    round_id: int,
    send_list,
    send_at: str | None,
    reminder_days: tuple[int, ...],
    repeat_references: bool,
):
    """Invite by SMS or e-mail from Borgerblik itself; no link is shown to anyone.

    The last line is `queued S sms, E e-mail`; with a bad list, the row-by-row errors and
    exit code 1, with nothing queued.
    """
    with cli_transaction(messages_in_english=True):
        survey_round = get_round(round_id)
        when = danish_time(send_at, "--at") if send_at is not None else utcnow()
        checked = parse_send_list(send_list.read(), for_sending=True)
        if not checked.ok:
            fail_with_problems(checked.errors, "nothing was queued: fix the send list first")
        _check_repeats(survey_round, checked, repeat_references)
        texts = texts_for(survey_round.message_texts, list(survey_round.languages))
        try:
            queued = queue_send(survey_round, checked.rows, texts, when, reminder_days)
        except SendError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"{queued.invitations} invitations; {queued.reminders} reminders queued")
    click.echo(f"queued {queued.sms} sms, {queued.email} e-mail")


@round_group.command("list")
@click.option("--municipality", "municipality_code", type=int, default=None)
def list_command(municipality_code: int | None):
    """List rounds with their state."""
    query = select(Round).order_by(Round.id)
    if municipality_code:
        query = query.where(Round.municipality_code == municipality_code)
    for survey_round in db.session.scalars(query):
        click.echo(
            f"{survey_round.id}\t{survey_round.municipality_code}\t{survey_round.state}\t{survey_round.title}"
        )


@round_group.command("import")
@click.option("--municipality", "municipality_code", type=int, required=True)
@click.option("--title", required=True)
@click.option("--questionnaire", "key", required=True)
@click.option("--version", type=int, default=None)
@click.option(
    "--opens", type=click.DateTime(["%Y-%m-%d"]), default=None, help="When the round ran."
)
@click.option("--closes", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.argument("file", type=click.File("rb"))
@english_command_transaction
def import_command(municipality_code, title, key, version, opens, closes, file):
    """Create a closed round from respondent-level answers; prints its id on the last line.

    One row per respondent (CSV or XLSX); columns are item codes and background variables.
    Likert 1..5 and 0 for "ved ikke"; empty means not asked; multi values joined by "|".
    """
    municipality = get_municipality(municipality_code)
    questionnaire = get_questionnaire(key, version)
    try:
        survey_round = import_round(
            municipality,
            title.strip(),
            questionnaire,
            file.read(),
            opens.date() if opens else None,
            closes.date() if closes else None,
        )
    except ImportError_ as error:
        fail_with_problems(error.problems, f"nothing was imported: {len(error.problems)} problems")
    click.echo(survey_round.id)


@round_group.command("import-history")
@click.option("--municipality", "municipality_code", type=int, required=True)
@click.argument("file", type=click.File("rb"))
@english_command_transaction
def import_history_command(municipality_code, file):
    """Import aggregated results of older surveys: compare_key;period;n;positive[;text]."""
    try:
        count = import_history(get_municipality(municipality_code), file.read())
    except ImportError_ as error:
        fail_with_problems(error.problems, f"nothing was imported: {len(error.problems)} problems")
    click.echo(f"{count} results imported.")


@round_group.command("poster")
@click.argument("round_id", type=int)
@click.option("--size", type=click.Choice(SIZES), required=True, help="Paper size.")
@click.option(
    "--link",
    type=click.Choice(LINK_KINDS),
    default="open",
    show_default=True,
    help="open: answered on one's own phone; kiosk: a shared tablet.",
)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True)
@command_transaction
def poster_command(round_id: int, size: str, link: str, output: str):
    """Write a printable poster (PDF) of the round's open or kiosk link; works before the
    round opens (the link then says when it opens)."""
    survey_round = get_round(round_id)
    pdf = poster_pdf(survey_round, size, link)
    with open(output, "wb") as file:
        file.write(pdf)
    click.echo(f"Wrote the {size} poster of the {link} link of round {round_id} to {output}")


@round_group.command("publish")
@click.argument("round_id", type=int)
@click.option("--against", "against_id", type=int, default=None, help="An earlier round beside it.")
@english_command_transaction
def publish_command(round_id: int, against_id: int | None):
    """Publish a closed round's results on a public page; prints its address on the last line."""
    from survey.comparison.service import ResultsError
    from survey.publishing.service import PublishError, public_address, publish

    survey_round = get_round(round_id)
    against = get_round(against_id) if against_id is not None else None
    try:
        publish(survey_round, against)
    except (PublishError, ResultsError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(public_address(survey_round))


@round_group.command("unpublish")
@click.argument("round_id", type=int)
@english_command_transaction
def unpublish_command(round_id: int):
    """Take a round's public results page down."""
    from survey.publishing.service import unpublish

    survey_round = get_round(round_id)
    done = unpublish(survey_round)
    click.echo(f"Round {round_id}: " + ("unpublished." if done else "was not published."))
