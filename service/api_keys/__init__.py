"""Administering API keys: issuing and revoking them, audited with who did it.

Above `service.auth` (which only finds the key a request carries) and `service.audit`,
so authentication itself imports no domain.
"""
