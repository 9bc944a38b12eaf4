"""Citizens' comments handled with care: flags, redaction, a codebook of themes, quotes."""
