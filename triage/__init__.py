"""Rules-based referral triage for a city's whole household front door.

Where things are:
- a referral enters through ``triage.intake`` (parse and validate against ``triage.models``);
- the policy is read from YAML by ``triage.rulebook`` (load, validate, hash);
- it is compiled and evaluated by ``triage.engine`` (durable-rules or pure Python);
- the decision is assembled (routed, dated, explained) in ``triage.engine.decide``;
- ``triage.front_door`` is the one way in for every caller: validate, decide, record;
- ``triage.audit`` records every decision in the hash-chained audit log;
- ``triage.api`` is the HTTP API (``triage serve``), ``triage.access`` its keys and roles;
- ``triage.cli`` is the command line.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("triage")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
