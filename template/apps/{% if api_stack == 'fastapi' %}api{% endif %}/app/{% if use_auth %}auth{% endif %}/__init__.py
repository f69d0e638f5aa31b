"""Register, log in, rotate refresh tokens, log out; Bearer access tokens for other routes."""
