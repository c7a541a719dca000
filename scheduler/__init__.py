"""The worker: APScheduler wired to the dispatch loop in `service.delivery.dispatch`."""
