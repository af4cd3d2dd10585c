"""The HTTP API for partner systems and the front door team's tools (see app.py)."""
