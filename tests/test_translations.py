"""Danish first: every text in the code and templates has a Danish translation."""

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalog(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def test_every_message_in_the_code_has_a_danish_translation(tmp_path):
    template = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [
            str(pybabel),
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(template),
            "--no-location",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    wanted = {message.id for message in _catalog(template) if message.id}
    danish = _catalog(ROOT / "survey/translations/da/LC_MESSAGES/messages.po")
    translated = {
        message.id
        for message in danish
        if message.id
        and not message.fuzzy
        and (all(message.string) if isinstance(message.string, tuple) else message.string)
    }
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, (
        f"{len(missing)} texts have no Danish translation (make messages): {missing[:10]}"
    )


def test_danish_translations_keep_every_placeholder():
    danish = _catalog(ROOT / "survey/translations/da/LC_MESSAGES/messages.po")
    for message in danish:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == expected, (message.id, string)
