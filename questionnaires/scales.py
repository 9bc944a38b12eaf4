"""Fixed answer scales shared by every questionnaire: the one set of scale definitions.

Every language's label for a value must mean the same as the Danish one. Each label
therefore carries an English back-translation (BACK_TRANSLATIONS), and a test checks that
the back-translation of every language equals the English label for the same value.
"""

# Stored values: 1 helt uenig .. 5 helt enig; 0 is "ved ikke", recorded but not valid for
# shares or means. Shown with the positive end first, as in KL's own survey.
DONT_KNOW = 0
SCALE_LANGUAGES = ("da", "en", "ar", "fa", "so", "tr", "uk", "pl", "ti")
LIKERT5 = (
    (
        5,
        {
            "da": "Helt enig",
            "en": "Completely agree",
            "ar": "أوافق تمامًا",
            "fa": "کاملاً موافقم",
            "so": "Gebi ahaanba waan ku raacsanahay",
            "tr": "Tamamen katılıyorum",
            "uk": "Повністю погоджуюся",
            "pl": "Całkowicie się zgadzam",
            "ti": "ምሉእ ብምሉእ እሰማማዕ",
        },
    ),
    (
        4,
        {
            "da": "Delvist enig",
            "en": "Partly agree",
            "ar": "أوافق جزئيًا",
            "fa": "تا حدی موافقم",
            "so": "Qayb ahaan waan ku raacsanahay",
            "tr": "Kısmen katılıyorum",
            "uk": "Частково погоджуюся",
            "pl": "Częściowo się zgadzam",
            "ti": "ብኸፊል እሰማማዕ",
        },
    ),
    (
        3,
        {
            "da": "Hverken enig eller uenig",
            "en": "Neither agree nor disagree",
            "ar": "لا أوافق ولا أعارض",
            "fa": "نه موافقم نه مخالف",
            "so": "Ma raacsani, mana diidsani",
            "tr": "Ne katılıyorum ne katılmıyorum",
            "uk": "Ні погоджуюся, ні не погоджуюся",
            "pl": "Ani się zgadzam, ani nie zgadzam",
            "ti": "ኣይሰማማዕን ኣይቃወምን",
        },
    ),
    (
        2,
        {
            "da": "Delvist uenig",
            "en": "Partly disagree",
            "ar": "أعارض جزئيًا",
            "fa": "تا حدی مخالفم",
            "so": "Qayb ahaan waan diidsanahay",
            "tr": "Kısmen katılmıyorum",
            "uk": "Частково не погоджуюся",
            "pl": "Częściowo się nie zgadzam",
            "ti": "ብኸፊል ኣይሰማማዕን",
        },
    ),
    (
        1,
        {
            "da": "Helt uenig",
            "en": "Completely disagree",
            "ar": "أعارض تمامًا",
            "fa": "کاملاً مخالفم",
            "so": "Gebi ahaanba waan diidsanahay",
            "tr": "Tamamen katılmıyorum",
            "uk": "Зовсім не погоджуюся",
            "pl": "Całkowicie się nie zgadzam",
            "ti": "ምሉእ ብምሉእ ኣይሰማማዕን",
        },
    ),
    (
        DONT_KNOW,
        {
            "da": "Ved ikke",
            "en": "Don't know",
            "ar": "لا أعرف",
            "fa": "نمی‌دانم",
            "so": "Ma aqaan",
            "tr": "Bilmiyorum",
            "uk": "Не знаю",
            "pl": "Nie wiem",
            "ti": "ኣይፈልጥን",
        },
    ),
)
YESNO = (
    (
        1,
        {
            "da": "Ja",
            "en": "Yes",
            "ar": "نعم",
            "fa": "بله",
            "so": "Haa",
            "tr": "Evet",
            "uk": "Так",
            "pl": "Tak",
            "ti": "እወ",
        },
    ),
    (
        2,
        {
            "da": "Nej",
            "en": "No",
            "ar": "لا",
            "fa": "خیر",
            "so": "Maya",
            "tr": "Hayır",
            "uk": "Ні",
            "pl": "Nie",
            "ti": "ኣይፋልን",
        },
    ),
)

