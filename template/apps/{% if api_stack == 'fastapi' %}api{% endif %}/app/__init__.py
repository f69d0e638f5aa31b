"""The HTTP API: one package, one router per feature (FastAPI's "bigger applications" layout)."""
