"""The worker processes as the service sees them: their heartbeats (`/readyz`, the console).

The table lives here, beside the domains, so the API and the console read it without
importing `scheduler/`, which only wires APScheduler to the dispatch loop.
"""
