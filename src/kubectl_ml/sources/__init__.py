"""The I/O edge: where API objects come from (a live cluster or a snapshot folder), and the index."""
