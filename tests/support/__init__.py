"""Real parts for tests and benchmarks: a local Kubernetes API server that serves a snapshot folder."""
