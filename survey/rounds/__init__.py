"""Rounds: creating them, what they ask (core questionnaire plus local questions), their
states (draft, open, closed) and where local questions are placed."""
