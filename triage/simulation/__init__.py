"""What-if simulation: re-decide past referrals under a candidate ruleset and report what changes.

``run.py`` decides (in parallel worker processes), ``summary.py`` adds the outcomes up, and
``render.py`` writes the table, CSV, JSON and the self-contained HTML report.
"""
