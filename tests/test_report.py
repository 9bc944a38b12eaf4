"""The June report in four formats, each checked figure by figure against the comparison JSON.

Two Odense rounds (spring 2025 and spring 2026) get seeded answers with fixed seeds, plus:
one question that rose and one that fell a lot (so the summary has something significant
to say), a local question nearly nobody answered (suppressed overall), a benefit group of
three respondents (suppressed in the split), three other municipalities (the benchmark),
ambition levels, comments, and local questions whose texts carry markup and a formula.

The report is written by the real CLI (`flask report`) in HTML, PDF, XLSX and DOCX, and
`flask results compare --json` gives the figures each format must show, formatted as the
report formats them ("62 %", "58–66 %", "+8 pct.-point", "0,032", "3,4").
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from dataclasses import dataclass
from datetime import date
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import select, update
from staff import audit_actions, logged_in, make_user

from survey.core.extensions import db
from survey.models import Answer, Response, Round

ODENSE, RODOVRE = 461, 175
BENCHMARK_MUNICIPALITIES = (175, 101, 751)  # Rødovre, København, Aarhus
MARKUP = "<script>alert(1)</script> Jeg fik <b>hjælp</b> til det, jeg bad om"
FORMULA = "=1+1 Jeg vil anbefale jobcentret til andre"
RARE = "Jeg deltog i et informationsmøde om fleksjob"
TINY_GROUP = "ressourceforloeb"
ROSE, FELL = "kl.meeting.respect", "kl.goals.clear"
COMMENT_ITEM = "kl.overall.comment"
OWN_COMMENTS = (
    "Tak til min sagsbehandler, der altid ringede tilbage.",
    '=HYPERLINK("https://example.invalid","klik her")',
)
SUPPRESSED = "under 5 svar"
PROTECTING = "skjult (beskytter en mindre gruppe)"
THEMES = ("meeting", "goals", "conversation", "progression", "overall")
FORMATS = ("html", "pdf", "xlsx", "docx")
SATISFIED = "kl.overall.satisfied"
AMBITIONS = {2025: 0.5, 2026: 0.6, 2027: 0.65}


# --- the report's Danish formatting, applied to the JSON ----------------------------------


def pct(share: float | None) -> str:
    return "–" if share is None else f"{round(share * 100)} %"


def interval(ci) -> str:
    return f"{round(ci[0] * 100)}–{round(ci[1] * 100)} %"


def side_text(side: dict | None, yes_no: bool = False) -> str:
    if side is None:
        return "ikke spurgt"
    if side["suppressed"]:
        if side["suppressed_reason"] == "protects_other":
            return PROTECTING
        return SUPPRESSED
    if side["share"] is None:
        return "–"
    share = pct(side["share"]) + (" ja" if yes_no else "")
    uncertain = " usikkert" if side["n"] < 30 else ""
    return f"{share} ({interval(side['ci'])}){uncertain}"


def n_cell(side: dict) -> str:
    """A side's n as a table shows it: a hidden side has none (analysis.results)."""
    return "–" if side["n"] is None else str(side["n"])


def points(diff: float) -> str:
    value = round(diff * 100)
    return f"{'+' if value > 0 else ''}{value} pct.-point"


def decimal(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}".replace(".", ",")


def p_text(p: float) -> str:
    if p < 0.001:
        return "p < 0,001 (justeret)"
    if p > 0.99:
        return "p > 0,99 (justeret)"
    return f"p = {decimal(p, 3 if p < 0.01 else 2)} (justeret)"


def signed(limit: float) -> str:
    return f"{round(limit * 100):+d}"


def change_text(change: dict | None) -> str:
    """The change with its Holm-level interval and the verdict on one line."""
    if change is None:
        return "–"
    low, high = change["ci_adjusted"]
    text = f"{points(change['diff'])} ({signed(low)} til {signed(high)}, justeret)"
    text += " signifikant" if change["significant"] else ""
    if (low > 0 or high < 0) != change["significant"]:
        text += " (interval og test er uenige ved grænsen)"
    return text


def squeeze(text: str) -> str:
    """No whitespace at all: table cells wrap differently in every format."""
    return re.sub(r"\s+", "", text)


def norm(text: str) -> str:
    return " ".join(text.split())


# --- a small HTML tree ----------------------------------------------------------------------

VOID = {"meta", "link", "br", "img", "input", "hr", "col", "area", "base", "source", "wbr"}


class Node:
    def __init__(self, tag: str, attrs, parent: Node | None):
        self.tag, self.attrs, self.parent = tag, dict(attrs), parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, *tags: str):
        for child in self.children:
            if isinstance(child, Node):
                if not tags or child.tag in tags:
                    yield child
                yield from child.iter(*tags)

    def first(self, tag: str) -> Node | None:
        return next(self.iter(tag), None)


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [], None)
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, attrs, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse_html(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


@dataclass
class Table:
    caption: str
    header: list[str]
    rows: list[list[str]]  # body rows: the row header first, then the data cells
    node: Node


def tables_of(root: Node) -> list[Table]:
    tables = []
    for node in root.iter("table"):
        caption = node.first("caption")
        head = node.first("thead")
        body = node.first("tbody")
        tables.append(
            Table(
                caption=norm(caption.text()) if caption else "",
                header=[norm(th.text()) for th in head.iter("th")] if head else [],
                rows=[
                    [norm(cell.text()) for cell in tr.iter("th", "td")]
                    for tr in (body.iter("tr") if body else [])
                ],
                node=node,
            )
        )
    return tables


def summary_sentences(root: Node) -> list[str]:
    (section,) = [s for s in root.iter("section") if s.attrs.get("aria-labelledby") == "summary"]
    return [norm(li.text()) for li in section.iter("li")]


# --- what each format must show -------------------------------------------------------------


@dataclass
class Built:
    ids: dict[str, int]
    titles: dict[str, str]  # theme -> page title in the round
    data: dict  # results compare --json, with --against and --by benefit_group
    alone: dict  # results compare --json of the current round alone
    files: dict[str, Path]  # "html", ..., "html+free", ..., "html-alone"
    comments: list[str]  # every comment given in the current round
    tiny_truth: dict[str, tuple[int, int]]  # item code -> (n valid, positive) of the tiny group
    rare_code: str
    formula_code: str
    markup_code: str
    invitations: dict[str, int]
    audit: list[tuple[str, dict]]


def scored(item: dict) -> bool:
    return item["type"] in ("likert5", "yesno")


def section_items(data: dict, theme: str) -> list[dict]:
    if theme == "local":
        return [i for i in data["items"] if i["source"] == "local"]
    return [i for i in data["items"] if i["theme"] == theme and i["source"] == "core"]


def sections(built: Built, data: dict) -> list[tuple[str, str, list[dict]]]:
    found = [
        (theme, built.titles[theme], section_items(data, theme))
        for theme in THEMES
        if section_items(data, theme)
    ]
    return [*found, ("local", "Lokale spørgsmål", section_items(data, "local"))]


def group_label(group: dict) -> str:
    return f"Ydelsesgruppe: {group['value'] if group['value'] is not None else 'ukendt'}"


def bench_text(item: dict) -> str:
    """The benchmark and, where tested, the own municipality against it."""
    bench = item["benchmark"]
    if not bench:
        return "–"
    text = side_text(bench, item["type"] == "yesno")
    if bench["vs_benchmark"]:
        versus = bench["vs_benchmark"]
        text += f"; forskel {change_text(versus)}, {p_text(versus['p_adjusted'])}"
    return text


def rest_text(group: dict) -> str:
    versus = group["vs_rest"]
    return f"{change_text(versus)}, {p_text(versus['p_adjusted'])}" if versus else "–"


def html_rows(data: dict, items: list[dict]) -> list[list[str]]:
    """The theme table's body as the HTML report must show it."""
    with_previous = data["against"] is not None
    rows = []
    for item in items:
        yes_no = item["type"] == "yesno"
        text = item["text"] + (" (formuleret anderledes før)" if item["wording_changed"] else "")
        lines = [(text, item["current"], item["previous"], item["change"], bench_text(item), "")]
        lines += [
            (group_label(g), g["current"], g["previous"], g["change"], "", rest_text(g))
            for g in item["groups"]
        ]
        for label, current, previous, change, benchmark, rest in lines:
            row = [
                label,
                n_cell(current),
                side_text(current, yes_no) if scored(item) else "–",
                decimal(current["mean"]),
            ]
            if with_previous:
                before = (
                    side_text(previous, yes_no) if previous is not None and scored(item) else "–"
                )
                shown_change = change_text(change)
                row += [before, shown_change, p_text(change["p_adjusted"]) if change else "–"]
            row.append(benchmark)
            if data["by"]:
                row.append(rest)
            rows.append(row)
    return rows


def docx_rows(data: dict, items: list[dict]) -> list[list[str]]:
    """The same table in the DOCX, with the mean column after the share."""
    rows = []
    for item in items:
        yes_no = item["type"] == "yesno"
        lines = [
            (item["text"], item["current"], item["previous"], item["change"], bench_text(item), "")
        ]
        lines += [
            (group_label(g), g["current"], g["previous"], g["change"], "–", rest_text(g))
            for g in item["groups"]
        ]
        for label, current, previous, change, benchmark, rest in lines:
            row = [label, n_cell(current), side_text(current, yes_no) if scored(item) else "–"]
            row.append(decimal(current["mean"]))
            if data["against"] is not None:
                row += [
                    side_text(previous, yes_no) if scored(item) and previous else "–",
                    change_text(change),
                    p_text(change["p_adjusted"]) if change else "–",
                ]
            row.append(benchmark)
            if data["by"]:
                row.append(rest)
            rows.append(row)
    return rows


def expected_summary(data: dict) -> list[str]:
    compared = [i for i in data["items"] if i["change"] is not None]
    significant = [i for i in compared if i["change"]["significant"]]
    sentences = [
        f"Andelen positive for “{i['text']}” {'steg' if i['change']['diff'] > 0 else 'faldt'} "
        f"fra {pct(i['previous']['share'])} til {pct(i['current']['share'])}. "
        "Ændringen er statistisk signifikant."
        for i in significant
    ]
    unchanged = len(compared) - len(significant)
    if unchanged:
        sentences.append(
            f"For {unchanged} af {len(compared)} sammenlignede spørgsmål er ændringen siden "
            f"{data['against']['title']} ikke statistisk signifikant: den kan skyldes "
            "tilfældigheder."
        )
    return sentences


def distribution_rows(item: dict) -> list[list[str]]:
    return [
        [o["label"], str(o["count"]) if o["count"] is not None else "skjult", pct(o["share"])]
        for o in item["distribution"]
    ]


def target_rows(built: Built) -> list[list[str]]:
    """The CFU-style table for kl.overall.satisfied: one round per year, so the JSON's sides."""
    (item,) = [i for i in built.data["items"] if i["code"] == SATISFIED]
    sides = {2025: item["previous"], 2026: item["current"]}
    rows = []
    for year, ambition in sorted(AMBITIONS.items()):
        side = sides.get(year)
        if side is None:
            rows.append([str(year), "–", "–", pct(ambition), "Ingen data"])
            continue
        low, high = side["ci"]
        verdict = "Nået" if low >= ambition else "Ikke nået" if high < ambition else "Kan ikke"
        rows.append([str(year), str(side["n"]), pct(side["share"]), pct(ambition), verdict])
    return rows


# --- building the rounds --------------------------------------------------------------------


def _local_questions():
    from survey.bank.questions import QuestionDraft, create_question
    from survey.demo.setup import ensure_odense_questions

    bank = [
        create_question(
            ODENSE,
            QuestionDraft(
                texts={"da": text},
                type="likert5",
                options=[],
                max_length=None,
                help=None,
                show_if=None,
            ),
        )
        for text in (MARKUP, FORMULA, RARE)
    ]
    return ensure_odense_questions() + bank, bank


def _round(municipality: int, title: str, opens_on: date, local=()) -> Round:
    from survey.models import Municipality
    from survey.rounds.lifecycle import open_round
    from survey.rounds.placement import add_local_question

    survey_round = Round(
        municipality=db.session.get(Municipality, municipality),
        title=title,
        questionnaire_key="kl-beskaeftigelse",
        questionnaire_version=1,
        languages=["da", "en"],
        opens_on=opens_on,
    )
    db.session.add(survey_round)
    for question in local:
        add_local_question(survey_round, question)
    db.session.flush()
    open_round(survey_round)
    db.session.flush()
    return survey_round


def _answer_ids(round_id: int, code: str) -> list[str]:
    return list(
        db.session.scalars(
            select(Answer.response_id)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.round_id == round_id, Answer.item_code == code)
            .order_by(Answer.response_id)
        )
    )


