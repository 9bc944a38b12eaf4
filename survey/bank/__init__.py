"""The local question bank: a municipality's own questions, versioned once used, and their
readability."""
