"""Households: the families the front door has seen, linked across referrals by a person's say-so.

- ``people``: the people a recorded referral names, as matching reads them and as staff see them;
- ``known``: every recorded referral's people in one index, kept up to date with the audit log;
- ``links``: the links a person confirms (an audit event each) and the household ids they make;
- ``records``: what the pages and the API show (matches, a household, search results);
- ``service``: ``Households``, the one place the CLI, the API and the pages ask.

Matching proposes; a front door worker decides. Nothing here changes a decision.
"""
