"""Pure data and pure functions over plain Kubernetes API dicts (standard library only)."""
