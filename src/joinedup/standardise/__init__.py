"""standardise."""
