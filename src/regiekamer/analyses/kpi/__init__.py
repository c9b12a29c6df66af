"""The KPI catalogue (definitions), its context and the engine that runs it."""
