"""mild-reminders: texts patients through their recovery from a MILD procedure."""
