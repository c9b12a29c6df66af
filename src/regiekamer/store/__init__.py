"""The store: one DuckDB file, the system of record."""