def _set_values(round_id: int, code: str, old: tuple[str, ...], new: str) -> None:
    ids = _answer_ids(round_id, code)
    db.session.execute(
        update(Answer)
        .where(Answer.response_id.in_(ids), Answer.item_code == code, Answer.value.in_(old))
        .values(value=new)
    )


def _tiny_group(survey_round: Round, count: int, skip=()) -> dict[str, tuple[int, int]]:
    """`count` respondents of a benefit group nobody else is in, all strongly agreeing."""
    from survey.models.base import random_id
    from survey.rounds.definition import round_definition

    truth = {}
    for _ in range(count):
        response = Response(
            id=random_id(),
            round_id=survey_round.id,
            channel="open",
            completed=True,
            started_on=survey_round.opens_on,
            completed_on=survey_round.opens_on,
            benefit_group=TINY_GROUP,
            age_band="30-49",
        )
        db.session.add(response)
        db.session.flush()  # answers have no relationship to order them after their response
        given: dict[str, str] = {}
        for item in round_definition(survey_round).items:
            if not item.is_shown(given) or item.type == "text" or item.code in skip:
                continue
            given[item.code] = "5" if item.type == "likert5" else "2"
            db.session.add(
                Answer(response_id=response.id, item_code=item.code, value=given[item.code])
            )
            n, positive = truth.get(item.code, (0, 0))
            truth[item.code] = (n + 1, positive + 1)
    db.session.flush()
    return truth


def build_data(app) -> dict:
    """Both Odense rounds and the benchmark; returns ids, titles and facts checked later."""
    from survey.comments.flags import redact
    from survey.comparison.targets import set_target
    from survey.demo.answers import seed_responses
    from survey.invitations.issuing import issue_invitations
    from survey.models import CommentReview, Invitation
    from survey.rounds.definition import round_definition

    with app.app_context():
        local, bank = _local_questions()
        before = _round(ODENSE, "Forår 2025", date(2025, 3, 1), local)
        now = _round(ODENSE, "Forår 2026", date(2026, 3, 1), local)
        seed_responses(before, 320, seed=2025, positive_share=0.55, first_day=date(2025, 3, 3))
        seed_responses(now, 340, seed=2026, positive_share=0.55, first_day=date(2026, 3, 2))
        _set_values(now.id, ROSE, ("1", "2"), "5")
        _set_values(now.id, FELL, ("5",), "2")
        markup_code, formula_code, rare_code = (q.code for q in bank)
        # Only three people in the new round gave a valid answer to the rare question.
        _set_values(now.id, rare_code, ("1", "2", "3", "4", "5"), "0")
        for response_id in _answer_ids(now.id, rare_code)[:3]:
            db.session.execute(
                update(Answer)
                .where(Answer.response_id == response_id, Answer.item_code == rare_code)
                .values(value="4")
            )
        tiny_truth = _tiny_group(now, 3, skip={rare_code})
        _tiny_group(before, 2)
        # Comments: the seeded ones plus two of our own (one a formula).
        without = db.session.scalars(
            select(Response.id)
            .where(Response.round_id == now.id, Response.benefit_group != TINY_GROUP)
            .where(~Response.id.in_(_answer_ids(now.id, COMMENT_ITEM)))
            .order_by(Response.id)
            .limit(len(OWN_COMMENTS))
        ).all()
        for response_id, comment in zip(without, OWN_COMMENTS, strict=True):
            db.session.add(Answer(response_id=response_id, item_code=COMMENT_ITEM, value=comment))
        for code in BENCHMARK_MUNICIPALITIES:
            other = _round(code, "Forår 2026", date(2026, 3, 1))
            seed_responses(other, 60, seed=code, positive_share=0.6, first_day=date(2026, 3, 2))
        issued = (
            [{"benefit_group": "kontanthjaelp"}] * 30
            + [{"benefit_group": "dagpenge"}] * 10
            + [{"benefit_group": TINY_GROUP}] * 3
        )
        issue_invitations(now, issued)
        db.session.flush()
        first = db.session.scalars(
            select(Invitation.id)
            .where(Invitation.round_id == now.id, Invitation.benefit_group == "kontanthjaelp")
            .order_by(Invitation.number)
            .limit(12)
        ).all()
        db.session.execute(
            update(Invitation).where(Invitation.id.in_(first)).values(state="completed")
        )
        for year, ambition in AMBITIONS.items():
            set_target(ODENSE, SATISFIED, year, ambition)
        for survey_round in db.session.scalars(select(Round)):
            survey_round.state = "closed"  # results exist once a round has closed
        titles = {page.theme: page.title["da"] for page in round_definition(now).pages}
        # Reports quote only comments an analyst reviewed, redacted and chose: all of them here.
        written = db.session.execute(
            select(Answer.response_id, Answer.value)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.round_id == now.id, Answer.item_code == COMMENT_ITEM)
        ).all()
        for response_id, value in written:
            db.session.add(
                CommentReview(
                    round_id=now.id,
                    response_id=response_id,
                    item_code=COMMENT_ITEM,
                    redacted=redact(value),
                    quote=True,
                )
            )
        comments = sorted(redact(value) for _id, value in written)
        db.session.commit()
        facts = {
            "ids": {"now": now.id, "before": before.id},
            "titles": titles,
            "comments": comments,
            "tiny_truth": tiny_truth,
            "markup_code": markup_code,
            "formula_code": formula_code,
            "rare_code": rare_code,
            "invitations": {"kontanthjaelp": 30, "dagpenge": 10, "completed": 12},
        }
        db.session.remove()
    return facts


