"""deploy/k8s checked statically (no cluster here): every document against the Kubernetes JSON schemas that
kubernetes-validate bundles (strict: unknown fields fail; no network), and the manifests against the code they
start: env names, probes, security context, resources, and the wiring between Deployments, Services,
ConfigMaps and Secrets."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from compose_spec import PyOptions

from tests.deploy.env_names import known_env_names

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
K8S_VERSION = "1.30.0"  # oldest Kubernetes these manifests claim to work on
OUR_IMAGE = "greentech-match"
SERVICES = {"registry": 8001, "matching": 8002, "gateway": 8000}


def documents() -> list[tuple[str, dict[str, Any]]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    docs = []
    for name in kustomization["resources"]:
        docs += [(name, d) for d in yaml.safe_load_all((K8S / name).read_text()) if d]
    return docs


DOCS = documents()


def by_kind(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for _, d in DOCS if d["kind"] == kind}


def our_containers() -> list[tuple[str, dict[str, Any]]]:
    return [(name, c) for name, dep in by_kind("Deployment").items()
            for c in dep["spec"]["template"]["spec"]["containers"] if c["image"].split(":")[0] == OUR_IMAGE]


def test_kustomization_lists_every_manifest() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}


@pytest.mark.parametrize("source,doc", DOCS, ids=[f"{s}:{d['kind']}/{d['metadata']['name']}" for s, d in DOCS])
def test_document_matches_kubernetes_schema(source: str, doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)  # raises ValidationError naming the field


def test_each_service_has_deployment_service_probes_resources_and_security() -> None:
    deployments, services = by_kind("Deployment"), by_kind("Service")
    for name, port in SERVICES.items():
        pod = deployments[name]["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        (container,) = pod["containers"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert {"requests", "limits"} <= set(container["resources"])
        sec = container["securityContext"]
        assert sec["readOnlyRootFilesystem"] is True and sec["allowPrivilegeEscalation"] is False
        assert {"containerPort": port, "name": "http"} in container["ports"]
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        assert env["SERVICE"] == name  # picks the app in deploy/Dockerfile's CMD
        # read-only root: every path the service writes is a mounted volume
        assert {m["mountPath"] for m in container["volumeMounts"]} >= {"/data", "/tmp"}
        selector = services[name]["spec"]["selector"]
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items(), f"Service {name} selects no pod"
    assert deployments["matching"]["spec"]["replicas"] >= 2, "matching runs as several replicas"


def test_postgres_urls_and_token_come_from_the_secret() -> None:
    secrets = by_kind("Secret")
    for _, container in our_containers():
        for e in container.get("env", []):
            if e["name"].endswith(("_DATABASE_URL", "_SERVICE_TOKEN")):
                ref = e["valueFrom"]["secretKeyRef"]
                assert ref["key"] in secrets[ref["name"]]["stringData"]
    names = {e["name"] for _, c in our_containers() for e in c.get("env", [])}
    assert {"REGISTRY_DATABASE_URL", "GATEWAY_DATABASE_URL"} <= names


def k8s_env_names() -> dict[str, set[str]]:
    """Deployment -> env names it sets: `env` entries plus the keys of every envFrom ConfigMap/Secret."""
    configmaps, secrets = by_kind("ConfigMap"), by_kind("Secret")
    out: dict[str, set[str]] = {}
    for name, container in our_containers():
        names = {e["name"] for e in container.get("env", [])}
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                names |= set(configmaps[source["configMapRef"]["name"]]["data"])
            else:
                names |= set(secrets[source["secretRef"]["name"]]["stringData"])
        out[name] = names
    return out


def compose_env_names() -> dict[str, set[str]]:
    parsed = PyOptions(apply_merge=True).from_yaml((REPO / "docker-compose.yml").read_text()).to_dict()
    return {name: set(parsed["services"][name].get("environment", {})) for name in SERVICES}


@pytest.mark.parametrize("where,env_names", [("k8s", k8s_env_names), ("compose", compose_env_names)])
def test_every_env_var_is_read_by_the_code(where: str, env_names) -> None:  # type: ignore[no-untyped-def]
    """A misspelt or dead variable silently leaves the default in force; refuse any the code does not read."""
    known = known_env_names()
    for service, names in env_names().items():
        unknown = sorted(n for n in names if n.upper() not in known)
        assert not unknown, f"{where} {service}: {unknown} match no setting the code reads"
        prefix = f"{service.upper()}_"
        foreign = sorted(n for n in names if n.split("_")[0] in {"REGISTRY", "MATCHING", "GATEWAY"} and not n.startswith(prefix))
        assert not foreign or where == "compose", f"{service} sets another service's settings: {foreign}"


def test_unknown_variable_is_refused() -> None:
    """The check above is not vacuous: a plausible typo is not a known name."""
    known = known_env_names()
    assert "MATCHING_REGISTRY_URL" in known and "GATEWAY_WEBHOOK_MAX_ATTEMPTS" in known and "PORT" in known
    assert "MATCHING_REGISTRY_URI" not in known and "GREENTECH_SERVICE_TOKEN" not in known


def test_matching_and_gateway_autoscale_on_cpu() -> None:
    """HPA for matching and gateway: targets the Deployment that exists, keeps at least two pods, scales on CPU
    utilisation (which needs a CPU request on the container to be computed at all)."""
    hpas, deployments = by_kind("HorizontalPodAutoscaler"), by_kind("Deployment")
    for name in ("matching", "gateway"):
        spec = hpas[name]["spec"]
        target = spec["scaleTargetRef"]
        assert (target["apiVersion"], target["kind"], target["name"]) == ("apps/v1", "Deployment", name)
        assert 2 <= spec["minReplicas"] < spec["maxReplicas"]
        assert spec["minReplicas"] <= deployments[name]["spec"]["replicas"] <= spec["maxReplicas"]
        (metric,) = spec["metrics"]
        assert metric["resource"]["name"] == "cpu" and 0 < metric["resource"]["target"]["averageUtilization"] < 100
        (container,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert container["resources"]["requests"]["cpu"]
    # a matching pod rebuilds its index before serving: it must not be dropped as eagerly as it is added
    matching = hpas["matching"]["spec"]["behavior"]
    assert matching["scaleDown"]["stabilizationWindowSeconds"] > matching["scaleUp"]["stabilizationWindowSeconds"]


def test_disruption_budgets_keep_each_service_serving() -> None:
    """A PodDisruptionBudget per service selects its pods and lets a drain evict only one at a time, so at least
    one pod of each (two of matching) keeps serving; and it never blocks drains outright (maxUnavailable 0)."""
    pdbs, deployments, hpas = by_kind("PodDisruptionBudget"), by_kind("Deployment"), by_kind("HorizontalPodAutoscaler")
    for name in SERVICES:
        spec = pdbs[name]["spec"]
        labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
        assert spec["selector"]["matchLabels"].items() <= labels.items(), f"PDB {name} selects no pod"
        assert spec["maxUnavailable"] == 1 and "minAvailable" not in spec
        floor = hpas[name]["spec"]["minReplicas"] if name in hpas else deployments[name]["spec"]["replicas"]
        assert floor - spec["maxUnavailable"] >= (2 if name == "matching" else 1)
