"""The HTTP edge: what every request passes before (and after) a domain sees it."""
