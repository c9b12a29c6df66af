"""Analyses: pure functions over Ibis tables (portable: DuckDB here, Spark on a cluster)."""
