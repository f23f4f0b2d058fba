"""Structural checks of the deployment recipes in deploy/ (called by check-deploy.sh).

Each recipe must build from deploy/Containerfile, run `berth serve`, keep the home on a persistent
volume and check health on /health. Exits non-zero naming the file and the problem.
"""
import re
import sys
import tomllib
from pathlib import Path

HOME = "/var/lib/berth"
problems = []


def check(condition, file, message):
    if not condition:
        problems.append(f"{file}: {message}")


def container(folder):
    path = folder / "Containerfile"
    text = path.read_text()
    check(re.search(r"^FROM swift:\S+ AS build$", text, re.M), path, "the build stage must use the Swift toolchain image")
    check(re.search(r"^HEALTHCHECK .*127\.0\.0\.1:8080/health", text, re.M), path, "HEALTHCHECK must request /health")
    check(f'VOLUME ["{HOME}"]' in text, path, f"the home {HOME} must be a volume")
    check(re.search(r'^ENTRYPOINT \["/opt/berth/bin/berth"\]$', text, re.M) and 'CMD ["serve"]' in text, path, "must run berth serve")
    check(re.search(r"^USER berth$", text, re.M), path, "must not run as root")


def fly(folder):
    path = folder / "fly.toml"
    config = tomllib.loads(path.read_text())
    check(config.get("build", {}).get("dockerfile") == "deploy/Containerfile", path, "build.dockerfile must be deploy/Containerfile")
    check(any(m.get("destination") == HOME for m in config.get("mounts", [])), path, f"a volume must be mounted at {HOME}")
    service = config.get("http_service", {})
    check(service.get("internal_port") == 8080, path, "http_service.internal_port must be 8080")
    check(any(c.get("path") == "/health" for c in service.get("checks", [])), path, "a check must request /health")


def railway(folder):
    path = folder / "railway.toml"
    config = tomllib.loads(path.read_text())
    check(config.get("build", {}).get("dockerfilePath") == "deploy/Containerfile", path, "build.dockerfilePath must be deploy/Containerfile")
    deploy = config.get("deploy", {})
    check(deploy.get("healthcheckPath") == "/health", path, "deploy.healthcheckPath must be /health")
    check("berth serve" in deploy.get("startCommand", ""), path, "deploy.startCommand must run berth serve")


def render(folder):
    path = folder / "render.yaml"
    try:
        import yaml
    except ImportError:
        problems.append(f"{path}: PyYAML is needed to check it (see tools/requirements-test.txt)")
        return
    config = yaml.safe_load(path.read_text())
    services = config.get("services", [])
    check(len(services) == 1, path, "one web service expected")
    for service in services:
        check(service.get("type") == "web" and service.get("runtime") == "docker", path, "the service must be a docker web service")
        check(service.get("dockerfilePath") == "./deploy/Containerfile", path, "dockerfilePath must be ./deploy/Containerfile")
        check(service.get("healthCheckPath") == "/health", path, "healthCheckPath must be /health")
        check(service.get("disk", {}).get("mountPath") == HOME, path, f"the disk must be mounted at {HOME}")
        secrets = [v for v in service.get("envVars", []) if v.get("key") in ("BERTH_ADMIN_TOKEN", "BERTH_DATABASE_URL")]
        check(all(v.get("sync") is False and "value" not in v for v in secrets), path, "secrets must be sync: false, never values")


def main():
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "deploy")
    for recipe in (container, fly, railway, render):
        try:
            recipe(folder)
        except (OSError, tomllib.TOMLDecodeError, ValueError) as error:
            problems.append(f"{folder}: {recipe.__name__}: {error}")
    for problem in problems:
        print(f"check-deploy: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
