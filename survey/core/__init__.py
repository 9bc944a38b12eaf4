"""Application plumbing: configuration, extensions, the database and its one commit point,
the audit trail, security headers, languages, tenancy and operations. Knows no blueprint."""
