"""Read questionnaire YAML, check it against the schema and report errors by file and line."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

import yaml

from questionnaires.model import Questionnaire
from questionnaires.schema import SchemaError, build_questionnaire, scale_signature

QUESTIONNAIRE_DIR = Path(__file__).parent


class QuestionnaireError(ValueError):
    """A questionnaire file that cannot be used; the message names file, line and problem."""


class LineDict(dict):
    """A mapping that remembers the line of each key, for error messages people can act on."""

    line: int = 0
    key_lines: dict

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    def construct_mapping(self, node, deep=False):
        mapping = LineDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in mapping:
                raise SchemaError(f"the key '{key}' appears twice", key_node.start_mark.line + 1)
            mapping[key] = self.construct_object(value_node, deep=deep)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        return mapping


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)


_UNCLOSED = {
    "scanning a quoted scalar": "a quote",
    "parsing a flow mapping": "a '{'",
    "parsing a flow sequence": "a '['",
}


def parse_questionnaire(text: str, filename: str = "<text>") -> Questionnaire:
    """Parse and validate questionnaire YAML; raise QuestionnaireError with file and line."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except SchemaError as error:
        raise QuestionnaireError(f"{filename}:{error.line}: {error.message}") from None
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        problem = error.problem or str(error)
        opening = _UNCLOSED.get((error.context or "").removeprefix("while "))
        if opening and error.context_mark and error.context_mark.line + 1 != line:
            # An unclosed quote or bracket is only noticed lines later: point at its start.
            problem = f"{opening} on this line is not closed; {problem} on line {line}"
            line = error.context_mark.line + 1
        raise QuestionnaireError(f"{filename}:{line}: this is not valid YAML ({problem})") from None
    try:
        return build_questionnaire(data, source_path=filename)
    except SchemaError as error:
        raise QuestionnaireError(f"{filename}:{error.line}: {error.message}") from None


def load_questionnaire(path: str | Path) -> Questionnaire:
    """Load one questionnaire file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise QuestionnaireError(f"{path}:1: the file is not UTF-8 text") from None
    except OSError as error:
        raise QuestionnaireError(f"{path}: cannot be read ({error.strerror})") from None
    return parse_questionnaire(text, str(path))


@cache
def available_questionnaires() -> dict[tuple[str, int], Questionnaire]:
    """Every questionnaire shipped in this package, by (key, version)."""
    found: dict[tuple[str, int], Questionnaire] = {}
    for path in sorted(QUESTIONNAIRE_DIR.glob("*.yaml")):
        questionnaire = load_questionnaire(path)
        if (questionnaire.key, questionnaire.version) in found:
            raise QuestionnaireError(
                f"{path}:1: {questionnaire.key} version {questionnaire.version} is in two files"
            )
        found[(questionnaire.key, questionnaire.version)] = questionnaire
    check_shared_compare_keys(list(found.values()))
    return found


def _same_wording(first: Mapping[str, str], second: Mapping[str, str]) -> bool:
    """The same Danish text: the source the answers were given to (translations of it
    may be improved in one version and not in another)."""
    return first.get("da") == second.get("da")


def check_shared_compare_keys(questionnaires: list[Questionnaire]) -> None:
    """Items of different files (e.g. two versions) that share a compare key must be asked
    on the same scale: otherwise their figures cannot be set side by side."""
    seen: dict[str, tuple[Questionnaire, str, tuple | None]] = {}
    for questionnaire in questionnaires:
        for item in questionnaire.items:
            signature = scale_signature(item.answer_scale)
            earlier = seen.setdefault(item.compare_key, (questionnaire, item.code, signature))
            if earlier[2] != signature:
                raise QuestionnaireError(
                    f"{questionnaire.source_path}:1: item '{item.code}' shares the compare key "
                    f"'{item.compare_key}' with '{earlier[1]}' of {earlier[0].key} version "
                    f"{earlier[0].version}, which is asked on another scale"
                )
            other = earlier[0]
            # versions of one questionnaire: comparable only where the wording agrees
            if (
                other.key == questionnaire.key
                and other is not questionnaire
                and not _same_wording(other.item(earlier[1]).text, item.text)
            ):
                raise QuestionnaireError(
                    f"{questionnaire.source_path}:1: item '{item.code}' keeps the compare "
                    f"key '{item.compare_key}' of version {other.version} with other "
                    "wording; give it a compare key of its own"
                )


def find_questionnaire(key: str, version: int | None = None) -> Questionnaire:
    """The questionnaire with this key, in the given or the newest version."""
    versions = {v: q for (k, v), q in available_questionnaires().items() if k == key}
    if not versions:
        raise LookupError(f"no questionnaire with key '{key}'")
    if version is None:
        return versions[max(versions)]
    if version not in versions:
        raise LookupError(f"questionnaire '{key}' has no version {version}")
    return versions[version]