# What each label says, translated back word for word into English by its translator (for
# Danish: by the authors). The test compares these, value by value, with the English labels,
# so a translation that shifts the scale ("agree" for "partly agree") is caught.
BACK_TRANSLATIONS = {
    "da": {
        "Helt enig": "Completely agree",
        "Delvist enig": "Partly agree",
        "Hverken enig eller uenig": "Neither agree nor disagree",
        "Delvist uenig": "Partly disagree",
        "Helt uenig": "Completely disagree",
        "Ved ikke": "Don't know",
        "Ja": "Yes",
        "Nej": "No",
    },
    "ar": {
        "أوافق تمامًا": "Completely agree",
        "أوافق جزئيًا": "Partly agree",
        "لا أوافق ولا أعارض": "Neither agree nor disagree",
        "أعارض جزئيًا": "Partly disagree",
        "أعارض تمامًا": "Completely disagree",
        "لا أعرف": "Don't know",
        "نعم": "Yes",
        "لا": "No",
    },
    "fa": {
        "کاملاً موافقم": "Completely agree",
        "تا حدی موافقم": "Partly agree",
        "نه موافقم نه مخالف": "Neither agree nor disagree",
        "تا حدی مخالفم": "Partly disagree",
        "کاملاً مخالفم": "Completely disagree",
        "نمی‌دانم": "Don't know",
        "بله": "Yes",
        "خیر": "No",
    },
    "so": {
        "Gebi ahaanba waan ku raacsanahay": "Completely agree",
        "Qayb ahaan waan ku raacsanahay": "Partly agree",
        "Ma raacsani, mana diidsani": "Neither agree nor disagree",
        "Qayb ahaan waan diidsanahay": "Partly disagree",
        "Gebi ahaanba waan diidsanahay": "Completely disagree",
        "Ma aqaan": "Don't know",
        "Haa": "Yes",
        "Maya": "No",
    },
    "tr": {
        "Tamamen katılıyorum": "Completely agree",
        "Kısmen katılıyorum": "Partly agree",
        "Ne katılıyorum ne katılmıyorum": "Neither agree nor disagree",
        "Kısmen katılmıyorum": "Partly disagree",
        "Tamamen katılmıyorum": "Completely disagree",
        "Bilmiyorum": "Don't know",
        "Evet": "Yes",
        "Hayır": "No",
    },
    "uk": {
        "Повністю погоджуюся": "Completely agree",
        "Частково погоджуюся": "Partly agree",
        "Ні погоджуюся, ні не погоджуюся": "Neither agree nor disagree",
        "Частково не погоджуюся": "Partly disagree",
        "Зовсім не погоджуюся": "Completely disagree",
        "Не знаю": "Don't know",
        "Так": "Yes",
        "Ні": "No",
    },
    "pl": {
        "Całkowicie się zgadzam": "Completely agree",
        "Częściowo się zgadzam": "Partly agree",
        "Ani się zgadzam, ani nie zgadzam": "Neither agree nor disagree",
        "Częściowo się nie zgadzam": "Partly disagree",
        "Całkowicie się nie zgadzam": "Completely disagree",
        "Nie wiem": "Don't know",
        "Tak": "Yes",
        "Nie": "No",
    },
    "ti": {
        "ምሉእ ብምሉእ እሰማማዕ": "Completely agree",
        "ብኸፊል እሰማማዕ": "Partly agree",
        "ኣይሰማማዕን ኣይቃወምን": "Neither agree nor disagree",
        "ብኸፊል ኣይሰማማዕን": "Partly disagree",
        "ምሉእ ብምሉእ ኣይሰማማዕን": "Completely disagree",
        "ኣይፈልጥን": "Don't know",
        "እወ": "Yes",
        "ኣይፋልን": "No",
    },
}
