"""Mutation score from `mutmut results --all true` (read on stdin), per module and scope.

Scopes (the issue's "analysis/ and the suppression and anonymity code"):
  analysis   every mutated module of analysis/ (charts.py is not mutated: pyproject)
  anonymity  survey.invitations.tokens and survey.invitations.response_rate whole,
             survey.reporting.exports.background_plan, survey.responding.journey.complete_response
Other functions of exports.py and journey.py are mutated too and listed, but not scored.

Mutants named in bench/mutation_equivalent.txt (name, then "#" and the reason) are equivalent:
no test can tell them from the original, so they leave the denominator. A timeout counts as
killed (the mutant made the tests hang). Exit status 1 when a scope is under --min.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

EQUIVALENT_FILE = Path(__file__).with_name("mutation_equivalent.txt")
IN_SCOPE_FUNCTIONS = {
    "survey.reporting.exports": {"background_plan"},
    "survey.responding.journey": {"complete_response"},
}
LINE = re.compile(r"^\s*(?P<name>\S+?):\s+(?P<status>.+?)\s*$")
MANGLED = re.compile(r"^(?P<module>.+?)\.x(?:ǁ(?P<cls>[^ǁ]+)ǁ|_)(?P<func>.+)__mutmut_\d+$")


def split(name: str) -> tuple[str, str]:
    match = MANGLED.match(name)
    if not match:
        raise ValueError(f"unexpected mutant name: {name}")
    func = match["func"]
    return match["module"], f"{match['cls']}.{func}" if match["cls"] else func


def scope_of(module: str, func: str) -> str:
    if module.startswith("analysis."):
        return "analysis"
    if module in IN_SCOPE_FUNCTIONS:
        return "anonymity" if func in IN_SCOPE_FUNCTIONS[module] else "not scored"
    return "anonymity"


def score_of(counts: Counter) -> float:
    """Killed (timeouts included) of the mutants that are not equivalent, in %."""
    scored = counts["total"] - counts["equivalent"]
    return 100.0 * (counts["killed"] + counts["timeout"]) / scored if scored else 100.0


def load_equivalent() -> dict[str, str]:
    equivalent = {}
    for line in EQUIVALENT_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, reason = line.partition("#")
        equivalent[name.strip()] = reason.strip()
    return equivalent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--min", type=float, default=90.0, help="required score per scope, %%")
    parser.add_argument("--survivors", action="store_true", help="list surviving mutants")
    args = parser.parse_args()

    equivalent = load_equivalent()
    by_module: dict[tuple[str, str], Counter] = defaultdict(Counter)
    survivors = []
    seen = set()
    for line in sys.stdin:
        match = LINE.match(line)
        if not match:
            continue
        name, status = match["name"], match["status"]
        module, func = split(name)
        scope = scope_of(module, func)
        seen.add(name)
        if name in equivalent:
            status = "equivalent"
        key = (scope, module if scope != "not scored" else f"{module} (other functions)")
        by_module[key]["total"] += 1
        by_module[key][status] += 1
        if status in ("survived", "no tests", "not checked", "suspicious") and (
            args.survivors or scope != "not scored"
        ):
            survivors.append(f"{scope:10} {status:12} {name}")

    stale = sorted(set(equivalent) - seen)
    columns = ("total", "killed", "timeout", "survived", "no tests", "equivalent")
    print(f"{'scope':10} {'module':45} " + " ".join(f"{c:>10}" for c in columns) + "   score")
    failed = False
    for scope in ("analysis", "anonymity", "not scored"):
        total = Counter()
        for (s, module), counts in sorted(by_module.items()):
            if s != scope:
                continue
            total += counts
            print(
                f"{scope:10} {module:45} "
                + " ".join(f"{counts[c]:>10}" for c in columns)
                + f"  {score_of(counts):5.1f} %"
            )
        if not total:
            continue
        score = score_of(total)
        other = total["total"] - sum(total[c] for c in columns[1:])
        note = f" ({other} not checked or other)" if other else ""
        print(
            f"{scope:10} {'= ' + scope:45} "
            + " ".join(f"{total[c]:>10}" for c in columns)
            + f"  {score:5.1f} %{note}"
        )
        if scope != "not scored" and score < args.min:
            failed = True
    if survivors:
        print("\nnot killed and not listed as equivalent:")
        print("\n".join(survivors))
    if stale:
        print("\nlisted as equivalent but no such mutant now (renumbered? update the list):")
        print("\n".join(stale))
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
