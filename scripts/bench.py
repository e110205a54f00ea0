"""Measure kubectl-ml against the budgets of DESIGN §7 and write the figures.

    python scripts/bench.py                 # print the table
    python scripts/bench.py --write-docs    # also replace the figures in docs/performance.md
    python scripts/bench.py --fuzz 2000     # a long fuzz campaign: snapshots, manifests, kubeconfigs, API answers

What it measures, each as the median of several runs on this machine:

1. start-up: ``kubectl ml --help`` and ``kubectl ml version --client``, and that neither imports the
   kubernetes client;
2. ``doctor -A`` over a synthetic cluster of 5,000 pods and 50,000 events (scripts/synthetic_cluster.py):
   from a snapshot folder, and live against a local API server (tests/support/apiserver.py) serving the
   same objects over real HTTP, with wall time, peak memory and the number of requests;
3. ``doctor POD`` on a crash-looping pod, side by side with what a user runs instead against the same
   server: ``kubectl describe pod``, ``kubectl logs --previous`` and ``kubectl get events``;
4. ``rightsize`` against a real Prometheus, and ``lint`` on 1,000 generated manifests (``measure_lint``).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tests.support.apiserver import ApiServer  # noqa: E402

from synthetic_cluster import generate  # noqa: E402 - path set up above

PLUGIN = str(Path(sys.executable).with_name("kubectl-ml"))
DATA = ROOT / "bench-data" / "cluster"
MARK_BEGIN = "<!-- bench:begin -->"
MARK_END = "<!-- bench:end -->"


# Runs the command and prints "seconds maxrss_kib exit_code". The command is started by this small process,
# not by the benchmark: a child forked from the benchmark (large after the 5,000-pod runs) has the
# benchmark's pages counted in its peak RSS until its exec.
_LAUNCHER = """
import os, subprocess, sys, time
started = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_pid, status, usage = os.wait4(process.pid, 0)
print(time.perf_counter() - started, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def run(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int, int]:
    """(seconds, peak RSS in MiB, exit code) of one run of a command, measured by a small launcher."""
    output = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *command], capture_output=True, text=True, env=env, check=True
    ).stdout.split()
    seconds, peak, code = float(output[0]), int(output[1]), int(output[2])
    return seconds, peak // 1024, code


