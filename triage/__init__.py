"""Rules-based referral triage for a city's whole household front door.

Where things are:
- a referral enters through ``triage.intake`` (parse and validate against ``triage.models``);
- the policy is read from YAML by ``triage.rulebook`` (load, validate, hash);
- it is compiled and evaluated by ``triage.engine`` (durable-rules or pure Python);
- the decision is assembled (routed, dated, explained) in ``triage.engine.decide``;
- ``triage.cli`` is the command line.
"""
