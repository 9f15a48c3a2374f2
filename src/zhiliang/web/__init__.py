"""web — base templates, static assets, request context (who, which language), error pages, home."""
