"""Prometheus metrics with the names and labels of the HTTP contract (dashboards are shared)."""
