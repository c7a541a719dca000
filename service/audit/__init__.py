"""Who changed what, when: ids and field names only, never bodies, phones or names."""
