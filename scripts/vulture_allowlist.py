# ruff: noqa: F821, B018, I002
"""Names vulture (the dead-code check of scripts/test.sh) cannot see used, each with who uses it.

Read by vulture only, never run or imported: each bare name below counts as a use. A name belongs here only when something outside our code reads it.
"""

# click reads these class attributes of a shell-completion class (cli/__init__._KubectlComplete).
source_template
source_vars
# Enum members chosen by the user on the command line, never named in our code (--fail-on, --source).
warning
metrics_server
# shlex.shlex reads these attributes (lint/model_servers._split).
whitespace_split
commenters
# yaml.SafeDumper calls this hook (render/data._Dumper).
ignore_aliases
# The import machinery reads these of a module object (sources/live._import_transport_modules).
__path__
__spec__
# The kubernetes client's Configuration reads these attributes (sources/live).
tls_server_name
proxy
ca_cert_data
ssl_ca_cert
cert_file
key_file
retries
# Fields of the normalized Event, kept whole for the next rule that needs them (model/events.py).
first_seen
object_uid
object_kind
object_name
# The reference form of Prometheus' rate() for one window; tests/metrics_file checks the evaluator's
# vectorized form (_extrapolate) against it.
extrapolated_rate
