"""Fixed answer scales shared by every questionnaire."""

# Stored values: 1 helt uenig .. 5 helt enig; 0 is "ved ikke", recorded but not valid for
# shares or means. Shown with the positive end first, as in KL's own survey.
DONT_KNOW = 0
LIKERT5 = (
    (5, {"da": "Helt enig", "en": "Strongly agree"}),
    (4, {"da": "Delvist enig", "en": "Agree"}),
    (3, {"da": "Hverken enig eller uenig", "en": "Neither agree nor disagree"}),
    (2, {"da": "Delvist uenig", "en": "Disagree"}),
    (1, {"da": "Helt uenig", "en": "Strongly disagree"}),
    (DONT_KNOW, {"da": "Ved ikke", "en": "Don't know"}),
)
YESNO = (
    (1, {"da": "Ja", "en": "Yes"}),
    (2, {"da": "Nej", "en": "No"}),
)
