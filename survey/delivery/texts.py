"""The texts of invitations and reminders: per language, with {link} and {organisation}.

An SMS is counted as the phone network counts it: GSM-7 (160 characters in one message,
153 per part when longer; some characters take two) unless a character outside GSM-7
forces UCS-2 (70, then 67 per part). Danish letters are in GSM-7.
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass

from flask_babel import gettext as _

PLACEHOLDERS = ("link", "organisation")
KINDS = ("invitation", "reminder")
MAX_TEXT = 1000
# A link as it will be sent: PUBLIC_BASE_URL + /s/ + a 32-character token (for counting).
TOKEN_LENGTH = 32

DEFAULT_TEXTS = {
    "da": {
        "invitation": (
            "Hej. {organisation} vil gerne høre, hvordan du oplever jobcentret. Det tager 5 "
            "minutter, og din sagsbehandler kan ikke se, hvad du svarer: {link}"
        ),
        "reminder": (
            "Hej igen. Har du 5 minutter til at svare på {organisation}s spørgeskema? "
            "Din sagsbehandler kan ikke se, hvad du svarer: {link}"
        ),
    },
    "en": {
        "invitation": (
            "Hello. {organisation} would like to hear about your experience with the job "
            "centre. It takes 5 minutes, and your caseworker cannot see your answers: {link}"
        ),
        "reminder": (
            "Hello again. Do you have 5 minutes for {organisation}'s questionnaire? "
            "Your caseworker cannot see your answers: {link}"
        ),
    },
    # Draft translations by Borgerblik's authors, like the questionnaire's. Short: outside
    # GSM-7 an SMS part holds 67 characters, and each stays within 3 parts with a link.
    "ar": {
        "invitation": (
            "مرحبًا. يريد {organisation} أن يعرف رأيك. يستغرق ذلك 5 دقائق، "
            "ولا يرى الموظف المسؤول عن ملفك إجاباتك: {link}"
        ),
        "reminder": (
            "مرحبًا مجددًا. هل لديك 5 دقائق لاستبيان {organisation}؟ "
            "لا يرى الموظف المسؤول عن ملفك إجاباتك: {link}"
        ),
    },
    "fa": {
        "invitation": (
            "سلام. {organisation} می‌خواهد نظر شما را بداند. ۵ دقیقه طول می‌کشد "
            "و کارشناس پرونده‌تان پاسخ‌های شما را نمی‌بیند: {link}"
        ),
        "reminder": (
            "سلام دوباره. ۵ دقیقه برای پرسشنامه {organisation} وقت دارید؟ "
            "کارشناس پرونده‌تان پاسخ‌های شما را نمی‌بیند: {link}"
        ),
    },
    "so": {
        "invitation": (
            "Salaan. {organisation} waxay rabtaa inay ogaato waaya-aragnimadaada. Waxay "
            "qaadanaysaa 5 daqiiqo. Shaqaalaha kiiskaagu ma arki karo jawaabahaaga: {link}"
        ),
        "reminder": (
            "Salaan mar kale. Ma haysaa 5 daqiiqo oo aad kaga jawaabto su'aalaha "
            "{organisation}? Shaqaalaha kiiskaagu ma arki karo jawaabahaaga: {link}"
        ),
    },
    "tr": {
        "invitation": (
            "Merhaba. {organisation} deneyiminizi öğrenmek istiyor. 5 dakika sürer. "
            "Dosya sorumlunuz yanıtlarınızı göremez: {link}"
        ),
        "reminder": (
            "Tekrar merhaba. {organisation} anketi için 5 dakikanız var mı? "
            "Dosya sorumlunuz yanıtlarınızı göremez: {link}"
        ),
    },
    "uk": {
        "invitation": (
            "Вітаємо. {organisation} хоче знати про ваш досвід. Це 5 хвилин. "
            "Ваш куратор не побачить ваших відповідей: {link}"
        ),
        "reminder": (
            "Вітаємо ще раз. Маєте 5 хвилин для опитування {organisation}? "
            "Ваш куратор не побачить ваших відповідей: {link}"
        ),
    },
    "pl": {
        "invitation": (
            "Dzień dobry. {organisation} pyta o Twoje doświadczenia. To 5 minut. "
            "Opiekun sprawy nie zobaczy Twoich odpowiedzi: {link}"
        ),
        "reminder": (
            "Dzień dobry ponownie. Masz 5 minut na ankietę {organisation}? "
            "Opiekun sprawy nie zobaczy Twoich odpowiedzi: {link}"
        ),
    },
    "ti": {
        "invitation": (
            "ሰላም። {organisation} ተሞክሮኹም ክፈልጥ ይደሊ። 5 ደቒቕ ይወስድ። "
            "ሰራሕተኛ ጉዳይኩም መልስታትኩም ክርኢ ኣይክእልን: {link}"
        ),
        "reminder": (
            "ሰላም ደጊምና። ንሕቶታት {organisation} 5 ደቒቕ ኣለኩም ዶ? ሰራሕተኛ ጉዳይኩም መልስታትኩም ክርኢ ኣይክእልን: {link}"
        ),
    },
}

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = set("^{}\\[~]|€\f")


class TextError(ValueError):
    """A text that cannot be sent as written; the message is for the administrator."""


@dataclass(frozen=True)
class SmsCount:
    encoding: str  # "GSM-7" or "UCS-2"
    length: int  # characters as the network counts them
    segments: int


def sms_count(text: str) -> SmsCount:
    if all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text):
        length = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
        return SmsCount("GSM-7", length, 1 if length <= 160 else math.ceil(length / 153))
    # UCS-2 counts UTF-16 code units: an emoji is two.
    length = len(text.encode("utf-16-le")) // 2
    return SmsCount("UCS-2", length, 1 if length <= 70 else math.ceil(length / 67))


def check_text(text: str) -> None:
    """Only {link} and {organisation}, and {link} must be there; raises TextError."""
    if not text.strip():
        raise TextError(_("The text is empty."))
    if len(text) > MAX_TEXT:
        raise TextError(_("The text is longer than %(n)d characters.", n=MAX_TEXT))
    try:
        fields = [
            name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name is not None
        ]
    except ValueError:
        raise TextError(
            _("A { or } is not closed. Write {link} and {organisation} exactly so.")
        ) from None
    unknown = sorted({name for name in fields if name not in PLACEHOLDERS})
    if unknown:
        raise TextError(
            _(
                "Unknown placeholder %(names)s. Only {link} and {organisation} can be used.",
                names=", ".join("{" + name + "}" for name in unknown),
            )
        )
    if "link" not in fields:
        raise TextError(_("The text must contain {link}, or the citizen cannot answer."))


def render(text: str, link: str, organisation: str) -> str:
    # format_map with only our two names: a stored text cannot reach attributes or indexes.
    return text.format_map({"link": link, "organisation": organisation})


def sample_link(base_url: str) -> str:
    return f"{base_url}/s/{'x' * TOKEN_LENGTH}"


def texts_for(stored: dict | None, languages: list[str]) -> dict[str, dict[str, str]]:
    """The round's texts for each of its languages: what was written, else the defaults
    (English defaults for a language without its own)."""
    stored = stored or {}
    return {
        language: {
            kind: (stored.get(language) or {}).get(kind)
            or DEFAULT_TEXTS.get(language, DEFAULT_TEXTS["en"])[kind]
            for kind in KINDS
        }
        for language in languages
    }


_SPACES = re.compile(r"[ \t]+")


def clean(text: str) -> str:
    """Line breaks kept, runs of spaces collapsed, ends trimmed."""
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.strip().splitlines())
