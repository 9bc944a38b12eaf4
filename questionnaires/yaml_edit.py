"""Write imported translations into a questionnaire file, keeping its comments and layout.

Only the lines of the texts that change are rewritten (or added after the texts of the
other languages), so the file stays the one people read and review. The result is parsed
again before anyone writes it: an edit that would break the file is refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import yaml

from questionnaires.loader import LineDict, QuestionnaireError, _LineLoader, parse_questionnaire
from questionnaires.model import Questionnaire


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def _text_nodes(data) -> dict[str, LineDict]:
    """Unit id -> the mapping of texts per language it lives in (see translation.py ids)."""
    nodes: dict[str, LineDict] = {"title": data["title"]}
    for theme in data.get("themes") or ():
        nodes[f"theme/{theme['key']}/title"] = theme["title"]
    for scale in data.get("scales") or ():
        for value in scale["values"]:
            nodes[f"scale/{scale['key']}/{value['value']}"] = value["label"]
    for page in data["pages"]:
        nodes[f"page/{page['key']}/title"] = page["title"]
        if "intro" in page:
            nodes[f"page/{page['key']}/intro"] = page["intro"]
        for item in page["items"]:
            prefix = f"item/{item['code']}"
            nodes[f"{prefix}/text"] = item["text"]
            if "help" in item:
                nodes[f"{prefix}/help"] = item["help"]
            for option in item.get("options") or ():
                nodes[f"{prefix}/option/{option['value']}"] = option["label"]
    return nodes


def apply_translations(
    text: str,
    filename: str,
    language: str,
    accepted: Mapping[str, str],
    status: Mapping[str, str],
    sources: Mapping[str, str] | None = None,
) -> tuple[str, Questionnaire]:
    """The file's new text with `accepted` translations and the language's status; with
    `sources` (text id -> fingerprint of its Danish), the `translated_from` block too."""
    lines = text.split("\n")
    data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    nodes = _text_nodes(data)
    edits: list[tuple[int, str, bool]] = []  # (0-based line, content, insert after?)
    for unit_id, translation in accepted.items():
        node = nodes[unit_id]
        edits.append(_edit_for(lines, node, language, _quoted(translation), filename))
    edits.extend(_status_edits(lines, data, language, status, filename))
    for index, content, insert in sorted(edits, key=lambda edit: edit[0], reverse=True):
        if insert:
            lines.insert(index + 1, content)
        else:
            lines[index] = content
    new_text = "\n".join(lines)
    if sources:
        new_text = _with_sources(new_text, language, sources)
    try:
        return new_text, parse_questionnaire(new_text, filename)
    except QuestionnaireError as error:
        raise QuestionnaireError(f"the translations would break the file: {error}") from None


def _edit_for(lines, node: LineDict, language: str, value: str, filename: str):
    if language in node:
        index = node.line_of(language) - 1
        match = re.match(rf"^(\s*){re.escape(language)}:\s", lines[index])
        if not match:
            raise QuestionnaireError(
                f"{filename}:{index + 1}: write these texts one language per line to import"
            )
        return index, f"{match.group(1)}{language}: {value}", False
    last = max(node.line_of(key) for key in node) - 1
    indent = re.match(r"^(\s*)", lines[last])
    first = next(iter(node))
    # block style: the first language starts its own line ("{organisation}" in a text is
    # no flow mapping)
    if not re.match(rf"^\s*{re.escape(str(first))}:", lines[node.line_of(first) - 1]):
        raise QuestionnaireError(
            f"{filename}:{node.line}: write these texts one language per line to import"
        )
    return (
        _end_of_value(lines, last),
        f"{indent.group(1) if indent else ''}{language}: {value}",
        True,
    )


def _end_of_value(lines: list[str], index: int) -> int:
    """The last line of the value that starts on line `index` (continuation lines too)."""
    own = len(lines[index]) - len(lines[index].lstrip())
    end = index
    for following in range(index + 1, len(lines)):
        line = lines[following]
        if line.strip() and len(line) - len(line.lstrip()) <= own:
            break
        if line.strip():
            end = following
    return end


def _status_edits(lines, data, language: str, status: Mapping[str, str], filename: str):
    entry = "{" + ", ".join(f"{key}: {_quoted(str(value))}" for key, value in status.items()) + "}"
    edits = []
    languages = data["languages"]
    if language not in languages:
        index = data.line_of("languages") - 1
        if not re.match(r"^languages:\s*\[.*\]\s*$", lines[index]):
            raise QuestionnaireError(f"{filename}:{index + 1}: write languages as [da, en, ...]")
        lines[index] = re.sub(r"\]\s*$", f", {language}]", lines[index])
    block = data.get("translations")
    if isinstance(block, LineDict) and language in block:
        index = block.line_of(language) - 1
        indent = re.match(r"^(\s*)", lines[index])
        edits.append((index, f"{indent.group(1) if indent else '  '}{language}: {entry}", False))
    elif isinstance(block, LineDict) and block:
        last = max(block.line_of(key) for key in block) - 1
        edits.append((_end_of_value(lines, last), f"  {language}: {entry}", True))
    else:
        index = data.line_of("languages") - 1
        edits.append((index, f"translations:\n  {language}: {entry}", True))
    return edits


SOURCES_COMMENT = (
    "# translated_from: per language and text, a short SHA-256 of the Danish text the\n"
    "# translation was made from (written by the translation import; a changed Danish text\n"
    "# shows the translation as stale)."
)


def _with_sources(text: str, language: str, sources: Mapping[str, str]) -> str:
    """The file with its `translated_from` block, at the end, holding `sources` for
    `language` besides what it held."""
    data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    lines = text.rstrip("\n").split("\n")
    recorded: dict[str, dict[str, str]] = {}
    block = data.get("translated_from")
    if isinstance(block, LineDict):
        recorded = {
            str(lang): {str(k): str(v) for k, v in units.items()} for lang, units in block.items()
        }
        start = data.line_of("translated_from") - 1
        end = _end_of_value(lines, start)
        # the comment written with the block goes with it
        comment = SOURCES_COMMENT.split("\n")
        if lines[max(0, start - len(comment)) : start] == comment:
            start -= len(comment)
        del lines[start : end + 1]
    recorded[language] = {**recorded.get(language, {}), **sources}
    while lines and not lines[-1].strip():
        lines.pop()
    lines.append(SOURCES_COMMENT)
    lines.append("translated_from:")
    for lang in recorded:
        lines.append(f"  {lang}:")
        for unit_id in sorted(recorded[lang]):
            lines.append(f"    {_quoted(unit_id)}: {_quoted(recorded[lang][unit_id])}")
    return "\n".join(lines) + "\n"
