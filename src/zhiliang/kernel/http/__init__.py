"""HTTP plumbing every feature's routes share: request context and CSRF, page rendering, problem+json, exports."""
