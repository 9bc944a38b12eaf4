"""Staff accounts: creation, authentication, passwords, enabling and disabling (audited)."""
