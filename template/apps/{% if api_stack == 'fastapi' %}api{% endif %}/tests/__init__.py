"""Tests of the API: pytest against real PostgreSQL and Redis (see conftest.py)."""