def run_cli(app, *args) -> str:
    """The real command; `report` is a plain click command that `flask` gives an app context."""
    with app.app_context():
        result = app.test_cli_runner().invoke(args=[str(a) for a in args])
        db.session.remove()
    assert result.exit_code == 0, (args, result.output, result.exception)
    return result.output


@pytest.fixture(scope="module")
def built(app, tmp_path_factory) -> Built:
    """Everything written once per module; the tables are emptied after the first test."""
    from survey.models import AuditEvent

    out = tmp_path_factory.mktemp("report")
    facts = build_data(app)
    now, before = facts["ids"]["now"], facts["ids"]["before"]
    data = json.loads(
        run_cli(
            app, "results", "compare", now, "--against", before, "--by", "benefit_group", "--json"
        )
    )
    alone = json.loads(run_cli(app, "results", "compare", now, "--json"))
    files = {}
    for fmt in FORMATS:
        split = ("--against", before, "--by", "benefit_group")
        for name, extra in ((fmt, ()), (f"{fmt}+free", ("--free-text",))):
            files[name] = out / f"{name.replace('+', '-')}.{fmt}"
            run_cli(app, "report", now, *split, "--format", fmt, "--output", files[name], *extra)
    files["html-alone"] = out / "alone.html"
    run_cli(app, "report", now, "--format", "html", "--output", files["html-alone"])
    with app.app_context():
        audit = [
            (event.action, event.details)
            for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]
        db.session.remove()
    return Built(data=data, alone=alone, files=files, audit=audit, **facts)


@pytest.fixture(scope="module")
def html(built) -> str:
    return built.files["html"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def tree(html) -> Node:
    return parse_html(html)


def pdf_text(path: Path, *options: str) -> str:
    return subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


# --- the data behind the tests must itself be interesting -----------------------------------


def test_the_comparison_has_significant_and_unchanged_items_and_suppressed_figures(built):
    items = {i["code"]: i for i in built.data["items"]}
    assert items[ROSE]["change"]["significant"] and items[ROSE]["change"]["diff"] > 0
    assert items[FELL]["change"]["significant"] and items[FELL]["change"]["diff"] < 0
    assert any(i["change"] and not i["change"]["significant"] for i in items.values())
    assert items[built.rare_code]["current"] == {
        "n": None,  # 3 answered: itself a figure from under 5
        "positive": None,
        "share": None,
        "ci": None,
        "mean": None,
        "mean_ci": None,
        "suppressed": True,
        "suppressed_reason": "too_few",
        "uncertain": False,
        "weighted": None,
        "weighted_reason": None,
    }
    tiny = [g for i in items.values() for g in i["groups"] if g["value"] == TINY_GROUP]
    assert tiny and all(g["current"]["suppressed"] and g["current"]["share"] is None for g in tiny)
    # Secondary suppression hides another group where the total would give the tiny one away.
    assert any(
        g["current"]["suppressed_reason"] == "protects_other"
        for i in items.values()
        for g in i["groups"]
    )
    assert all(
        i["benchmark"] and not i["benchmark"]["suppressed"]
        for i in items.values()
        if i["source"] == "core" and scored(i)
    )
    assert {items[built.markup_code]["text"], items[built.formula_code]["text"]} == {
        MARKUP,
        FORMULA,
    }


# --- HTML -------------------------------------------------------------------------------


def test_html_theme_tables_show_exactly_the_json_figures(built, tree):
    tables = tables_of(tree)
    for theme, title, items in sections(built, built.data):
        (table,) = [t for t in tables if t.caption == f"{title}: andel positive pr. spørgsmål"]
        assert table.header == [
            "Spørgsmål",
            "n",
            "Andel positive (95 %-interval)",
            "Gennemsnit (1–5)",
            "Før",
            "Ændring",
            "Justeret p",
            "Andre kommuner",
            "Gruppen mod resten",
        ], theme
        assert table.rows == html_rows(built.data, items), theme


def test_html_charts_are_inline_svg_with_the_json_figures_in_labels_title_and_description(
    built, tree
):
    svgs = [
        s
        for s in tree.iter("svg")
        if not s.attrs["aria-labelledby"].startswith(("trend-", "chart-drivers"))
    ]
    assert len(svgs) == len(sections(built, built.data))
    for svg, (theme, title, items) in zip(svgs, sections(built, built.data), strict=True):
        assert svg.attrs["role"] == "img"
        title_node, desc_node = svg.first("title"), svg.first("desc")
        assert title_node is not None and desc_node is not None, theme
        assert svg.attrs["aria-labelledby"] == f"{title_node.attrs['id']} {desc_node.attrs['id']}"
        assert norm(title_node.text()) == f"Andel positive: {title}"
        parts, labels = [], []
        for item in (i for i in items if scored(i)):
            current, previous = item["current"], item["previous"]
            if current["share"] is None:
                parts.append(f"{item['text']}: færre end 5 svar, vises ikke")
                labels.append("(under 5 svar)")
            else:
                word = "ja" if item["type"] == "yesno" else "positive"
                text = f"{item['text']}: {pct(current['share'])} {word} (n={current['n']})"
                labels.append(f"{pct(current['share'])} n={current['n']}")
                if previous and previous["share"] is not None:
                    text += f", før {pct(previous['share'])} (n={previous['n']})"
                parts.append(text)
            if previous is None or previous["share"] is None:
                labels.append("(under 5 svar)")
            else:
                labels.append(f"{pct(previous['share'])} n={previous['n']}")
        assert norm(desc_node.text()) == norm("; ".join(parts) + "."), theme
        drawn = [norm(t.text()) for t in svg.iter("text")]
        bar_labels = [t for t in drawn if re.fullmatch(r"\d+ % n=\d+|\(under 5 svar\)", t)]
        assert sorted(bar_labels) == sorted(labels), theme


def trend_themes(built) -> list[tuple[str, list[dict]]]:
    """(title, questions) of each theme with a question drawn in both rounds."""
    found = []
    for _theme, title, items in sections(built, built.data):
        asked = [i for i in items if scored(i) and i["previous"] is not None]
        if any(
            i["previous"]["share"] is not None and i["current"]["share"] is not None for i in asked
        ):
            found.append((title, asked))
    return found


def trend_label(item: dict) -> str:
    return f"{item['text']} (andel ja)" if item["type"] == "yesno" else item["text"]


def test_html_trend_charts_draw_every_theme_with_a_line_per_question(built, tree):
    """Per theme one line chart with intervals, a line per question asked in both rounds, a
    table per question and the test in words, checked against statsmodels
    (Cochran–Armitage = linear-by-linear test x N / (N - 1)), with time at the middle of
    each half-year. A question under 5 answers in a round is in the table, never drawn."""
    import numpy as np
    from scipy import stats
    from statsmodels.stats.contingency_tables import Table

    charts = {s.attrs["aria-labelledby"].split()[0]: s for s in tree.iter("svg")}
    tables = tables_of(tree)
    followed = 0
    for theme, title, items in sections(built, built.data):
        asked = [i for i in items if scored(i) and i["previous"] is not None]
        if not asked:
            assert f"trend-{theme}-title" not in charts, theme
            continue
        svg = charts[f"trend-{theme}-title"]
        assert norm(svg.first("title").text()) == f"Udvikling: {title}"
        desc = norm(svg.first("desc").text())
        drawn = " ".join(norm(t.text()) for t in svg.iter("text"))
        for item in asked:
            followed += 1
            before, now = item["previous"], item["current"]
            label = trend_label(item)
            assert f"{label}: " in desc, (label, desc)
            (table,) = [t for t in tables if t.caption == f"Udvikling: {item['text']}"]
            share = "Andel ja" if item["type"] == "yesno" else "Andel positive"
            assert table.header == ["Periode", "n", f"{share} (95 %-interval)"]
            assert table.rows == [
                ["1. halvår 2025", n_cell(before), side_text(before)],
                ["1. halvår 2026", n_cell(now), side_text(now)],
            ]
            if before["share"] is None or now["share"] is None:
                # not drawn: its text is in the description, never in the chart's legend
                assert item["text"] not in drawn, item["code"]
                assert "færre end 5 svar, vises ikke" in desc
                continue
            assert item["text"][:40] in drawn, item["code"]
            assert f"1. halvår 2025: {pct(before['share'])} (n={before['n']})" in desc, desc
            assert f"1. halvår 2026: {pct(now['share'])} (n={now['n']})" in desc, desc
            positives = np.array([before["positive"], now["positive"]])
            totals = np.array([before["n"], now["n"]])
            reference = Table(
                np.column_stack([totals - positives, positives])
            ).test_ordinal_association(
                row_scores=np.array([2025.25, 2026.25]), col_scores=np.array([0, 1])
            )
            z = reference.zscore * np.sqrt(totals.sum() / (totals.sum() - 1))
            p = 2 * stats.norm.sf(abs(z))
            sentence = f"{p_text(p).removesuffix(' (justeret)')} (Cochran–Armitage)"
            slope = positives[1] / totals[1] - positives[0] / totals[0]  # a year apart
            assert f"Udvikling {points(slope)} pr. år, {sentence}" in desc, (desc, p)
    assert followed > len(THEMES)


def test_html_appendix_targets_and_sample_match_the_json_and_the_database(built, tree):
    tables = tables_of(tree)
    for item in (i for i in built.data["items"] if i["distribution"]):
        n = item["current"]["n"]
        caption = item["text"] + ("" if n is None else f" (n = {n})")
        (table,) = [t for t in tables if t.caption == caption]
        assert table.header == ["Svar", "Antal", "Andel"]
        assert table.rows == distribution_rows(item), item["code"]
    (rare,) = [i for i in built.data["items"] if i["code"] == built.rare_code]
    assert all(o["count"] is None for o in rare["distribution"])

    (satisfied,) = [i for i in built.data["items"] if i["code"] == SATISFIED]
    (target,) = [t for t in tables if t.caption == satisfied["text"]]
    assert target.header == ["År", "n", "Andel positive", "Ambitionsniveau", "Nået?"]
    want = target_rows(built)
    assert [row[:4] for row in target.rows] == [row[:4] for row in want]
    for shown, expected in zip(target.rows, want, strict=True):
        assert shown[4].startswith(expected[4]), (shown, expected)

    (sample,) = [t for t in tables if t.caption == "Inviterede, gennemførte og svarprocent"]
    inv = built.invitations
    total = inv["kontanthjaelp"] + inv["dagpenge"] + 3
    assert sample.rows[0] == [
        "Alle invitationer",
        str(total),
        str(inv["completed"]),
        pct(inv["completed"] / total),
    ]
    groups = {row[0]: row[1:] for row in sample.rows[1:]}
    assert groups == {
        "Ydelsesgruppe: dagpenge": ["10", "0", "0 %"],
        "Ydelsesgruppe: kontanthjaelp": ["30", "12", pct(12 / 30)],
    }  # the group of three invitations is neither shown nor pooled on its own


def test_html_is_one_self_contained_accessible_file(html, tree):
    assert "<script" not in html.lower()
    assert not list(tree.iter("script", "link", "iframe", "object", "embed", "img"))
    for node in tree.iter():
        for attribute in ("src", "href", "xlink:href", "srcset", "action"):
            value = node.attrs.get(attribute)
            assert value is None or value.startswith("#"), (node.tag, attribute, value)
    assert "@import" not in html
    assert all(ref.startswith("url(#") for ref in re.findall(r"url\([^)]*\)", html))
    assert tree.first("html").attrs.get("lang") == "da"
    # The report's styles, then the screen's and the phone's (which print skips).
    media = [node.attrs.get("media") for node in tree.first("head").iter("style")]
    assert media == [None, "screen", "screen and (max-width: 40rem)"]

    levels = [int(node.tag[1]) for node in tree.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in pairwise(levels)), levels

    tables = list(tree.iter("table"))
    assert len(tables) > 10
    for table in tables:
        caption = table.first("caption")
        assert caption is not None and norm(caption.text())
        assert table.first("thead") is not None
        for th in table.iter("th"):
            in_head = th.parent.parent.tag == "thead"
            assert th.attrs.get("scope") == ("col" if in_head else "row"), norm(th.text())
    ids = [node.attrs["id"] for node in tree.iter() if "id" in node.attrs]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})[:10]
    for svg in tree.iter("svg"):
        assert svg.first("title") is not None and svg.first("desc") is not None
        assert not any("style" in node.attrs for node in svg.iter())
    assert not list(tree.first("body").iter("style"))


