"""File names say what a file holds and survive every file system (ASCII, no separators)."""

from __future__ import annotations

from survey.reporting.filenames import slug


def test_danish_letters_are_spelled_out_and_separators_dropped():
    assert slug("Forår 2026 (Ærø/Ølstykke)") == "foraar-2026-aeroe-oelstykke"
    assert slug("../../etc/passwd") == "etc-passwd"
    assert slug("«»") == "x"
    assert len(slug("a" * 200)) == 40
