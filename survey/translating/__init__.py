"""Translations of the questionnaire files: export for translators, import checked (audited)."""
