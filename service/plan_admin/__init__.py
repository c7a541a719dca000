"""The timeline plan as clinic admins edit it: versioned JSON rows in `timeline_plan`."""
