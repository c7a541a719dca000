"""People who use the console: accounts, passwords, sessions and the login throttle."""
