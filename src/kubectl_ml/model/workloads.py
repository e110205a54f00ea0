"""The workload shapes every command knows: built-in controllers and the ML operators' kinds.

One table (``WORKLOAD_KINDS``) says, for each kind, its API group and served versions, the names
kubectl accepts for it, every pod template it carries and the role of each (Master/Worker, leader/
worker, head/worker group, predictor/transformer), how its pods are found (owner chain, or a label
whose value is its name), and what its operator injects into those pods. ``lint``, ``gpu``,
``doctor`` and ``rightsize`` read pod templates and pod ownership through it, nowhere else.

Field paths follow the operators' own CRDs and examples (fixtures/operators/manifests/SOURCE.md):

* Kubeflow training operator (kubeflow.org/v1): ``spec.<x>ReplicaSpecs.<Type>.template``; pods labelled
  ``training.kubeflow.org/job-name``, ``replica-type``, ``replica-index``; owned by the job itself. The
  operator sets ``MASTER_ADDR``/``MASTER_PORT``/``WORLD_SIZE``/``RANK`` (and ``PET_*``) itself.
* mpi-operator (kubeflow.org/v2beta1 MPIJob): ``spec.mpiReplicaSpecs.{Launcher,Worker}.template``.
* Kubeflow Trainer (trainer.kubeflow.org/v1alpha1): a (Cluster)TrainingRuntime holds a JobSet template
  (``spec.template.spec.replicatedJobs[].template.spec.template``); a TrainJob names a runtime and adds
  ``spec.trainer`` (image, command, ``resourcesPerNode``), and runs as a JobSet of its own name.
* JobSet (jobset.x-k8s.io/v1alpha2): ``spec.replicatedJobs[].template.spec.template``; JobSet -> Job ->
  Pod, pods labelled ``jobset.sigs.k8s.io/jobset-name`` and ``replicatedjob-name``.
* LeaderWorkerSet (leaderworkerset.x-k8s.io/v1): ``spec.leaderWorkerTemplate.{leaderTemplate,
  workerTemplate}``; the leader StatefulSet is owned by the LWS, each group's worker StatefulSet by its
  leader pod; every pod is labelled ``leaderworkerset.sigs.k8s.io/name``.
* KubeRay (ray.io/v1): ``headGroupSpec.template`` and ``workerGroupSpecs[].template`` in a RayCluster, in
  a RayJob's ``spec.rayClusterSpec`` and a RayService's ``spec.rayClusterConfig``; pods labelled
  ``ray.io/cluster`` (the RayCluster's name) and ``ray.io/node-type``; KubeRay mounts a memory-backed
  ``/dev/shm`` into Ray containers.
* KServe (serving.kserve.io/v1beta1): an InferenceService's ``spec.predictor`` (also ``transformer``,
  ``explainer``) is a pod spec inline, plus ``model`` (merged by KServe into the runtime's
  ``kserve-container``) and ``workerSpec`` for multi-node serving; a (Cluster)ServingRuntime's ``spec``
  is a pod spec inline too. Pods are labelled ``serving.kserve.io/inferenceservice``.
* Volcano (batch.volcano.sh/v1alpha1 Job): ``spec.tasks[].template``; pods labelled ``volcano.sh/job-name``.
* OpenShift (apps.openshift.io/v1 DeploymentConfig): ``spec.template``; DeploymentConfig ->
  ReplicationController -> Pod.
* Kueue (kueue.x-k8s.io/v1beta1 Workload): ``spec.podSets[].template``, a copy of its job's templates
  (owned by the job, so never checked twice).

Why one module of this size: it is the one table of workload kinds (a row per kind and its readers);
the point of it is that no other module knows where a kind keeps its pod templates.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubectl_ml.model.shapes import mapping, mappings, path_value, text

# A pod template slot's path: dot-separated keys, where ``*`` is every key of a mapping (the key names the
# role, e.g. a PyTorchJob's ``Master``/``Worker``) and ``name[]`` is every item of the list ``name`` (the
# item's ``[field]`` names the role, e.g. ``replicatedJobs[name]``).


@dataclass(frozen=True)
class TemplateSlot:
    """Where a kind keeps one (family of) pod template(s).

    Attributes:
        path: the path from the object to the pod template (``spec.template``) or, when ``inline``, to a
            pod spec written in place (KServe's ``spec.predictor``). ``*`` stands for every key of a
            mapping, ``items[field]`` for every item of a list, named by its ``field``.
        role: the role's name; ``{}`` is replaced by the key or the item's field (``{}`` for
            ``Worker``, ``worker group {}``).
        inline: the node is the pod spec itself, not a template with ``metadata``/``spec``.
        model_container: KServe: ``<node>.model`` is merged into this container of the runtime.
        trainer: Kubeflow Trainer's ``spec.trainer``: one container's image, command and
            ``resourcesPerNode``; the pod's placement comes from the runtime.
        single_containers: for an inline slot, keys whose value is one container rather than a list
            (Argo's ``container`` and ``script``); ``containerSet.containers`` is read too.
    """

    path: str
    role: str = ""
    inline: bool = False
    model_container: str | None = None
    trainer: bool = False
    single_containers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Injected:
    """What the operator adds to every pod it creates, so lint and gpu do not ask for it.

    Attributes:
        shm: a memory-backed ``/dev/shm`` (KubeRay mounts one into Ray containers).
    """

    shm: bool = False


@dataclass(frozen=True)
class WorkloadKind:
    """A kind of object that makes pods.

    Attributes:
        kind: the API kind.
        group: the API group (empty for the core group).
        versions: the versions the kind is served in, preferred first.
        plural: the resource name kubectl accepts (``pytorchjobs``).
        short: other names kubectl accepts (the singular, short names).
        key: the name the plugin files it under: the kind, or ``Kind.group`` where two groups share a
            kind name (Volcano's ``Job.batch.volcano.sh`` beside batch/v1 ``Job``).
        templates: the pod templates it carries.
        pod_label: a label its operator puts on its pods, whose value is the object's name.
        role_label: a pod label naming the pod's role (replica type, replicated job, node type).
        rank_label: a pod label giving the pod's index within its role (replica index, worker index).
        finishes: its pods run to completion (training); else they serve for as long as they run.
        serving: its pods serve traffic (readiness matters).
        injects: what its operator adds to its pods.
        operator: who runs it, named in hints (``the Kubeflow training operator``).
        suspend: the path of its ``suspend`` field, when it can be suspended (queues do it).
        builtin: a core Kubernetes kind (strategic-merge patches, ``kubectl set resources``).
        pod_template_copy: its templates copy another object's (Kueue's Workload, a Deployment's
            ReplicaSet): checked through the owner, not on their own.
        children: the built-in controller its pods are created by, carrying its pod label (a JobSet's
            Jobs, a LeaderWorkerSet's StatefulSets, a KServe predictor's ReplicaSets): where "cannot
            create pods" is recorded when there are none.
    """

    kind: str
    group: str
    versions: tuple[str, ...]
    plural: str
    short: tuple[str, ...] = ()
    key: str = ""
    templates: tuple[TemplateSlot, ...] = ()
    pod_label: str | None = None
    role_label: str | None = None
    rank_label: str | None = None
    finishes: bool = False
    serving: bool = False
    injects: Injected = field(default_factory=Injected)
    operator: str = ""
    suspend: str | None = None
    builtin: bool = False
    pod_template_copy: bool = False
    children: str | None = None

    @property
    def name(self) -> str:
        """The registry key (see ``key``)."""
        return self.key or self.kind

    @property
    def api_version(self) -> str:
        """``group/version`` of the preferred version (``v1`` for the core group)."""
        return f"{self.group}/{self.versions[0]}" if self.group else self.versions[0]

    @property
    def resource(self) -> str:
        """Kubectl's resource name: ``pytorchjobs.kubeflow.org``, ``deployments.apps``, ``pods``."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


_KUBEFLOW = "the Kubeflow training operator"
_KUBEFLOW_JOB_NAME = "training.kubeflow.org/job-name"
_KUBEFLOW_REPLICA_TYPE = "training.kubeflow.org/replica-type"
_KUBEFLOW_REPLICA_INDEX = "training.kubeflow.org/replica-index"
_RAY_SLOTS = ("headGroupSpec.template", "workerGroupSpecs[groupName].template")


def _kubeflow(kind: str, plural: str, replica_specs: str, short: tuple[str, ...] = ()) -> WorkloadKind:
    return WorkloadKind(
        kind,
        "kubeflow.org",
        ("v1",),
        plural,
        (kind.lower(), *short),
        templates=(TemplateSlot(f"spec.{replica_specs}.*.template", "{}"),),
        finishes=True,
        operator=_KUBEFLOW,
        suspend="spec.runPolicy.suspend",
        pod_label=_KUBEFLOW_JOB_NAME,
        role_label=_KUBEFLOW_REPLICA_TYPE,
        rank_label=_KUBEFLOW_REPLICA_INDEX,
    )


def _ray_slots(prefix: str) -> tuple[TemplateSlot, ...]:
    return (
        TemplateSlot(f"{prefix}{_RAY_SLOTS[0]}", "head"),
        TemplateSlot(f"{prefix}{_RAY_SLOTS[1]}", "worker group {}"),
    )


def _kserve_component(name: str) -> tuple[TemplateSlot, ...]:
    role = name.rsplit(".", 1)[-1]
    return (
        TemplateSlot(f"spec.{name}", role, inline=True, model_container="kserve-container"),
        TemplateSlot(f"spec.{name}.workerSpec", f"{role} worker", inline=True),
    )


# Argo: every template of a workflow, a pod spec in place with one container (``container``, ``script``),
# and the templates written inline in a DAG's tasks.
_ARGO_CONTAINERS = ("container", "script")
_ARGO_TEMPLATES = (
    TemplateSlot("spec.templates[name]", "{}", inline=True, single_containers=_ARGO_CONTAINERS),
    TemplateSlot("spec.templates[name].dag.tasks[name].inline", "{}", inline=True, single_containers=_ARGO_CONTAINERS),
    TemplateSlot("spec.templates[name].steps[].[name].inline", "{}", inline=True, single_containers=_ARGO_CONTAINERS),
)
_RUNTIME_SLOTS = (TemplateSlot("spec", "runtime", inline=True), TemplateSlot("spec.workerSpec", "worker", inline=True))

_BUILTIN = (
    WorkloadKind("Pod", "", ("v1",), "pods", ("po", "pod"), builtin=True),
    WorkloadKind(
        "Deployment",
        "apps",
        ("v1",),
        "deployments",
        ("deploy", "deployment"),
        templates=(TemplateSlot("spec.template"),),
        serving=True,
        builtin=True,
    ),
    WorkloadKind(
        "StatefulSet",
        "apps",
        ("v1",),
        "statefulsets",
        ("sts", "statefulset"),
        templates=(TemplateSlot("spec.template"),),
        serving=True,
        builtin=True,
    ),
    WorkloadKind(
        "DaemonSet",
        "apps",
        ("v1",),
        "daemonsets",
        ("ds", "daemonset"),
        templates=(TemplateSlot("spec.template"),),
        builtin=True,
    ),
    WorkloadKind(
        "ReplicaSet",
        "apps",
        ("v1",),
        "replicasets",
        ("rs", "replicaset"),
        templates=(TemplateSlot("spec.template"),),
        builtin=True,
    ),
    WorkloadKind(
        "ReplicationController",
        "",
        ("v1",),
        "replicationcontrollers",
        ("rc", "replicationcontroller"),
        templates=(TemplateSlot("spec.template"),),
        builtin=True,
    ),
    WorkloadKind(
        "Job",
        "batch",
        ("v1",),
        "jobs",
        ("job",),
        templates=(TemplateSlot("spec.template"),),
        pod_label="batch.kubernetes.io/job-name",
        rank_label="batch.kubernetes.io/job-completion-index",
        finishes=True,
        suspend="spec.suspend",
        builtin=True,
    ),
    WorkloadKind(
        "CronJob",
        "batch",
        ("v1",),
        "cronjobs",
        ("cj", "cronjob"),
        templates=(TemplateSlot("spec.jobTemplate.spec.template"),),
        finishes=True,
        builtin=True,
    ),
)

_OPERATORS = (
    _kubeflow("PyTorchJob", "pytorchjobs", "pytorchReplicaSpecs"),
    _kubeflow("TFJob", "tfjobs", "tfReplicaSpecs"),
    _kubeflow("PaddleJob", "paddlejobs", "paddleReplicaSpecs"),
    _kubeflow("XGBoostJob", "xgboostjobs", "xgbReplicaSpecs"),
    _kubeflow("JAXJob", "jaxjobs", "jaxReplicaSpecs"),
    # kubeflow.org serves MPIJob v1 from the training operator and v2beta1 from the mpi-operator; both keep
    # their templates under mpiReplicaSpecs (Launcher, Worker). The v2beta1 suspend field is spec.runPolicy's.
    WorkloadKind(
        "MPIJob",
        "kubeflow.org",
        ("v2beta1", "v1"),
        "mpijobs",
        ("mpijob",),
        templates=(TemplateSlot("spec.mpiReplicaSpecs.*.template", "{}"),),
        finishes=True,
        operator="the Kubeflow MPI operator",
        suspend="spec.runPolicy.suspend",
        pod_label=_KUBEFLOW_JOB_NAME,
        role_label=_KUBEFLOW_REPLICA_TYPE,
        rank_label=_KUBEFLOW_REPLICA_INDEX,
    ),
    WorkloadKind(
        "TrainJob",
        "trainer.kubeflow.org",
        ("v1alpha1",),
        "trainjobs",
        ("trainjob",),
        templates=(TemplateSlot("spec.trainer", "trainer", trainer=True),),
        pod_label="jobset.sigs.k8s.io/jobset-name",
        role_label="jobset.sigs.k8s.io/replicatedjob-name",
        rank_label="batch.kubernetes.io/job-completion-index",
        finishes=True,
        children="Job",
        operator="the Kubeflow Trainer controller",
        suspend="spec.suspend",
    ),
    WorkloadKind(
        "TrainingRuntime",
        "trainer.kubeflow.org",
        ("v1alpha1",),
        "trainingruntimes",
        ("trainingruntime",),
        templates=(TemplateSlot("spec.template.spec.replicatedJobs[name].template.spec.template", "{}"),),
        finishes=True,
        operator="the Kubeflow Trainer controller",
    ),
    WorkloadKind(
        "ClusterTrainingRuntime",
        "trainer.kubeflow.org",
        ("v1alpha1",),
        "clustertrainingruntimes",
        ("clustertrainingruntime",),
        templates=(TemplateSlot("spec.template.spec.replicatedJobs[name].template.spec.template", "{}"),),
        finishes=True,
        operator="the Kubeflow Trainer controller",
    ),
    WorkloadKind(
        "JobSet",
        "jobset.x-k8s.io",
        ("v1alpha2",),
        "jobsets",
        ("jobset", "js"),
        templates=(TemplateSlot("spec.replicatedJobs[name].template.spec.template", "{}"),),
        pod_label="jobset.sigs.k8s.io/jobset-name",
        role_label="jobset.sigs.k8s.io/replicatedjob-name",
        rank_label="jobset.sigs.k8s.io/job-index",
        finishes=True,
        children="Job",
        operator="the JobSet controller",
        suspend="spec.suspend",
    ),
    WorkloadKind(
        "LeaderWorkerSet",
        "leaderworkerset.x-k8s.io",
        ("v1",),
        "leaderworkersets",
        ("leaderworkerset", "lws"),
        templates=(
            TemplateSlot("spec.leaderWorkerTemplate.leaderTemplate", "leader"),
            TemplateSlot("spec.leaderWorkerTemplate.workerTemplate", "worker"),
        ),
        pod_label="leaderworkerset.sigs.k8s.io/name",
        rank_label="leaderworkerset.sigs.k8s.io/worker-index",
        serving=True,
        children="StatefulSet",
        operator="the LeaderWorkerSet controller",
    ),
    WorkloadKind(
        "RayCluster",
        "ray.io",
        ("v1",),
        "rayclusters",
        ("raycluster",),
        templates=_ray_slots("spec."),
        pod_label="ray.io/cluster",
        role_label="ray.io/node-type",
        injects=Injected(shm=True),
        operator="the KubeRay operator",
        suspend="spec.suspend",
    ),
    WorkloadKind(
        "RayJob",
        "ray.io",
        ("v1",),
        "rayjobs",
        ("rayjob",),
        templates=(*_ray_slots("spec.rayClusterSpec."), TemplateSlot("spec.submitterPodTemplate", "submitter")),
        pod_label="ray.io/cluster",
        role_label="ray.io/node-type",
        finishes=True,
        injects=Injected(shm=True),
        operator="the KubeRay operator",
        suspend="spec.suspend",
    ),
    WorkloadKind(
        "RayService",
        "ray.io",
        ("v1",),
        "rayservices",
        ("rayservice",),
        templates=_ray_slots("spec.rayClusterConfig."),
        pod_label="ray.io/cluster",
        role_label="ray.io/node-type",
        serving=False,  # readiness comes from the operator (see serves_traffic in lint)
        injects=Injected(shm=True),
        operator="the KubeRay operator",
    ),
    WorkloadKind(
        "InferenceService",
        "serving.kserve.io",
        ("v1beta1",),
        "inferenceservices",
        ("inferenceservice", "isvc"),
        templates=(
            *_kserve_component("predictor"),
            *_kserve_component("transformer"),
            *_kserve_component("explainer"),
            # v1alpha2 (KServe before 0.5): spec.default.{predictor,transformer,explainer}
            *_kserve_component("default.predictor"),
            *_kserve_component("default.transformer"),
            *_kserve_component("default.explainer"),
        ),
        pod_label="serving.kserve.io/inferenceservice",
        role_label="component",
        serving=False,  # readiness comes from the operator (see serves_traffic in lint)
        children="ReplicaSet",
        operator="the KServe controller",
    ),
    WorkloadKind(
        "ServingRuntime",
        "serving.kserve.io",
        ("v1alpha1",),
        "servingruntimes",
        ("servingruntime",),
        templates=_RUNTIME_SLOTS,
        serving=False,  # readiness comes from the operator (see serves_traffic in lint)
        operator="the KServe controller",
    ),
    WorkloadKind(
        "ClusterServingRuntime",
        "serving.kserve.io",
        ("v1alpha1",),
        "clusterservingruntimes",
        ("clusterservingruntime",),
        templates=_RUNTIME_SLOTS,
        serving=False,  # readiness comes from the operator (see serves_traffic in lint)
        operator="the KServe controller",
    ),
    WorkloadKind(
        "Job",
        "batch.volcano.sh",
        ("v1alpha1",),
        "jobs",
        ("vcjob", "vj", "vcjobs"),
        key="Job.batch.volcano.sh",
        templates=(TemplateSlot("spec.tasks[name].template", "{}"),),
        pod_label="volcano.sh/job-name",
        rank_label="volcano.sh/task-index",
        role_label="volcano.sh/task-spec",
        finishes=True,
        operator="the Volcano controller",
    ),
    WorkloadKind(
        "DeploymentConfig",
        "apps.openshift.io",
        ("v1",),
        "deploymentconfigs",
        ("deploymentconfig", "dc"),
        templates=(TemplateSlot("spec.template"),),
        pod_label="deploymentconfig",
        serving=True,
        children="ReplicationController",
        operator="OpenShift's deployer",
    ),
    # Kubeflow's MXJob (training operator up to v1.6): Scheduler, Server, Worker.
    _kubeflow("MXJob", "mxjobs", "mxReplicaSpecs"),
    WorkloadKind(
        "Notebook",
        "kubeflow.org",
        ("v1", "v1beta1"),
        "notebooks",
        ("notebook",),
        templates=(TemplateSlot("spec.template"),),
        pod_label="notebook-name",
        children="StatefulSet",
        operator="the Kubeflow notebook controller",
    ),
    WorkloadKind(
        "Service",
        "serving.knative.dev",
        ("v1",),
        "services",
        ("ksvc", "kservice"),
        key="Service.serving.knative.dev",
        templates=(TemplateSlot("spec.template"),),
        pod_label="serving.knative.dev/service",
        children="ReplicaSet",
        operator="Knative Serving",
    ),
    WorkloadKind(
        "Workflow",
        "argoproj.io",
        ("v1alpha1",),
        "workflows",
        ("workflow", "wf"),
        templates=_ARGO_TEMPLATES,
        pod_label="workflows.argoproj.io/workflow",
        finishes=True,
        operator="the Argo workflow controller",
        suspend="spec.suspend",
    ),
    WorkloadKind(
        "WorkflowTemplate",
        "argoproj.io",
        ("v1alpha1",),
        "workflowtemplates",
        ("workflowtemplate", "wftmpl"),
        templates=_ARGO_TEMPLATES,
        finishes=True,
        operator="the Argo workflow controller",
    ),
    WorkloadKind(
        "CronWorkflow",
        "argoproj.io",
        ("v1alpha1",),
        "cronworkflows",
        ("cronworkflow", "cwf"),
        templates=(
            TemplateSlot(
                "spec.workflowSpec.templates[name]", "{}", inline=True, single_containers=("container", "script")
            ),
        ),
        finishes=True,
        operator="the Argo workflow controller",
    ),
    WorkloadKind(
        "SeldonDeployment",
        "machinelearning.seldon.io",
        ("v1", "v1alpha3", "v1alpha2"),
        "seldondeployments",
        ("seldondeployment", "sdep"),
        templates=(TemplateSlot("spec.predictors[name].componentSpecs[].spec", "predictor {}", inline=True),),
        pod_label="seldon-deployment-id",
        children="ReplicaSet",
        serving=True,
        operator="the Seldon Core operator",
    ),
    WorkloadKind(
        "Workload",
        "kueue.x-k8s.io",
        ("v1beta1",),
        "workloads",
        ("workload", "wl"),
        key="Workload",
        templates=(TemplateSlot("spec.podSets[name].template", "{}"),),
        operator="Kueue",
        pod_template_copy=True,
    ),
)

# Every workload kind by its registry key.
WORKLOAD_KINDS: dict[str, WorkloadKind] = {entry.name: entry for entry in (*_BUILTIN, *_OPERATORS)}

# Controllers that own pods through a pod template, built in: what a scan lists besides pods.
BUILTIN_CONTROLLERS = ("ReplicaSet", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")
# The operator kinds a scan lists when their group is served: those that make pods, found by their label
# (runtimes and WorkflowTemplates are templates for other objects, Kueue's Workloads copies of their jobs').
OPERATOR_CONTROLLERS = tuple(entry.name for entry in _OPERATORS if entry.pod_label and not entry.pod_template_copy)


def group_of(api_version: str) -> str:
    """The group of an apiVersion (``apps/v1`` -> ``apps``; ``v1`` -> the core group ``""``)."""
    return api_version.split("/", 1)[0] if "/" in api_version else ""


# Groups that served a built-in kind before its own (Kubernetes up to 1.15 served these in extensions).
_OLD_GROUPS = {"Deployment": ("extensions",), "DaemonSet": ("extensions",), "ReplicaSet": ("extensions",)}


def kind_key(obj: Mapping[str, Any]) -> str:
    """The registry key of an object: its kind, or ``Kind.group`` where another group owns the plain name.

    ``extensions/v1beta1`` Deployments stay ``Deployment``; a group with an entry of its own for the same
    kind (Volcano's Job) gets its long key, and so does any other group's kind of a name the table knows
    (``Job.run.googleapis.com``), which is then a kind it does not know.
    """
    kind = text(obj.get("kind"))
    group = group_of(text(obj.get("apiVersion")))
    long_key = f"{kind}.{group}"
    if group and long_key in WORKLOAD_KINDS:
        return long_key
    entry = WORKLOAD_KINDS.get(kind)
    if entry is not None and group and group != entry.group and group not in _OLD_GROUPS.get(kind, ()):
        # Another group's kind of the same name (Cloud Run's run.googleapis.com Job, a CRD called
        # Deployment): not the one the table describes, so never checked as if it were.
        return long_key
    return kind


def workload_kind(obj: Mapping[str, Any]) -> WorkloadKind | None:
    """The table entry of an object, or None for a kind the table lacks."""
    return WORKLOAD_KINDS.get(kind_key(obj))


def resolve_workload_kind(word: str) -> WorkloadKind | None:
    """The kind kubectl would take ``word`` for, or None when nothing matches.

    ``pytorchjob``, ``pytorchjobs``, ``PyTorchJob``, ``isvc``, ``pytorchjobs.kubeflow.org``,
    ``jobs.batch.volcano.sh``, ``vcjob``, ``deploy``.
    """
    lowered = word.lower()
    head, _dot, group = lowered.partition(".")
    for entry in WORKLOAD_KINDS.values():
        names = {entry.kind.lower(), entry.plural, *entry.short}
        if group:
            if head in names and group == entry.group:
                return entry
        elif lowered in names and not entry.key:
            return entry
    if not group:
        # Only a long-keyed kind answers to the name (vcjob).
        return next((entry for entry in WORKLOAD_KINDS.values() if lowered in entry.short), None)
    return None


@dataclass(frozen=True)
class PodTemplate:
    """One pod template of an object, found through its kind's slots.

    Attributes:
        role: the role's name (``Worker``, ``leader``, ``worker group gpu-group``, ``predictor``), empty
            for kinds with a single template.
        spec: the pod spec (for KServe's ``model`` and Trainer's ``spec.trainer``, a spec built from them).
        metadata: the template's metadata (labels, annotations), empty for inline specs.
        spec_path: the JSON path of the pod spec in the object (``spec.template.spec``).
        keys: the same path as keys (ints for list items), to build patches.
        aliases: (path inside the pod, path in the object) pairs for parts of the built spec that live
            elsewhere (KServe's model container at ``spec.predictor.model``), tried longest first.
        slot: the slot it came from.
        from_runtime: KServe: the pod spec is the predictor's ``model`` only, run in its ServingRuntime.
    """

    role: str
    spec: Mapping[str, Any]
    metadata: Mapping[str, Any]
    spec_path: str
    keys: tuple[str | int, ...]
    aliases: tuple[tuple[str, str], ...]
    slot: TemplateSlot
    from_runtime: bool = False

    @property
    def partial(self) -> bool:
        """Only the containers' own fields are here: the pod's volumes and security are another object's.

        Trainer's runtime, or the KServe ServingRuntime a predictor's ``model`` runs in.
        """
        return self.slot.trainer or self.from_runtime

    @property
    def placed_elsewhere(self) -> bool:
        """Tolerations and node selectors are not here either (Trainer's runtime holds them)."""
        return self.slot.trainer

    def path(self, inner: str) -> str:
        """The JSON path in the object of ``inner``, a path inside the pod (``spec.containers[0].image``)."""
        for prefix, outer in (*self.aliases, ("spec", self.spec_path)):
            if inner == prefix or inner.startswith((prefix + ".", prefix + "[")):
                return outer + inner[len(prefix) :]
        return inner


def _step_path(path: str, step: str | int) -> str:
    if isinstance(step, int):
        return f"{path}[{step}]"
    return f"{path}.{step}" if path else step


def _walk(node: Any, steps: list[str], path: str, keys: tuple[str | int, ...], role: str | None) -> Iterator[Any]:
    """Yield (node, path, keys, role) for every node a slot path reaches."""
    if not steps:
        yield node, path, keys, role
        return
    step, rest = steps[0], steps[1:]
    if step.startswith("[") and step.endswith("]") and isinstance(node, list):
        # ``[field]``: the items of a list of lists (an Argo template's ``steps``, groups of parallel steps).
        yield from _walk_items(node, step[1:-1], rest, path, keys, role)
        return
    if not isinstance(node, Mapping):
        return
    if step == "*":
        for key in sorted(node, key=str):
            yield from _walk(node[key], rest, _step_path(path, str(key)), (*keys, str(key)), str(key))
        return
    if step.endswith("]") and "[" in step:
        name, _bracket, label_field = step[:-1].partition("[")
        items = node.get(name)
        if isinstance(items, list):
            yield from _walk_items(items, label_field, rest, _step_path(path, name), (*keys, name), role)
        return
    if step in node:
        yield from _walk(node[step], rest, _step_path(path, step), (*keys, step), role)


def _walk_items(
    items: list[Any],
    label_field: str,
    rest: list[str],
    list_path: str,
    keys: tuple[str | int, ...],
    role: str | None,
) -> Iterator[Any]:
    """Walk on into every item of a list; the item's ``label_field`` names the role (empty: keep the outer one)."""
    for index, item in enumerate(items):
        if not label_field:
            # ``items[]``: every item, the role named by an outer step (a Seldon predictor's components).
            label = role if role is not None else str(index)
        else:
            label = text(item.get(label_field)) or str(index) if isinstance(item, Mapping) else str(index)
        yield from _walk(item, rest, f"{list_path}[{index}]", (*keys, index), label)


# A KServe component names its model as ``model`` (v1beta1), as one of the framework keys of the older
# v1beta1 syntax (``sklearn``, ``pytorch``, ...), or, in v1alpha2, as ``custom.container``.
_KSERVE_MODEL_KEYS = (
    "model",
    "sklearn",
    "xgboost",
    "tensorflow",
    "pytorch",
    "triton",
    "onnx",
    "pmml",
    "lightgbm",
    "paddle",
    "huggingface",
)


def _model_spec(component: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """(path below the component, spec) of the component's model, when it names one."""
    for key in _KSERVE_MODEL_KEYS:
        if isinstance(component.get(key), Mapping):
            return key, component[key]
    custom = component.get("custom")
    if isinstance(custom, Mapping) and isinstance(custom.get("container"), Mapping):
        return "custom.container", custom["container"]
    return None


def _model_container(model: Mapping[str, Any], name: str) -> dict[str, Any]:
    """KServe's model spec as the container it becomes (the runtime supplies the image)."""
    keep = ("resources", "env", "args", "image", "command", "ports", "readinessProbe", "livenessProbe", "volumeMounts")
    container = {key: value for key, value in model.items() if key in keep}
    return {"name": str(model.get("name") or name), **container} if "image" in model else {"name": name, **container}


def _trainer_container(trainer: Mapping[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "node"}
    for key in ("image", "command", "args", "env"):
        if key in trainer:
            container[key] = trainer[key]
    if "resourcesPerNode" in trainer:
        container["resources"] = trainer["resourcesPerNode"]
    return container


def pod_templates(obj: Mapping[str, Any]) -> list[PodTemplate]:
    """Every pod template of an object, in the order of its kind's slots (empty for unknown kinds).

    Templates without a pod spec (an empty worker group) are left out.
    """
    entry = workload_kind(obj)
    if entry is None:
        return []
    found: list[PodTemplate] = []
    for slot in entry.templates:
        for node, path, keys, label in _walk(obj, slot.path.split("."), "", (), None):
            template = _template(slot, node, path, keys, label)
            if template is not None:
                found.append(template)
    return found


def _template(
    slot: TemplateSlot, node: Any, path: str, keys: tuple[str | int, ...], label: str | None
) -> PodTemplate | None:
    if not isinstance(node, Mapping):
        return None
    role = slot.role.replace("{}", label or "")
    if slot.trainer:
        trainer_spec: dict[str, Any] = {"containers": [_trainer_container(node)]}
        trainer_aliases = (("spec.containers[0].resources", f"{path}.resourcesPerNode"), ("spec.containers[0]", path))
        return PodTemplate(role, trainer_spec, {}, path, keys, trainer_aliases, slot)
    if slot.inline:
        return _inline_template(slot, node, path, keys, role)
    spec = node.get("spec")
    if not isinstance(spec, Mapping) or not spec:
        return None
    return PodTemplate(role, spec, node.get("metadata") or {}, f"{path}.spec", (*keys, "spec"), (), slot)


def _inline_template(
    slot: TemplateSlot, node: Mapping[str, Any], path: str, keys: tuple[str | int, ...], role: str
) -> PodTemplate | None:
    """A pod spec written in place (KServe), with ``model`` as the container KServe makes of it."""
    containers: list[Mapping[str, Any]] = [item for item in node.get("containers") or [] if isinstance(item, Mapping)]
    aliases: tuple[tuple[str, str], ...] = ()
    spec = dict(node)
    if slot.single_containers:
        # An Argo template: its pod-level fields in place, its container under `container` or `script`
        # (or several under `containerSet.containers`).
        for key in slot.single_containers:
            if isinstance(node.get(key), Mapping):
                # Argo runs it as the pod's container `main` (with its own `init` and `wait` beside it).
                spec["containers"] = [{"name": "main", **node[key]}]
                aliases = (("spec.containers[0]", f"{path}.{key}"),)
                break
        container_set = node.get("containerSet")
        if isinstance(container_set, Mapping) and isinstance(container_set.get("containers"), list):
            spec["containers"] = container_set["containers"]
            aliases = (("spec.containers", f"{path}.containerSet.containers"),)
    found = _model_spec(node) if slot.model_container else None
    if slot.model_container and found is not None:
        # The model spec becomes (or is merged into) the runtime's container, named kserve-container.
        model_path, model_spec = found
        index = next((i for i, item in enumerate(containers) if item.get("name") == slot.model_container), None)
        model = _model_container(model_spec, slot.model_container)
        if index is None:
            spec["containers"] = [*containers, model]
            aliases = ((f"spec.containers[{len(containers)}]", f"{path}.{model_path}"),)
        else:
            merged = {**model, **containers[index]}
            spec["containers"] = [*containers[:index], merged, *containers[index + 1 :]]
    if not spec.get("containers"):
        return None
    # A predictor that only names its model runs in its ServingRuntime's container and pod: the runtime
    # holds its /dev/shm, security context and default resources.
    from_runtime = found is not None and not containers
    return PodTemplate(role, spec, {}, path, keys, aliases, slot, from_runtime)


def carries_containers(obj: Mapping[str, Any]) -> bool:
    """True when an object holds a ``containers`` list anywhere in its spec (a pod template we may not know)."""

    def search(node: Any, depth: int) -> bool:
        if depth > 12:
            return False
        if isinstance(node, Mapping):
            containers = node.get("containers")
            if isinstance(containers, list) and any(isinstance(item, Mapping) for item in containers):
                return True
            return any(search(value, depth + 1) for value in node.values())
        if isinstance(node, list):
            return any(search(item, depth + 1) for item in node)
        return False

    return search(obj.get("spec"), 0)


def pod_role(entry: WorkloadKind, pod: Mapping[str, Any]) -> str:
    """The role of one of the kind's pods from its labels (``worker``, ``head``), empty when unlabelled."""
    labels = (pod.get("metadata") or {}).get("labels") or {}
    if entry.kind.startswith("Ray") and labels.get("ray.io/node-type") == "worker" and labels.get("ray.io/group"):
        return f"worker group {labels['ray.io/group']}"
    if entry.role_label and labels.get(entry.role_label):
        return str(labels[entry.role_label])
    if entry.group == "kubeflow.org" and labels.get("training.kubeflow.org/job-role"):
        return str(labels["training.kubeflow.org/job-role"])  # mpi-operator v2beta1 names the role so
    if entry.kind == "LeaderWorkerSet" and entry.rank_label in labels:
        return "leader" if str(labels[entry.rank_label]) == "0" else "worker"
    return ""


def pod_rank(entry: WorkloadKind, pod: Mapping[str, Any]) -> str:
    """The pod's index within its role (``0``, ``3``), empty when unlabelled."""
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return str(labels.get(entry.rank_label, "")) if entry.rank_label else ""


def pod_label_values(entry: WorkloadKind, obj: Mapping[str, Any]) -> list[str]:
    """The values of ``entry.pod_label`` on the object's pods: its name, or the RayCluster(s) it runs.

    A RayJob's pods carry its RayCluster's name (``status.rayClusterName``); a RayService's, the active
    cluster's and, during a first deployment or an upgrade, the pending one's.
    """
    if not entry.pod_label:
        return []
    status = mapping(obj.get("status"))
    if entry.kind == "RayJob":
        values = [text(status.get("rayClusterName"))]
    elif entry.kind == "RayService":
        values = [
            text(mapping(status.get(key)).get("rayClusterName"))
            for key in ("activeServiceStatus", "pendingServiceStatus")
        ]
    else:
        values = [text(mapping(obj.get("metadata")).get("name"))]
    return [value for value in dict.fromkeys(values) if value]


def pods_selector(entry: WorkloadKind, obj: Mapping[str, Any]) -> str | None:
    """The label selector that finds the object's pods (None: find them by owner only)."""
    values = pod_label_values(entry, obj)
    if not values:
        return None
    if len(values) == 1:
        return f"{entry.pod_label}={values[0]}"
    return f"{entry.pod_label} in ({','.join(values)})"


def template_for_role(obj: Mapping[str, Any], role: str) -> PodTemplate | None:
    """The template a pod of ``role`` comes from (case-insensitive: pods say ``worker``, specs ``Worker``)."""
    templates = pod_templates(obj)
    if not role:
        return templates[0] if len(templates) == 1 else None
    wanted = role.lower()
    return next((item for item in templates if item.role.lower() == wanted), None)


class OperatorPods:
    """Finds the operator object a pod belongs to, by the label its operator puts on every pod it makes.

    Operators label their pods with their object's name whatever chain of Jobs, StatefulSets or pods owns
    them (a LeaderWorkerSet's worker StatefulSet is owned by its leader pod; a KServe predictor's pods by
    Knative's Revisions), so the label finds the top object in one step. Where two objects match (a RayJob
    and the RayCluster it owns share ``ray.io/cluster``), the one the other does not own wins.
    """

    def __init__(self, objects: Iterable[Mapping[str, Any]]) -> None:
        self._index: dict[tuple[str, str, str], list[Mapping[str, Any]]] = {}
        for item in objects:
            entry = workload_kind(item)
            if entry is None or entry.builtin or not entry.pod_label:
                continue
            namespace = text(mapping(item.get("metadata")).get("namespace"))
            for value in pod_label_values(entry, item):
                self._index.setdefault((namespace, str(entry.pod_label), value), []).append(item)

    def owner_of(self, pod: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The operator object whose label the pod carries, or None."""
        if not self._index:
            return None
        metadata = mapping(pod.get("metadata"))
        namespace = text(metadata.get("namespace"))
        matches = [
            item
            for label, value in mapping(metadata.get("labels")).items()
            for item in self._index.get((namespace, str(label), str(value)), [])
        ]
        if not matches:
            return None
        uids = {str((item.get("metadata") or {}).get("uid")) for item in matches}
        owners = [((item.get("metadata") or {}).get("ownerReferences") or []) for item in matches]
        top = [
            item
            for item, references in zip(matches, owners, strict=True)
            if not any(str(reference.get("uid")) in uids for reference in references)
        ]
        return (top or matches)[0]

    def template_role(self, owner: Mapping[str, Any], pod: Mapping[str, Any]) -> str:
        """The role of the owner's template the pod comes from (``Worker``), empty when it has one template."""
        entry = workload_kind(owner)
        if entry is None:
            return ""
        templates = pod_templates(owner)
        if len(templates) <= 1:
            return ""
        template = template_for_role(owner, pod_role(entry, pod))
        return template.role if template is not None else pod_role(entry, pod)


# Kueue's queue label (releases before v0.5 read an annotation of the same name).
QUEUE_LABEL = "kueue.x-k8s.io/queue-name"
# Conditions that end a run: Job (Complete, Failed, and 1.31's SuccessCriteriaMet/FailureTarget), the
# operators' (Succeeded, Completed, Finished).
_FINISHED_CONDITIONS = (
    "Complete",
    "Failed",
    "Succeeded",
    "Completed",
    "Finished",
    "SuccessCriteriaMet",
    "FailureTarget",
)


def queue_name(obj: Mapping[str, Any]) -> str:
    """The Kueue LocalQueue an object is queued in (its label, or the older annotation); empty if none."""
    metadata = mapping(obj.get("metadata"))
    return text(mapping(metadata.get("labels")).get(QUEUE_LABEL)) or text(
        mapping(metadata.get("annotations")).get(QUEUE_LABEL)
    )


def is_suspended(entry: WorkloadKind | None, obj: Mapping[str, Any]) -> bool:
    """True when the kind's suspend field is set (``spec.suspend``; Kubeflow's ``spec.runPolicy.suspend``)."""
    return entry is not None and bool(entry.suspend) and path_value(obj, entry.suspend or "") is True


def has_finished(obj: Mapping[str, Any]) -> bool:
    """True when the run is over, successfully or not: no pods is then expected.

    A finishing condition set to True (Job, Kubeflow, JobSet, TrainJob), a RayJob's terminal
    ``jobDeploymentStatus``, a JobSet's ``terminalState``, a Volcano Job's terminal phase.
    """
    status = mapping(obj.get("status"))
    conditions = mappings(status.get("conditions"))
    if any(item.get("type") in _FINISHED_CONDITIONS and item.get("status") == "True" for item in conditions):
        return True
    if status.get("jobDeploymentStatus") in ("Complete", "Failed") or status.get("terminalState"):
        return True
    return mapping(status.get("state")).get("phase") in ("Completed", "Failed", "Aborted", "Terminated")


def is_unknown_workload(obj: Mapping[str, Any]) -> bool:
    """An object that holds containers but of a kind this table does not know: never to be called clean."""
    return obj.get("kind") != "Pod" and workload_kind(obj) is None and carries_containers(obj)


def not_checked_note(names: list[str]) -> list[str]:
    """The ``skipped`` line that names the objects of unknown kinds holding containers (a few shown)."""
    if not names:
        return []
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    plural = "s" if len(names) != 1 else ""
    return [f"not checked: {len(names)} object{plural} of kinds it does not know, holding containers: {shown}"]
