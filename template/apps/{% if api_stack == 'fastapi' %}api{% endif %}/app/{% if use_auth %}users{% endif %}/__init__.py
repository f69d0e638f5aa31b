"""User accounts and GET /users/me."""
