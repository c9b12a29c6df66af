"""The integral view across laws (DOMAIN.md §10): stapeling of provisions per household, and
the CBS StatLine benchmarks beside the own figures."""