def test_html_has_print_css_for_a4_with_page_counters(tree):
    css = tree.first("style").text()
    page = re.search(r"@page\s*\{(.*)", css, re.S).group(1)
    assert re.search(r"size:\s*A4", page)
    assert "counter(page)" in page and "counter(pages)" in page and '"Side "' in page
    assert "@media print" in css


def test_question_texts_with_markup_and_a_formula_are_shown_as_text_in_the_html(html, tree):
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>hjælp</b>" not in html and not list(tree.iter("b"))
    row_headers = [norm(th.text()) for th in tree.iter("th")]
    assert MARKUP in row_headers and FORMULA in row_headers
    chart_text = {norm(t.text()) for svg in tree.iter("svg") for t in svg.iter("text")}
    assert any("<script>alert(1)</script>" in text for text in chart_text)


def test_the_summary_claims_significance_only_where_the_json_says_so(built, tree):
    sentences = summary_sentences(tree)
    assert sentences == expected_summary(built.data)
    significant = {
        i["text"] for i in built.data["items"] if i["change"] and i["change"]["significant"]
    }
    claimed = {
        re.search(r"“(.*)”", s).group(1)
        for s in sentences
        if "statistisk signifikant" in s and "ikke statistisk" not in s
    }
    assert claimed == significant and len(significant) >= 2


def test_without_an_earlier_round_the_summary_names_the_highest_and_lowest_share(built):
    tree = parse_html(built.files["html-alone"].read_text(encoding="utf-8"))
    sentences = summary_sentences(tree)
    assert sentences[0] == "Der er ingen tidligere runde at sammenligne med."
    shown = [
        i for i in built.alone["items"] if i["type"] == "likert5" and not i["current"]["suppressed"]
    ]
    shares = {i["text"]: i["current"]["share"] for i in shown}
    high = re.fullmatch(r"Den højeste andel positive er for “(.*)”: (\d+ %)\.", sentences[1])
    low = re.fullmatch(r"Den laveste andel positive er for “(.*)”: (\d+ %)\.", sentences[2])
    assert high and low and len(sentences) == 3
    assert shares[high.group(1)] == max(shares.values()) and high.group(2) == pct(
        max(shares.values())
    )
    assert shares[low.group(1)] == min(shares.values()) and low.group(2) == pct(
        min(shares.values())
    )
    assert "signifikant" not in " ".join(sentences)
    for theme, title, items in sections(built, built.alone):
        (table,) = [
            t for t in tables_of(tree) if t.caption == f"{title}: andel positive pr. spørgsmål"
        ]
        assert table.header[4:] == ["Andre kommuner"]
        assert table.rows == html_rows(built.alone, items), theme


# --- suppression, in every format -----------------------------------------------------------


def suppressed_rows(data: dict) -> list[tuple[str, str, dict]]:
    """(item text, row label, side) for every suppressed figure of the current round."""
    rows = []
    for item in data["items"]:
        if item["current"]["suppressed"] and scored(item):
            rows.append((item["text"], item["text"], item["current"]))
        for group in item["groups"]:
            if group["current"]["suppressed"] and scored(item):
                rows.append((item["text"], group_label(group), group["current"]))
    return rows


def by_item(rows, texts: set[str]) -> dict[tuple[str, str], list]:
    """Rows of a theme table keyed by (item text, row label): group rows follow their item."""
    found: dict[tuple[str, str], list] = {}
    current = None
    for row in rows:
        label = str(row[0]).strip().removeprefix("'")
        if label in texts:
            current = label
        found.setdefault((current, label), []).append(list(row))
    return found


