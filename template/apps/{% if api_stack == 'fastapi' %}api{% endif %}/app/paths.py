"""Where the API lives: every route is under this prefix (Traefik routes it, docs name it)."""

API_PREFIX = "/api/v1"