def median_run(command: list[str], runs: int, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Median seconds and the largest peak RSS over ``runs`` runs; a run that failed (exit > 1) is an error."""
    results = [run(command, env) for _ in range(runs)]
    failed = [code for _, _, code in results if code not in (0, 1)]
    if failed:
        raise SystemExit(f"{' '.join(command)} failed with exit code {failed[0]}")
    return statistics.median(result[0] for result in results), max(result[1] for result in results)


def imports_kubernetes(arguments: list[str]) -> bool:
    """True when running the CLI with these arguments imports the kubernetes package."""
    code = f"import sys\nfrom kubectl_ml.cli import main\nmain({arguments!r})\nprint('kubernetes' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    return result.stdout.strip().endswith("True")


def measure(runs: int) -> list[tuple[str, str, str, str]]:
    """All measurements as table rows: (what, figure, budget, verdict)."""
    rows: list[tuple[str, str, str, str]] = []

    def add(what: str, figure: str, budget: str, ok: bool) -> None:
        rows.append((what, figure, budget, "within" if ok else "OVER"))
        print(f"{what}: {figure} (budget {budget})", file=sys.stderr)

    for arguments in (["--help"], ["version", "--client"]):
        seconds, _ = median_run([PLUGIN, *arguments], runs * 2)
        heavy = imports_kubernetes(arguments)
        add(
            f"`kubectl ml {' '.join(arguments)}`",
            f"{seconds * 1000:.0f} ms, kubernetes imported: {heavy}",
            "150 ms, no import",
            seconds < 0.15 and not heavy,
        )

    if not (DATA / "nodes.json").exists():
        print(f"generating {DATA}", file=sys.stderr)
        counts = generate(DATA)
        print(counts, file=sys.stderr)
    seconds, memory = median_run([PLUGIN, "doctor", "-A", "--snapshot", str(DATA), "-o", "json"], runs)
    add(
        "`doctor -A --snapshot` (5,000 pods, 50,000 events, load included)",
        f"{seconds:.2f} s, {memory} MiB",
        "3 s, 500 MB",
        seconds < 3 and memory < 500,
    )

    # HTTPS with a bearer token, as a real cluster: neither the plugin nor kubectl sends a token over http.
    with ApiServer.from_snapshot(DATA, tls=True) as server, tempfile.TemporaryDirectory() as folder:
        kubeconfig = str(server.write_kubeconfig(folder))
        env = {**os.environ, "KUBECONFIG": kubeconfig}
        server.requests.clear()
        seconds, memory = median_run([PLUGIN, "doctor", "-A", "-o", "json"], runs, env)
        per_run = len(server.requests) // runs
        add(
            "`doctor -A` live (5,000 pods, 50,000 events, local API server)",
            f"{seconds:.2f} s, {memory} MiB, {per_run} requests",
            "3 s, 500 MB",
            seconds < 3 and memory < 500,
        )

        namespace, pod = "team-00", "worker-0000-6d8f9c7b5-00001"
        server.requests.clear()
        ours, _ = median_run([PLUGIN, "doctor", pod, "-n", namespace], runs, env)
        our_requests = len(server.requests) // runs
        kubectl = shutil.which("kubectl") or "kubectl"
        theirs = [
            [kubectl, "describe", "pod", pod, "-n", namespace],
            [kubectl, "logs", pod, "-n", namespace, "--previous", "--tail=100"],
            [kubectl, "get", "events", "-n", namespace, f"--field-selector=involvedObject.name={pod}"],
        ]
        server.requests.clear()
        total = 0.0
        for command in theirs:
            seconds_each, _ = median_run(command, runs, env)
            total += seconds_each
        their_requests = len(server.requests) // runs
        add(
            "`doctor POD` (crash-looping pod) vs `kubectl describe` + `logs --previous` + `get events`",
            f"{ours * 1000:.0f} ms and {our_requests} requests vs {total * 1000:.0f} ms and {their_requests} requests",
            "1.5x kubectl, 4 requests",
            ours <= 1.5 * total and our_requests <= 4,
        )
    rows.extend(measure_rightsize())
    rows.extend(measure_lint(runs))
    return rows


def lint_manifests(folder: Path, count: int = 1000, per_file: int = 5) -> int:
    """Write ``count`` workload manifests (vLLM-like Deployments, GPU Jobs, CronJobs, Pods; about 45 lines each,
    a mix of clean ones and ones with each lint problem) as multi-document YAML files; returns the lines written.
    """
    deployment = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: llm-{i}
  namespace: team-{team}
  labels: {{app: llm-{i}, app.kubernetes.io/part-of: serving}}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: llm-{i}}}
  template:
    metadata:
      labels: {{app: llm-{i}}}
    spec:
      securityContext: {{runAsNonRoot: true, runAsUser: 1000}}
      containers:
        - name: vllm
          image: vllm/vllm-openai:{tag}
          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--port", "8000"]
          ports:
            - {{name: http, containerPort: 8000}}
          resources:
            requests: {{cpu: "4", memory: 24Gi}}
            limits: {{memory: 24Gi, {gpu}: 1}}
          livenessProbe:
            httpGet: {{path: /health, port: http}}
          readinessProbe:
            httpGet: {{path: /health, port: http}}
          volumeMounts:
            - {{name: dshm, mountPath: /dev/shm}}
            - {{name: cache, mountPath: /root/.cache/huggingface}}
      volumes:
        - name: dshm
          emptyDir: {{medium: Memory, sizeLimit: 8Gi}}
        - name: cache
          persistentVolumeClaim: {{claimName: hf-cache}}
      tolerations:
        - {{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}}
"""
    job = """apiVersion: batch/v1
kind: CronJob
metadata:
  name: train-{i}
  namespace: team-{team}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      backoffLimit: 1
      template:
        spec:
          restartPolicy: Never
          containers:
            - name: trainer
              image: ghcr.io/acme/trainer:1.{i}
              command: ["torchrun", "--nproc-per-node=8", "train.py"]
              resources:
                requests: {{cpu: "32", memory: 256Gi, nvidia.com/gpu: 8}}
                limits: {{memory: 256Gi, nvidia.com/gpu: {limit}}}
"""
    folder.mkdir(parents=True, exist_ok=True)
    lines = 0
    for start in range(0, count, per_file):
        documents = []
        for i in range(start, min(start + per_file, count)):
            if i % 2:
                text = job.format(i=i, team=i % 20, limit=8 if i % 3 else 4)
            else:
                text = deployment.format(
                    i=i,
                    team=i % 20,
                    tag="latest" if i % 4 == 0 else "v0.6.3",
                    gpu="nvidia.com/gpus" if i % 10 == 0 else "nvidia.com/gpu",
                )
            documents.append(text)
        body = "---\n".join(documents)
        lines += body.count("\n")
        (folder / f"manifests-{start // per_file:03d}.yaml").write_text(body, encoding="utf-8")
    return lines


def measure_lint(runs: int = 3) -> list[tuple[str, str, str, str]]:
    """``kubectl ml lint`` on 1,000 generated manifests (200 multi-document files), process start included."""
    with tempfile.TemporaryDirectory() as folder:
        lines = lint_manifests(Path(folder))
        seconds, memory = median_run([PLUGIN, "lint", folder, "-o", "json", "--fail-on", "never"], runs)
    figure = f"{seconds:.2f} s, {memory} MiB ({lines:,} lines of YAML)"
    print(f"lint: {figure}", file=sys.stderr)
    return [
        (
            "`lint` on 1,000 manifests (200 files, multi-document YAML)",
            figure,
            "2 s",
            "within" if seconds < 2 else "OVER",
        )
    ]


def measure_rightsize() -> list[tuple[str, str, str, str]]:
    """rightsize on 2,000 containers against a real Prometheus: queries counted by Prometheus itself.

    KRR sends 7 queries per container (7 x 2,000 + 5 = 14,005 here; measured fit in
    shared/reference/rightsize-anchors.md §4.3); ours send a fixed set per namespace.
    """
    from tests.support.prometheus import History, add_namespace, serve

    from kubectl_ml.model.usage import UsageQuery
    from kubectl_ml.sources.prometheus import PrometheusSource, RequestsHttp

    end = (int(time.time()) // 60) * 60
    history = History()
    containers = add_namespace(history, "bulk", pods=1000, containers_per_pod=2, start=end - 86400, end=end)
    with tempfile.TemporaryDirectory() as folder, serve(history, Path(folder)) as server:
        source = PrometheusSource(RequestsHttp(server.url), description={"type": "prometheus", "url": server.url})
        before = server.requests_total()
        started = time.perf_counter()
        data = source.usage(["bulk"], UsageQuery(end=end + 15, window_seconds=86400))
        seconds = time.perf_counter() - started
        queries = int(server.requests_total() - before)
    krr = 7 * len(containers) + 5
    figure = (
        f"{queries} queries, {seconds:.1f} s for {len(data.containers):,} containers "
        f"(KRR: {krr:,} queries for the same)"
    )
    print(f"rightsize: {figure}", file=sys.stderr)
    return [
        (
            "`rightsize` on 2,000 containers, one namespace, 1 day at 60 s, real Prometheus",
            figure,
            "12 queries per namespace",
            "within" if queries <= 12 else "OVER",
        )
    ]


def table(rows: list[tuple[str, str, str, str]]) -> str:
    """A markdown table of the rows."""
    lines = ["| what | measured | budget | |", "|---|---|---|---|"]
    lines += [f"| {what} | {figure} | {budget} | {verdict} |" for what, figure, budget, verdict in rows]
    cpu = os.cpu_count()
    lines += [
        "",
        f"Measured by `python scripts/bench.py` on {cpu} cores, Python {sys.version.split()[0]}, "
        f"{time.strftime('%Y-%m-%d')}; medians of several runs.",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument(
        "--fuzz",
        type=int,
        default=0,
        metavar="N",
        help="instead, run the fuzz suites (tests/hostile/test_fuzz*.py) with N examples per property",
    )
    options = parser.parse_args()
    if options.fuzz:
        # The long campaign: the suite runs 120 examples per property; this runs as many as asked.
        environment = {**os.environ, "KUBECTL_ML_FUZZ_EXAMPLES": str(options.fuzz)}
        suites = ["tests/hostile/test_fuzz.py", "tests/hostile/test_fuzz_live.py"]
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *suites]
        return subprocess.run(command, cwd=ROOT, env=environment, check=False).returncode
    resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
    text = table(measure(options.runs))
    print(text)
    if options.write_docs:
        path = ROOT / "docs" / "performance.md"
        document = path.read_text(encoding="utf-8")
        start, end = document.index(MARK_BEGIN) + len(MARK_BEGIN), document.index(MARK_END)
        path.write_text(document[:start] + "\n" + text + "\n" + document[end:], encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
