"""Invitations: tokens and their keyed hashes, issuing links, send lists, response rates."""
