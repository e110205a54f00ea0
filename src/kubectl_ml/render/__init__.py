"""The only place that prints: text (rich on a terminal, plain when piped), JSON and YAML."""
