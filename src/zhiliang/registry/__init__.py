"""registry — market entities and their identifiers."""
