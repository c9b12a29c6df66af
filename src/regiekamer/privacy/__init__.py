"""Privacy by construction: pseudonyms, redaction, disclosure control, accounts, scope and
the access log."""