def test_suppressed_figures_appear_in_no_format(built, tree):
    import docx
    import openpyxl

    suppressed = suppressed_rows(built.data)
    assert len(suppressed) > 10
    # No n for a hidden side; a group hidden to protect another says so.
    for _item_text, _label, side in suppressed:
        assert side["n"] is None, side
        assert side_text(side) == (
            PROTECTING if side["suppressed_reason"] == "protects_other" else SUPPRESSED
        ), side
    assert any(side["suppressed_reason"] == "protects_other" for _i, _l, side in suppressed)
    texts = {i["text"] for i in built.data["items"]}
    # The tiny group's real shares (all strongly agree): what must never be shown.
    for code, (n, positive) in built.tiny_truth.items():
        assert n < 5 and positive == n, code

    # HTML: "under 5 svar" where the share is, no mean, no change, no p.
    captions = {
        f"{title}: andel positive pr. spørgsmål" for _t, title, _i in sections(built, built.data)
    }
    html = by_item([row for t in tables_of(tree) if t.caption in captions for row in t.rows], texts)
    for item_text, label, side in suppressed:
        (row,) = html[(item_text, label)]
        assert row[1] == n_cell(side) and row[2] == side_text(side), row
        assert row[3] == "–" and row[5] == "–" and row[6] == "–", row

    # PDF: the same rows, and the tiny group never followed by anything but dashes and
    # "under 5 svar".
    pdf = squeeze(pdf_text(built.files["pdf"], "-raw"))
    for _item_text, label, side in suppressed:
        assert squeeze(f"{label} {n_cell(side)} {side_text(side)} –") in pdf, label
    label = squeeze(f"Ydelsesgruppe: {TINY_GROUP}")
    shown = re.findall(re.escape(label) + r"–(under5svar|–)", pdf)
    # its theme means: hidden too, in words
    theme_lines = re.findall(re.escape(label) + r":under5besvarelser", pdf)
    assert len(shown) + len(theme_lines) == pdf.count(label) and len(shown) > 10

    # XLSX: n, then empty cells for share, interval, mean, change, p and "significant".
    book = openpyxl.load_workbook(built.files["xlsx"])
    xlsx = by_item(
        [
            row
            for _theme, title, _items in sections(built, built.data)
            for row in book[sheet_of(book, title)].iter_rows(min_row=2, values_only=True)
        ],
        texts,
    )
    for item_text, label, side in suppressed:
        (row,) = xlsx[(item_text, label)]
        assert row[1] == side["n"], row
        assert row[2:6] == [None] * 4 and row[10:13] == [None] * 3, row

    # DOCX: "under 5 svar" in the share column, no mean, no change, no p.
    document = docx.Document(str(built.files["docx"]))
    theme_tables = [
        t
        for t in document.tables
        if len(t.columns) > 2 and t.rows[0].cells[2].text.startswith("Andel positive")
    ]
    docx_found = by_item(
        [[c.text.strip() for c in r.cells] for t in theme_tables for r in t.rows], texts
    )
    for item_text, label, side in suppressed:
        (row,) = docx_found[(item_text, label)]
        assert row[1] == n_cell(side) and row[2] == side_text(side), row
        assert row[3] == "–" and row[5] == "–" and row[6] == "–", row

    # Nowhere does the tiny group carry a percentage, in this round or the one before.
    tiny = [
        " ".join(map(str, row))
        for found in (html, xlsx, docx_found)
        for (_item, label), rows in found.items()
        if TINY_GROUP in label
        for row in rows
    ]
    assert len(tiny) == 3 * sum(len(i["groups"]) > 0 for i in built.data["items"])
    assert not [text for text in tiny if "%" in text]
    for row in (r for (_i, label), rows in xlsx.items() if TINY_GROUP in label for r in rows):
        assert all(value is None for value in row[1:]), row  # the label only, not even n


# --- PDF --------------------------------------------------------------------------------


def test_pdf_is_a4_with_numbered_pages_and_the_json_figures(built):
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(built.files["pdf"])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts(.*)$", info, re.M)
    assert pages > 3 and len(sizes) == pages
    for width, height, name in sizes:
        assert abs(float(width) - 595.28) < 1 and abs(float(height) - 841.89) < 1
        assert "A4" in name
    layout = pdf_text(built.files["pdf"], "-layout")
    numbers = re.findall(r"Side (\d+) af (\d+)", layout)
    assert [int(n) for n, _ in numbers] == list(range(1, pages + 1))
    assert {int(total) for _, total in numbers} == {pages}

    raw = squeeze(pdf_text(built.files["pdf"], "-raw"))
    for theme, title, items in sections(built, built.data):
        assert squeeze(f"{title}: andel positive pr. spørgsmål") in raw
        for row in html_rows(built.data, items):
            assert squeeze(" ".join(row)) in raw, (theme, row)
    for sentence in expected_summary(built.data):
        assert squeeze(sentence) in raw
    for item in (i for i in built.data["items"] if i["distribution"]):
        for row in distribution_rows(item):
            assert squeeze(" ".join(row)) in raw, (item["code"], row)
    assert squeeze(MARKUP) in raw and squeeze(FORMULA) in raw


def test_weasyprint_reads_the_report_styles_without_a_warning(html, caplog):
    """Screen-only rules sit in style elements whose media WeasyPrint skips: an @media rule
    with a media feature and the overflow-x property each logged a warning on every PDF."""
    from weasyprint import HTML

    head = html[: html.index("</head>")] + "</head><body><p>x</p></body></html>"
    with caplog.at_level("WARNING", logger="weasyprint"):
        HTML(string=head).render()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")] == []
    assert "overflow-x" in head and "max-width: 40rem" in head  # the screen keeps them


def structure(pdf) -> list:
    """Every structure element of a tagged PDF, depth first."""
    import pikepdf

    found, stack = [], [pdf.Root.StructTreeRoot]
    while stack:
        element = stack.pop()
        if not isinstance(element, pikepdf.Dictionary):
            continue
        if "/S" in element:
            found.append(element)
        kids = element.get("/K")
        if isinstance(kids, pikepdf.Array):
            stack.extend(reversed(list(kids)))
        elif isinstance(kids, pikepdf.Dictionary):
            stack.append(kids)
    return found


def _pages(pdf: bytes, tmp_path: Path, name: str) -> list[bytes]:
    """Each page of a PDF as pdftoppm's pixels at 100 dpi (PPM: no PNG compression in it)."""
    (tmp_path / f"{name}.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", "100", str(tmp_path / f"{name}.pdf"), str(tmp_path / name)], check=True
    )
    return [page.read_bytes() for page in sorted(tmp_path.glob(f"{name}-*.ppm"))]


