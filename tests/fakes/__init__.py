"""Local stand-ins for outside services, for the failures their real mocks cannot produce."""
