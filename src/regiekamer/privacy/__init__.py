"""Privacy by construction: pseudonyms, redaction (and later scope, disclosure control, access log)."""
