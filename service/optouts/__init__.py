"""Per-number opt-out: a STOP reaches every patient record that shares the number.

Below the patients, the outbound delivery and the inbound conversation alike: each of them
reads or records a number's opt-out here, and none has to import another for it.
"""
