"""Danish number formatting for figures: decimal comma, "62 %"."""

from __future__ import annotations


def danish_percent(share: float, decimals: int = 0) -> str:
    """62 %: Danish style, decimal comma and a space before the sign."""
    text = f"{share * 100:.{decimals}f}".replace(".", ",")
    return f"{text} %"
