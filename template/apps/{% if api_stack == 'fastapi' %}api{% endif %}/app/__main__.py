"""`python -m app`: validate the configuration, then serve (see app/server.py)."""

from app.server import main

main()
