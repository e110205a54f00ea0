"""The commands' flows: each takes a source and options and returns a typed report.

One module per command (doctor, gpu, rightsize, lint, snapshot, new). A flow reads through the source
layer, runs the pure layers below (rules, gpu checks, rightsize, lint, scaffold) and returns data: it
never prints, never parses flags and imports no UI library, so ``cli/`` only parses and renders and a
test can call a flow with a snapshot and look at the report it returns (DESIGN §4).
"""
