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


def test_arabic_minutes_take_the_form_the_number_needs(app):
    """Arabic has six plural forms: 3 to 10 minutes are دقائق, 11 and more دقيقة (every
    form keeps the number: test_languages). The sentence follows the label "الوقت:"
    ("Time:") on the landing page, so it does not begin with a label ("المدة:") of its own."""
    from flask_babel import force_locale, ngettext

    def minutes(n: int) -> str:
        return ngettext("It takes about %(num)d minute.", "It takes about %(num)d minutes.", n)

    with app.test_request_context(), force_locale("ar"):
        shown = {n: minutes(n) for n in (1, 2, 6, 11)}
    assert shown == {
        1: "يستغرق حوالي 1 دقيقة.",
        2: "يستغرق حوالي 2 دقيقة.",
        6: "يستغرق حوالي 6 دقائق.",
        11: "يستغرق حوالي 11 دقيقة.",
    }


def test_arabic_character_limits_read_right_for_any_number(app):
    """An Arabic noun counted by a number takes the number's case and form (1,000 حرف,
    11 to 99 حرفًا, 3 to 10 أحرف), and the comment field's limit is whatever the round's
    administrator chose, the answer's length whatever the citizen wrote. Both texts say
    "the number of characters: N" instead, which is right for every number; they said
    "1000 حرفًا", wrong for a limit of 1,000."""
    from flask_babel import force_locale, gettext

    hint = "At most %(limit)d characters."
    error = "The answer is %(length)d characters long. Please shorten it to at most %(limit)d."
    with app.test_request_context(), force_locale("ar"):
        shown = [gettext(hint, limit=1000), gettext(error, length=1204, limit=1000)]
    assert shown == [
        "الحد الأقصى لعدد الأحرف: 1000.",
        "عدد أحرف الإجابة: 1204. يرجى اختصارها بحيث لا يتجاوز عدد أحرفها 1000.",
    ]
    assert not any(re.search(r"\d+ (حرف|أحرف)", text) for text in shown)
