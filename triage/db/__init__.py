"""The database every record lives in: connections (``connection``), URLs shown safely and one-line
errors (``urls``), the tables (``tables``) and their Alembic migrations (``migrate``, ``migrations/``).

The audit log (``triage.audit``), access control (``triage.access``) and case work build on it;
nothing here knows what the records mean.
"""
