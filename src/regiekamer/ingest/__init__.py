"""Ingest: parse (streaming) -> validate (coded findings) -> minimise (BSN -> pseudonym) -> load."""
