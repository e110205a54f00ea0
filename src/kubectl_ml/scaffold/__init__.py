"""Pure scaffolding: parameters in, manifest dicts out (``kubectl ml new job``, ``kubectl ml new serving``).

``new job`` writes one of ``JOB_KINDS``: a Job (``job``), a Kubeflow PyTorchJob or a JobSet, around the
same trainer pod (``training``); ``new serving`` a model server per runtime preset (``serving``).

Nothing here reads files, the environment or the cluster: the nodes to fit (``placement.fit_placement``)
are handed in by ``flows/new.py``, and the manifests go back to it as plain dicts, in the order to apply
them. This package imports none of its modules, so ``runtimes`` (the names ``--help`` lists) costs
nothing at start-up: import what you need from its module (``scaffold.job``, ``scaffold.serving``, ...).
"""
