"""Cases: what people do with a decision once it is made (override its route, close its case), its
history as people read it, the queue of open cases and each team's load.

One service (``triage.cases.service.Cases``) for the command line, the API and the web pages, so
a route is checked, a team is named and a history is read the same way everywhere. Built on the
audit log, which keeps every change as an event. ``teams`` is light to import (no database).
"""

REASON_LIMIT = 4000  # characters in the reason for an override or a closing, however it is sent
