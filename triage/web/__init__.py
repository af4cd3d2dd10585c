"""The front door team's web pages, server-rendered in the same app as the API (see pages.py)."""