@pytest.mark.parametrize("drawn_by", ["matplotlib", "lean"])
def test_pdf_draws_charts_as_images_exactly_as_inline_svg(tmp_path, drawn_by):
    """The PDF's charts go to WeasyPrint as <img> of their SVG (cheaper: not part of the
    page's CSS cascade), without matplotlib's groups that set nothing: every page is drawn
    pixel for pixel as with the inline SVG, sized as report.css sizes both, with the same
    text and alt text included. The same of the lean SVG the PDF now draws its charts
    with (its hatching a pattern of its own <defs>)."""
    from weasyprint import HTML

    from analysis.charts import Bar, figure_svg, share_figure
    from analysis.lean_charts import share_svg
    from survey.reporting.pdf import PDF_VARIANT, alt_text_in_titles, charts_as_images

    bars = [Bar("Spørgsmål & svar", 0.6, (0.5, 0.7), 80, 0.5, (0.4, 0.6), 70, 0.55)]
    if drawn_by == "matplotlib":
        figure = share_figure(bars, current_label="Nu", previous_label="Før")
        svg = figure_svg(figure, "Andel <positive>", "60 % (n=80)", "chart-x")
    else:
        svg = share_svg(
            bars,
            "Andel <positive>",
            "60 % (n=80)",
            "chart-x",
            current_label="Nu",
            previous_label="Før",
        )
    html = alt_text_in_titles(
        '<!doctype html><html lang="da"><head><title>t</title><style>'
        "figure svg, figure img { max-width: 100%; height: auto; width: 100%; }</style>"
        "</head><body><h1>t</h1>"
        f"<figure>{svg}</figure><p>after</p></body></html>"
    )
    as_images = charts_as_images(html)
    assert "<svg" not in as_images and 'alt="Andel &lt;positive&gt;. 60 % (n=80)"' in as_images
    inline_pdf = HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT)
    images_pdf = HTML(string=as_images).write_pdf(pdf_variant=PDF_VARIANT)
    inline, images = _pages(inline_pdf, tmp_path, "inline"), _pages(images_pdf, tmp_path, "images")
    assert inline and images == inline
    texts = [
        subprocess.run(
            ["pdftotext", str(tmp_path / f"{name}.pdf"), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for name in ("inline", "images")
    ]
    assert texts[0] == texts[1] and "Nu" in texts[0]


def test_empty_svg_groups_are_dropped_and_the_rest_kept():
    """Groups with no attribute but an id go, their contents stay in place; groups that
    clip or move what they hold stay, as do empty-looking texts' neighbours."""
    from survey.reporting.pdf import without_empty_groups

    svg = (
        '<svg viewBox="0 0 10 10"><defs>\n </defs><g id="figure_1"><g id="patch_1">'
        '<path d="M 0 0 L 1 1" fill="#fff"/></g><g clip-path="url(#p1)"><g>'
        '<use xlink:href="#m1" x="1" y="2"/></g></g><g transform="translate(1 2)">'
        '<text x="1" y="2" transform="rotate(-0 1 2)">0 %</text>'
        '<text x="1" y="2" transform="rotate(-90 1 2)">n</text></g></g></svg>'
    )
    assert without_empty_groups(svg) == (
        '<svg viewBox="0 0 10 10"><path d="M 0 0 L 1 1" fill="#fff"/>'
        '<g clip-path="url(#p1)"><use xlink:href="#m1" x="1" y="2"/></g>'
        '<g transform="translate(1 2)"><text x="1" y="2">0 %</text>'
        '<text x="1" y="2" transform="rotate(-90 1 2)">n</text></g></svg>'
    )


def test_pdf_charts_draw_every_shown_share_with_its_n_from_the_json(built):
    """The PDF's charts (lean SVG, analysis/lean_charts.py) label each bar with its share and
    n, which the tables beside them do not write as "n=": so each label read from the PDF
    is the chart's, and each comes from the report's JSON figures."""
    pdf = norm(pdf_text(built.files["pdf"], "-raw"))
    labelled = 0
    for _theme, _title, items in sections(built, built.data):
        for item in items:
            if not scored(item) or item["current"]["share"] is None:
                continue
            percent = f"{item['current']['share'] * 100:.0f}"
            assert f"{percent} % n={item['current']['n']}" in pdf, item["text"]
            labelled += 1
    assert labelled > 10


def test_pdf_is_tagged_pdf_ua_in_danish_with_alt_text_and_table_headers(built):
    """What a screen reader needs of a published PDF (pdfinfo and pikepdf read it)."""
    import pikepdf

    info = subprocess.run(
        ["pdfinfo", str(built.files["pdf"])], capture_output=True, text=True, check=True
    ).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M), info
    with pikepdf.open(built.files["pdf"]) as pdf:
        assert str(pdf.Root.Lang) == "da"
        assert pdf.Root.MarkInfo.Marked
        with pdf.open_metadata() as meta:
            assert meta.get("pdfuaid:part") == "1"
        elements = structure(pdf)
        tags = [str(e.S) for e in elements]
        assert "/H1" in tags and tags.count("/H2") >= len(sections(built, built.data))
        figures = [str(e.get("/Alt", "")) for e in elements if e.S == "/Figure"]
        charted = [
            (t, items) for _th, t, items in sections(built, built.data) if any(map(scored, items))
        ]
        # One figure per charted theme, then the trend and key-driver charts (issue 14);
        # every figure has a text alternative.
        assert len(figures) >= len(charted) and all(figures)
        for alt, (title, items) in zip(figures, charted, strict=False):
            assert title in alt
            for item in items:
                if scored(item) and item["current"]["share"] is not None:
                    assert f"(n={item['current']['n']})" in alt and item["text"] in alt, alt
        headers = [e for e in elements if e.S == "/TH"]
        cells = [e for e in elements if e.S == "/TD"]
        assert headers and cells
        assert all("/ID" in h for h in headers)
        assert all(len(c.A.Headers) >= 1 for c in cells)


def test_pdf_pages_render_the_charts_in_their_colours(built, tmp_path):
    """pdftoppm to PNG: the dark and light blue bars are drawn (not grey, not black)."""
    import numpy as np
    from matplotlib import image

    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", str(built.files["pdf"]), str(tmp_path / "page")],
        check=True,
    )
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert pngs

    def has(pixels, rgb) -> bool:
        return bool((np.abs(pixels[..., :3] * 255 - np.array(rgb)).max(axis=-1) < 24).any())

    coloured = []
    for png in pngs:
        pixels = image.imread(png)
        assert pixels.shape[0] > pixels.shape[1]  # portrait
        if has(pixels, (8, 48, 107)) and has(pixels, (158, 202, 225)):
            coloured.append(png.name)
    assert len(coloured) >= len(sections(built, built.data)) - 1, coloured


def test_pdf_keeps_each_theme_heading_chart_and_table_on_one_page(built):
    pages = pdf_text(built.files["pdf"], "-raw").split("\f")
    for theme, title, items in sections(built, built.data):
        first = next(i for i in items if scored(i) and i["current"]["share"] is not None)
        label = squeeze(f"{pct(first['current']['share'])} n={first['current']['n']}")
        caption = squeeze(f"{title}: andel positive pr. spørgsmål")
        chart_pages = [n for n, page in enumerate(pages) if label in squeeze(page)]
        table_pages = [n for n, page in enumerate(pages) if caption in squeeze(page)]
        heading_pages = [
            n
            for n, page in enumerate(pages)
            if any(line.strip() == title for line in page.splitlines())
        ]
        assert table_pages and chart_pages and heading_pages, theme
        assert table_pages[0] in chart_pages, (theme, chart_pages, table_pages)
        assert heading_pages[0] == table_pages[0], (theme, heading_pages, table_pages)


# --- XLSX -------------------------------------------------------------------------------


def xlsx_expected(data: dict, items: list[dict]) -> list[list]:
    rows = []

    def side(s):
        if s is None or s["suppressed"] or s["share"] is None:
            return [None, None, None]
        return [s["share"], *s["ci"]]

    def tested(change):
        if change is None:
            return [None] * 5
        return [
            change["diff"],
            *change["ci_adjusted"],
            change["p_adjusted"],
            "ja" if change["significant"] else "nej",
        ]

    for item in items:
        bench = item["benchmark"]
        lines = [
            (
                item["text"],
                item["current"],
                item["previous"],
                item["change"],
                bench,
                bench["vs_benchmark"] if bench else None,
                None,
            )
        ]
        lines += [
            (group_label(g), g["current"], g["previous"], g["change"], None, None, g["vs_rest"])
            for g in item["groups"]
        ]
        for label, current, previous, change, benchmark, vs_benchmark, vs_rest in lines:
            row = [label, current["n"], *side(current), current["mean"]]
            row += [previous["n"] if previous else None, *side(previous)]
            row += [
                change["diff"] * 100 if change else None,  # percentage points
                change["p_adjusted"] if change else None,
                ("ja" if change["significant"] else "nej") if change else None,
            ]
            row += side(benchmark)[:1]
            row += [*(change["ci_adjusted"] if change else [None, None])]
            row += [*(change["ci"] if change else [None, None])]
            row += tested(vs_benchmark)
            if data["by"]:
                row += tested(vs_rest)
            row += [
                "usikkert"
                if not current["suppressed"] and current["share"] is not None and current["n"] < 30
                else None
            ]
            shown = current["share"] is not None
            row += [{"likert5": "positive", "yesno": "ja"}.get(item["type"]) if shown else None]
            rows.append(row)
    return rows


def same(shown, wanted) -> bool:
    if isinstance(wanted, float):
        # The JSON rounds to 6 decimals; a change in points is that times 100.
        return isinstance(shown, (int, float)) and abs(shown - wanted) < 1e-4
    return shown == wanted


def sheet_of(book, title: str) -> str:
    """The worksheet named after a section: its title, or (over Excel's 31 characters) its
    first whole words and an ellipsis."""
    if title in book.sheetnames:
        return title
    (name,) = [
        name
        for name in book.sheetnames
        if name.endswith("…") and len(name) <= 31 and (title + " ").startswith(name[:-1] + " ")
    ]
    return name


