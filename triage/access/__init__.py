"""Who may use the API: API keys (stored only as hashes) and the roles that say what each may do."""

from triage.access.keys import ApiKey, KeyStore, UnknownKey
from triage.access.roles import Permission, Role, allowed

__all__ = ["ApiKey", "KeyStore", "Permission", "Role", "UnknownKey", "allowed"]
