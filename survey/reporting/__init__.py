"""The June report in four formats and the respondent-level exports, all from one comparison."""
