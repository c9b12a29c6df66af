"""Operations: backup and restore, checking a store, the deployment self-test (docs/beheer.md)."""
