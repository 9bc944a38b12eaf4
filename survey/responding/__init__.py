"""The citizen's journey: entering by a link, saving pages of answers, completing."""