def test_xlsx_has_a_sheet_per_section_real_numbers_and_percentage_formats(built):
    import openpyxl

    book = openpyxl.load_workbook(built.files["xlsx"])
    titles = [title for _theme, title, _items in sections(built, built.data)]
    assert book.sheetnames == [
        "Forside",
        "Metode og datagrundlag",
        *titles,
        "Temagennemsnit",
        "Ambitionsniveauer",
        "Hvad hænger sammen med den…",  # Excel's 31 characters, cut after a whole word
        "Udvikling over tid",
        "Bilag",
    ]
    # the theme means sheet holds the JSON's figures, theme by theme
    means = {row[0]: row for row in book["Temagennemsnit"].iter_rows(min_row=2, values_only=True)}
    for theme in built.data["themes"]:
        if theme["key"] == "local":
            continue
        row = means[theme["title"]]
        assert same(row[2], theme["mean"]) if theme["mean"] is not None else row[2] is None
        assert row[5] == theme["n"]
    for name in book.sheetnames[1:]:
        assert book[name].freeze_panes == "B2", name
    for _theme, title, items in sections(built, built.data):
        sheet = book[title]
        header = [c.value for c in sheet[1]]
        assert header[:3] == ["Spørgsmål", "n", "Andel positive"] and header[13] == "Andre kommuner"
        assert header[-2:] == ["Usikkert (n under 30)", "Andel af"]
        assert all(c.font.bold for c in sheet[1])
        body = list(sheet.iter_rows(min_row=2))
        wanted = xlsx_expected(built.data, items)
        assert len(body) == len(wanted), title
        for cells, expected in zip(body, wanted, strict=True):
            values = [c.value for c in cells]
            label = str(values[0]).strip().removeprefix("'")
            assert label == expected[0], (label, expected[0])
            assert all(same(v, w) for v, w in zip(values[1:], expected[1:], strict=True)), (
                values,
                expected,
            )
            for column in (3, 4, 5, 8, 9, 10, 14):
                assert "%" in cells[column - 1].number_format, (title, column)
            # "Ændring" is in percentage points: no "%" (which would multiply by 100).
            assert "%" not in cells[10].number_format
            assert cells[10].number_format.startswith('+0" pct.-point"'), cells[10].number_format
            assert cells[5].number_format == "0.0" and cells[11].number_format == "0.000"
            assert all(c.data_type == "n" for c in cells[1:12] if c.value is not None)

    appendix = list(book["Bilag"].iter_rows(min_row=2))
    wanted = [
        (item["text"], o["label"], o["count"], o["share"])
        for item in built.data["items"]
        for o in item["distribution"]
    ]
    assert len(appendix) == len(wanted)
    for cells, (text, label, count, share) in zip(appendix, wanted, strict=True):
        assert str(cells[0].value).removeprefix("'") == text and cells[1].value == label
        assert cells[2].value == count and same(cells[3].value, share)
        assert "%" in cells[3].number_format

    targets = list(book["Ambitionsniveauer"].iter_rows(min_row=2, values_only=True))
    want = target_rows(built)
    assert [(r[1], r[2]) for r in targets] == [
        (int(w[0]), int(w[1]) if w[1] != "–" else None) for w in want
    ]
    for row, expected in zip(targets, want, strict=True):
        assert pct(row[3]) == expected[2] and pct(row[4]) == expected[3]

    front = [r for r in book["Forside"].iter_rows(values_only=True) if r and r[0]]
    assert ("Gennemførte besvarelser", built.data["round"]["completed"]) in [r[:2] for r in front]
    summary = [r[0] for r in front[front.index(("Sammenfatning", None)) + 1 :]]
    assert summary == expected_summary(built.data)


def test_xlsx_shows_markup_and_formula_texts_as_text_never_as_formulas(built):
    import openpyxl

    for name in ("xlsx", "xlsx+free"):
        book = openpyxl.load_workbook(built.files[name])
        texts = []
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                    if isinstance(cell.value, str):
                        texts.append(cell.value)
                        assert cell.value[:1] not in ("=", "+", "-", "@"), cell.value
        assert MARKUP in texts
        assert "'" + FORMULA in texts
    free = openpyxl.load_workbook(built.files["xlsx+free"])
    comments = [r[1] for r in free["Kommentarer"].iter_rows(min_row=2, values_only=True)]
    assert "'" + OWN_COMMENTS[1] in comments


# --- DOCX -------------------------------------------------------------------------------


def docx_blocks(path: Path):
    """Paragraphs and tables in document order: ("p", style, text) or ("table", rows)."""
    import docx
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    blocks = []
    for element in document.element.body.iterchildren():
        if element.tag.endswith("}p"):
            paragraph = Paragraph(element, document)
            blocks.append(("p", paragraph.style.name, paragraph.text))
        elif element.tag.endswith("}tbl"):
            table = DocxTable(element, document)
            blocks.append(("table", [[c.text for c in row.cells] for row in table.rows]))
    return blocks


def test_docx_has_real_headings_and_tables_with_the_json_figures(built):
    blocks = docx_blocks(built.files["docx"])
    headings = [
        (b[1], b[2]) for b in blocks if b[0] == "p" and b[1].startswith(("Heading", "Title"))
    ]
    assert headings[0] == ("Title", "Forår 2026")
    titles = [title for _theme, title, _items in sections(built, built.data)]
    assert [text for style, text in headings if style == "Heading 1"] == [
        "Sammenfatning",
        "Metode og datagrundlag",
        *titles,
        "Hvad hænger sammen med den samlede tilfredshed",
        "Udvikling over tid",
        "Ambitionsniveauer",
        "Bilag: svarfordelinger",
    ]
    assert [text for style, text in headings if style == "Heading 2"] == [
        title for title, _items in trend_themes(built)
    ]
    assert {style for style, _ in headings} == {"Title", "Heading 1", "Heading 2"}

    captioned = {}
    for before, block in pairwise(blocks):
        if block[0] == "table":
            assert before[0] == "p" and before[1] == "Caption" and before[2], before
            captioned.setdefault(before[2], []).append(block[1])
    for _theme, title, items in sections(built, built.data):
        (rows,) = captioned[f"{title}: andel positive pr. spørgsmål"]
        assert rows[0] == [
            "Spørgsmål",
            "n",
            "Andel positive (95 %-interval)",
            "Gennemsnit (1–5)",
            "Før",
            "Ændring",
            "Justeret p",
            "Andre kommuner",
            "Gruppen mod resten",
        ]
        shown = [[cell.strip() for cell in row] for row in rows[1:]]
        assert shown == docx_rows(built.data, items), title
    for item in (i for i in built.data["items"] if i["distribution"]):
        n = item["current"]["n"]
        (rows,) = captioned[item["text"] + ("" if n is None else f" (n = {n})")]
        assert rows[1:] == distribution_rows(item)
    (satisfied,) = [i for i in built.data["items"] if i["code"] == SATISFIED]
    (rows,) = captioned[satisfied["text"]]
    want = target_rows(built)
    assert [r[:4] for r in rows[1:]] == [w[:4] for w in want]

    bullets = [b[2] for b in blocks if b[0] == "p" and b[1] == "List Bullet"]
    assert bullets == expected_summary(built.data)
    texts = [cell for rows in captioned.values() for table in rows for row in table for cell in row]
    assert MARKUP in texts and FORMULA in texts


def test_docx_is_a4_with_house_styles_header_page_numbers_and_contents(built):
    import docx
    from docx.shared import Mm

    document = docx.Document(str(built.files["docx"]))
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.5)
    assert abs(section.page_height - Mm(297)) < Mm(0.5)
    heading = document.styles["Heading 1"]
    assert heading.font.name == "Arial" and str(heading.font.color.rgb) == "08306B"
    assert document.styles["Normal"].font.name == "Arial"
    assert section.header.paragraphs[0].text.startswith("Odense Kommune – Forår 2026")
    footer = section.footer.paragraphs[0]._p.xml
    assert " PAGE " in footer and " NUMPAGES " in footer and "Side" in footer
    body = document.element.body.xml
    assert "TOC \\o" in body and "Indhold" in body
    assert 'w:updateFields w:val="true"' in document.settings.element.xml


def test_docx_has_the_pdf_charts_as_print_pictures_with_the_same_alt_text(built):
    import docx
    from docx.shared import Mm

    document = docx.Document(str(built.files["docx"]))
    charted = [
        (title, items)
        for _t, title, items in sections(built, built.data)
        if any(map(scored, items))
    ]
    shapes = list(document.inline_shapes)
    trended = trend_themes(built)
    # the theme charts, then the key-driver chart, then one trend chart per theme
    assert len(shapes) == len(charted) + 1 + len(trended)
    theme_shapes, driver_shape, trend_shapes = (
        shapes[: len(charted)],
        shapes[len(charted)],
        shapes[len(charted) + 1 :],
    )
    texts = {item["code"]: item["text"] for item in built.data["items"]}
    alt = driver_shape._inline.docPr.get("descr")
    assert alt.startswith("Hvad hænger sammen med den samlede tilfredshed (rangkorrelation). ")
    assert driver_shape._inline.docPr.get("title") == alt.split(". ", 1)[0]
    for driver in built.data["drivers"]:
        if driver["r"] is not None:
            assert f"{texts[driver['code']]}: {decimal(driver['r'], 2).replace('-', '−')} (" in alt
            assert f"n={driver['n']})" in alt
    for shape, (title, items) in zip(trend_shapes, trended, strict=True):
        alt = shape._inline.docPr.get("descr")
        assert alt.startswith(f"Udvikling: {title}. "), alt
        for item in items:
            assert f"{trend_label(item)}: " in alt
            for period, side in (("1. halvår 2025", "previous"), ("1. halvår 2026", "current")):
                figure = item[side]
                if figure["share"] is not None:
                    assert f"{period}: {pct(figure['share'])} (n={figure['n']})" in alt, alt
        assert "(Cochran–Armitage)" in alt
    for shape in (driver_shape, *trend_shapes):
        assert abs(shape.width - Mm(180)) < Mm(1)
    for shape, (title, items) in zip(theme_shapes, charted, strict=True):
        alt = shape._inline.docPr.get("descr")
        assert alt.startswith(f"Andel positive: {title}. ")
        for item in items:
            if scored(item) and item["current"]["share"] is not None:
                word = "ja" if item["type"] == "yesno" else "positive"  # a yes/no item
                assert f"{item['text']}: {pct(item['current']['share'])} {word}" in alt
        assert abs(shape.width - Mm(180)) < Mm(1)
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
        png = document.part.related_parts[blip].blob
        from io import BytesIO

        from matplotlib import image

        pixels = image.imread(BytesIO(png))
        # At least 200 dots per inch at the printed width.
        assert pixels.shape[1] / shape.width.inches >= 195


