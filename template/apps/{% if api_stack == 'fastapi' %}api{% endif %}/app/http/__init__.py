"""HTTP plumbing shared by every feature: middleware, problem details, JSON responses."""
