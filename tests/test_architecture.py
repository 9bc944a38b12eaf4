"""The architecture, checked from the source: one commit point, thin views, forms, one way
to make a round. (Import directions are checked by import-linter, types by mypy: both run
in `make test`.)"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SURVEY = ROOT / "survey"
VIEW_DECORATORS = {"route", "get", "post"}
MAX_VIEW_LINES = 25
# The login and password-reset rate limits count attempts per account before the view (and
# its form) runs.
ALLOWED_FORM_READS = {("views.py", "email"), ("reset_views.py", "email")}


def modules(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.py") if "__pycache__" not in path.parts)


def calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def views() -> list[tuple[Path, ast.FunctionDef]]:
    found = []
    for path in modules(SURVEY / "web"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call)
                and isinstance(d.func, ast.Attribute)
                and d.func.attr in VIEW_DECORATORS
                for d in node.decorator_list
            ):
                found.append((path, node))
    return found


def passes_through(call: ast.Call) -> bool:
    """A `super().commit()`: a driver connection's own commit, passed through by a subclass
    (survey.core.sqlite_write_queue ends a writer's turn after it); it commits only what
    the commit point asked for."""
    return isinstance(call.func, ast.Attribute) and (
        isinstance(call.func.value, ast.Call) and called_name(call.func.value) == "super"
    )


def test_only_the_transaction_module_commits():
    committing = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path in modules(SURVEY)
        for call in calls(ast.parse(path.read_text()))
        if called_name(call) == "commit" and not passes_through(call)
    ]
    assert committing, "the commit point itself must exist"
    assert {place.split(":")[0] for place in committing} == {"survey/core/transaction.py"}


def test_the_views_were_found():
    # Guards the two tests below against finding nothing and passing.
    names = {node.name for _path, node in views()}
    assert {"page", "overview", "round_invitations", "download_export", "login"} <= names


@pytest.mark.parametrize(("path", "view"), views(), ids=lambda v: getattr(v, "name", ""))
def test_views_are_thin(path, view):
    length = view.end_lineno - view.lineno + 1
    assert length <= MAX_VIEW_LINES, f"{path.relative_to(ROOT)}:{view.name} has {length} lines"


def test_views_read_posted_fields_only_through_forms():
    """request.form is read by Flask-WTF forms; a view may look only at which button was pressed
    (and hand the citizen's page to the responding service, which checks every field)."""
    reads = []
    for path in modules(SURVEY / "web"):
        for call in calls(ast.parse(path.read_text())):
            func = call.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in {"get", "getlist"}
                and isinstance(func.value, ast.Attribute)
                and func.value.attr == "form"
            ):
                key = (
                    call.args[0].value
                    if call.args and isinstance(call.args[0], ast.Constant)
                    else None
                )
                if key != "action" and (path.name, key) not in ALLOWED_FORM_READS:
                    reads.append(
                        f"{path.relative_to(ROOT)}:{call.lineno} form.{func.attr}({key!r})"
                    )
    assert reads == []


def test_rounds_are_made_in_one_place():
    """Round(...) is built only by survey.rounds.lifecycle.create_round."""
    builders = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path in modules(SURVEY)
        for call in calls(ast.parse(path.read_text()))
        if isinstance(call.func, ast.Name) and call.func.id == "Round"
    ]
    assert [place.split(":")[0] for place in builders] == ["survey/rounds/lifecycle.py"]


def test_no_loose_modules_in_the_survey_package():
    """Plumbing lives in survey/core, the domain in packages named for what they do."""
    loose = sorted(path.name for path in SURVEY.glob("*.py") if path.name != "__init__.py")
    assert loose == []


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _installed_with(requirements: list[str]) -> set[str]:
    """The distributions that installing `requirements` brings: them and, transitively,
    what they require (markers of extras left out: `pip install -e .` installs none)."""
    from importlib.metadata import PackageNotFoundError, requires

    found: set[str] = set()
    waiting = [re.match(r"[A-Za-z0-9_.-]+", r).group(0) for r in requirements]
    while waiting:
        name = _normalised(waiting.pop())
        if name in found:
            continue
        found.add(name)
        try:
            needed = requires(name) or []
        except PackageNotFoundError:
            continue
        waiting += [re.match(r"[A-Za-z0-9_.-]+", r).group(0) for r in needed if "extra ==" not in r]
    return found


def test_every_library_the_app_imports_is_installed_by_make_run():
    """`make run` installs the runtime dependencies only. A library the app imports that
    came only with the test extras (pandas, through statsmodels) made the SPSS download fail
    on a fresh installation while every test passed."""
    import ast
    import sys
    import tomllib
    from importlib.metadata import packages_distributions

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    installed = _installed_with(project["dependencies"])
    own = {"survey", "analysis", "questionnaires", "wsgi"}
    distributions = packages_distributions()
    missing = set()
    for path in [ROOT / "wsgi.py", *(p for d in own - {"wsgi"} for p in (ROOT / d).rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in own or top in sys.stdlib_module_names or top == "__future__":
                    continue
                if not any(_normalised(d) in installed for d in distributions.get(top, [])):
                    missing.add(f"{top} ({path.relative_to(ROOT)})")
    assert not missing, f"imported but not installed by `make run`: {sorted(missing)}"


def test_statement_listeners_are_added_so_the_cursor_reads_tell_them():
    """A before/after_cursor_execute listener added with event.listen instead of
    cursor_reads.listen would silently miss the citizen's reads and lone writes."""
    pattern = re.compile(r"event\.listen\([^\n]*_cursor_execute")
    found = [
        path.relative_to(ROOT)
        for folder in (SURVEY, ROOT / "tests", ROOT / "bench")
        for path in modules(folder)
        if path != Path(__file__) and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