def test_docx_table_columns_fit_their_figures_and_the_text_width(built):
    """A number is never broken ("14/5"): each figure column is wider than its longest
    word or figure at 7.5 pt plus Word's cell padding; a table fits the A4 text width, and
    one with too many figures for a portrait page (a split's groups against the rest) is on
    a landscape page of its own."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    document = docx.Document(str(built.files["docx"]))
    assert len(document.tables) > 5
    turned = [s for s in document.sections if s.orientation == WD_ORIENT.LANDSCAPE]
    for section in turned:
        assert abs(section.page_width - Mm(297)) < Mm(1) and section.page_height < Mm(211)
    for table in document.tables:
        widths = [column.width for column in table.columns]
        assert sum(widths) <= Mm(268), widths
        if sum(widths) > Mm(181):
            assert turned, "a table wider than a portrait page, but no landscape page"
        for index, width in enumerate(widths[1:], start=1):
            # A cell may wrap between its words, never inside a figure.
            parts = [p for row in table.rows[1:] for p in row.cells[index].text.split()]
            longest = max(map(len, parts), default=1)
            # Arial 7.5 pt: at most 1.5 mm a character (digits 1.4), Word pads 3.8 mm.
            assert width >= Mm(longest * 1.5 + 3.8), (table.rows[0].cells[index].text, longest)
            for row in table.rows:
                assert row.cells[index].width == width


def test_docx_escapes_markup_in_its_xml(built):
    import zipfile

    with zipfile.ZipFile(built.files["docx"]) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in xml and "<script>" not in xml


# --- free text ------------------------------------------------------------------------------


def docx_text(path: Path) -> str:
    return "\n".join(
        b[2] if b[0] == "p" else "\n".join(c for row in b[1] for c in row)
        for b in docx_blocks(path)
    )


def xlsx_text(path: Path) -> str:
    import openpyxl

    book = openpyxl.load_workbook(path)
    return "\n".join(
        str(v) for s in book.worksheets for r in s.iter_rows(values_only=True) for v in r if v
    )


def test_free_text_appears_only_with_the_option(built):
    comments = built.comments
    assert len(comments) >= 20 and set(OWN_COMMENTS) <= set(comments)
    readers = {
        "html": lambda p: norm(parse_html(p.read_text(encoding="utf-8")).text()),
        "pdf": lambda p: squeeze(pdf_text(p, "-raw")),
        "xlsx": xlsx_text,
        "docx": docx_text,
    }
    texts = {i["text"] for i in built.data["items"]}
    distinct = {c for c in comments if not any(c in text or text in c for text in texts)}
    assert set(OWN_COMMENTS) <= distinct and len(distinct) >= 4
    for fmt, read in readers.items():
        plain, free = read(built.files[fmt]), read(built.files[f"{fmt}+free"])
        prepare = squeeze if fmt == "pdf" else (lambda s: s)
        for comment in distinct:
            assert prepare(comment) not in plain, (fmt, comment)
            assert prepare(comment) in free, (fmt, comment)
    tree = parse_html(built.files["html+free"].read_text(encoding="utf-8"))
    (section,) = [s for s in tree.iter("section") if s.attrs.get("aria-labelledby") == "free-text"]
    assert sorted(norm(li.text()) for li in section.iter("li")) == comments


def test_every_cli_report_is_in_the_audit_trail(built):
    reports = [details for action, details in built.audit if action == "report.export"]
    assert len(reports) == 2 * len(FORMATS) + 1
    assert sorted(d["format"] for d in reports) == sorted([*FORMATS, *FORMATS, "html"])
    assert sum(1 for d in reports if d["by"] == "benefit_group") == 2 * len(FORMATS)


# --- downloads on the analyst's page --------------------------------------------------------


@pytest.fixture
def two_rounds(app):
    """A smaller pair of Odense rounds for the download tests (built per test)."""
    from survey.demo.answers import seed_responses

    with app.app_context():
        before = _round(ODENSE, "Forår 2025", date(2025, 3, 1))
        now = _round(ODENSE, "Forår 2026", date(2026, 3, 1))
        seed_responses(before, 60, seed=1, positive_share=0.5, first_day=date(2025, 3, 3))
        seed_responses(now, 60, seed=2, positive_share=0.6, first_day=date(2026, 3, 2))
        other = _round(RODOVRE, "Forår 2026", date(2026, 3, 1))
        for survey_round in (before, now, other):
            survey_round.state = "closed"  # results exist once a round has closed
        db.session.commit()
        ids = before.id, now.id, other.id
        db.session.remove()
    return ids


def test_an_analyst_downloads_each_format_the_same_as_the_cli_writes_it(app, two_rounds, tmp_path):
    import docx
    import openpyxl

    before, now, _other = two_rounds
    make_user(app, "analytiker@odense.dk", "analyst", ODENSE)
    analyst = logged_in(app, "analytiker@odense.dk")
    query = f"round={now}&against={before}&by=age_band"
    bodies = {}
    for fmt, mimetype in (
        ("html", "text/html"),
        ("pdf", "application/pdf"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ):
        response = analyst.get(f"/results/report.{fmt}?{query}")
        assert response.status_code == 200, fmt
        assert response.mimetype == mimetype
        # Municipality, round, comparison, split and date: files told apart in a folder.
        name = f"rapport_odense_foraar-2026-runde{now}_mod_foraar-2025-runde{before}"
        name += f"_efter_aldersgruppe_{date.today().isoformat()}.{fmt}"
        assert f'filename="{name}"' in response.headers["Content-Disposition"]
        bodies[fmt] = response.get_data()
    csp = analyst.get(f"/results/report.html?{query}").headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp

    cli = tmp_path / "cli.html"
    run_cli(
        app,
        "report",
        now,
        "--against",
        before,
        "--by",
        "age_band",
        "--format",
        "html",
        "--output",
        cli,
    )
    # matplotlib names clip paths, markers and hatches by a salted hash: nothing else differs
    salted = re.compile(r"-[a-z][0-9a-f]{10}\b")
    web_html = salted.sub("-ID", bodies["html"].decode("utf-8"))
    assert web_html == salted.sub("-ID", cli.read_text(encoding="utf-8"))
    assert bodies["pdf"].startswith(b"%PDF")
    openpyxl.load_workbook(io.BytesIO(bodies["xlsx"]))
    docx.Document(io.BytesIO(bodies["docx"]))
    assert audit_actions(app, ODENSE).count("report.export") == 6  # five downloads, one CLI


def test_report_downloads_are_tenancy_scoped_and_for_analysts_and_admins(app, two_rounds):
    before, now, other = two_rounds
    make_user(app, "analytiker@rk.dk", "analyst", RODOVRE)
    make_user(app, "admin@odense.dk", "admin", ODENSE)
    make_user(app, "operator@kl.dk", "operator")
    rodovre = logged_in(app, "analytiker@rk.dk")
    for fmt in FORMATS:
        assert rodovre.get(f"/results/report.{fmt}?round={now}").status_code == 404
        assert (
            rodovre.get(f"/results/report.{fmt}?round={other}&against={before}").status_code == 404
        )
    assert rodovre.get(f"/results/report.html?round={other}").status_code == 200

    admin = logged_in(app, "admin@odense.dk")
    assert admin.get(f"/results/report.html?round={now}&against={before}").status_code == 200
    assert admin.get(f"/results/report.html?round={now}&against={other}").status_code == 404
    assert admin.get(f"/results/report.html?round={now}&by=cpr").status_code == 400

    operator = logged_in(app, "operator@kl.dk")
    assert operator.get(f"/results/report.pdf?round={now}").status_code == 403
    anonymous = app.test_client().get(f"/results/report.pdf?round={now}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert audit_actions(app, ODENSE).count("report.export") == 1
    assert audit_actions(app, RODOVRE).count("report.export") == 1
