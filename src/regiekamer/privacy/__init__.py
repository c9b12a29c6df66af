"""Privacy by construction: pseudonyms and redaction (later: scope, disclosure, access log)."""
