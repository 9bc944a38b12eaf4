"""Per-municipality tokens for the read-only API: created and revoked (audited), checked."""
