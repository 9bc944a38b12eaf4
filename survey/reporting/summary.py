"""Plain-words summary written from the figures, and nothing else."""

from __future__ import annotations

from flask_babel import gettext as _

from analysis.formatting import danish_percent
from analysis.results import Comparison, Side


def _share(side: Side | None) -> float:
    """The share of a side that is shown: a shown scale item, or one side of a change."""
    if side is None or side.share is None:
        raise ValueError("expected a shown share")
    return side.share


def summary_sentences(comparison: Comparison) -> list[str]:
    """What changed significantly since the last round, and what did not."""
    if comparison.against is None:
        shown = [i for i in comparison.items if i.type == "likert5" and not i.current.suppressed]
        if not shown:
            return [_("Too few answers to show results.")]
        best = max(shown, key=lambda i: _share(i.current))
        worst = min(shown, key=lambda i: _share(i.current))
        return [
            _("There is no earlier round to compare with."),
            _(
                "The highest share positive is for “%(item)s”: %(share)s.",
                item=best.text,
                share=danish_percent(_share(best.current)),
            ),
            _(
                "The lowest share positive is for “%(item)s”: %(share)s.",
                item=worst.text,
                share=danish_percent(_share(worst.current)),
            ),
        ]
    sentences = []
    compared = [(i, i.change) for i in comparison.items if i.change is not None]
    significant = [(i, change) for i, change in compared if change.significant]
    for item, change in significant:
        direction = _("rose") if change.diff > 0 else _("fell")
        sentences.append(
            _(
                "The share positive for “%(item)s” %(direction)s from %(before)s to %(after)s. The change is statistically significant.",
                item=item.text,
                direction=direction,
                # a change is only computed between two shown shares
                before=danish_percent(_share(item.previous)),
                after=danish_percent(_share(item.current)),
            )
        )
    unchanged = len(compared) - len(significant)
    if unchanged:
        sentences.append(
            _(
                "For %(n)d of %(total)d questions compared, the change since %(round)s is not statistically significant: it may be chance.",
                n=unchanged,
                total=len(compared),
                round=comparison.against.title,
            )
        )
    if not compared:
        sentences.append(_("No question had enough answers in both rounds to be compared."))
    return sentences
