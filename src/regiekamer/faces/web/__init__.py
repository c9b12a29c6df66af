"""The joint steering room on the web: server-rendered pages and the REST API (FastAPI)."""
