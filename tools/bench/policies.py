#!/usr/bin/env python3
"""`make bench`, policies figure: what the host's route policies cost on the request path.

Four hosts serve greeter's synchronous GET /api/v1/greet/hello side by side, in interleaved rounds
on the same server CPUs (wrk on the others), as bench.py does for the request path:

- `plain`: no policy, metrics on (the default);
- `no_metrics`: BERTH_METRICS=0, for the cost of counting requests;
- `hs256`, `es256`, `eddsa`: the route requires a token (admin override `auth: required`), wrk
  sends a valid one signed with that algorithm (verified once, then served from the token cache);
- `rate_limited`: the route counts every request against a limit it never reaches (memory store).

Writes bench/results/<date>-<host>-policies.md and policies-latest.md (bench/work/results-quick
with BENCH_QUICK=1). Needs the release build and the C ceiling from tools/bench/run.sh.

BENCH_POLICIES_HOSTS=hs256,es256 runs only those hosts (with `plain`, which the ratios divide by),
e.g. the JWT rounds alone. BENCH_POLICIES_COST adds a per-request cost of the server that other
load on the machine distorts far less than requests/s: `instructions` counts its user-space
instructions (`perf stat -e instructions:u`; needs hardware counters, which many virtual
machines lack), `cpu` its user CPU time (utime of /proc/<pid>/stat, all threads). Either kind of
run writes its table to bench/work/results-partial, apart from the bench's results.
"""
import base64
import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

SECRET = "bench-secret-of-at-least-thirty-two-bytes"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_tokens(work):
    """An HS256 token, and ES256 and EdDSA tokens with the JWKS that verifies them."""
    from cryptography.hazmat.primitives import hashes, hmac, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, utils

    claims = b64(json.dumps({"sub": "bench", "exp": int(time.time()) + 86400}).encode())

    def signed(header, sign):
        head = b64(json.dumps(header).encode())
        signing_input = f"{head}.{claims}".encode()
        return f"{head}.{claims}.{b64(sign(signing_input))}"

    def hs256(data):
        mac = hmac.HMAC(SECRET.encode(), hashes.SHA256())
        mac.update(data)
        return mac.finalize()

    ec_key = ec.generate_private_key(ec.SECP256R1())
    ed_key = ed25519.Ed25519PrivateKey.generate()

    def es256(data):
        r, s = utils.decode_dss_signature(ec_key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    numbers = ec_key.public_key().public_numbers()
    ed_public = ed_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    jwks = {"keys": [
        {"kty": "EC", "crv": "P-256", "kid": "ec", "x": b64(numbers.x.to_bytes(32, "big")), "y": b64(numbers.y.to_bytes(32, "big"))},
        {"kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": b64(ed_public)},
    ]}
    path = os.path.join(work, "bench-jwks.json")
    with open(path, "w") as handle:
        json.dump(jwks, handle)
    return path, {
        "hs256": signed({"alg": "HS256"}, hs256),
        "es256": signed({"alg": "ES256", "kid": "ec"}, es256),
        "eddsa": signed({"alg": "EdDSA", "kid": "ed"}, ed_key.sign),
    }


def wrk_with(settings, url, server, header):
    """bench.wrk with one request header, by putting it on wrk's command line."""
    original = bench.subprocess.Popen

    def popen(command, *args, **kwargs):
        if command and command[0] == "wrk" and header:
            command = command[:1] + ["-H", header] + command[1:]
        return original(command, *args, **kwargs)

    bench.subprocess.Popen = popen
    try:
        return bench.wrk(settings, url, server)
    finally:
        bench.subprocess.Popen = original


def with_cost(kind):
    """A measure like wrk_with that adds `cost_per_request` to wrk's result: the server's
    user-space instructions (`kind` "instructions") or user CPU µs ("cpu") per completed request."""
    def instructions(settings, url, server, header):
        command = ["perf", "stat", "-x", ",", "-e", "instructions:u", "-p", str(server.process.pid)]
        perf = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(0.2)  # perf attaches before the first request
        try:
            result = wrk_with(settings, url, server, header)
        finally:
            perf.send_signal(signal.SIGINT)
            _, stderr = perf.communicate(timeout=30)
        counted = [line.split(",")[0] for line in stderr.splitlines() if "instructions" in line]
        if not counted or not counted[0].isdigit():
            raise SystemExit(f"perf stat cannot count instructions:u here ({stderr.strip()}): this machine has no hardware "
                             "counters; use BENCH_POLICIES_COST=cpu")
        result["cost_per_request"] = int(counted[0]) / max(1, result["requests"] or 0)
        return result

    def user_cpu(settings, url, server, header):
        def utime_ticks():
            with open(f"/proc/{server.process.pid}/stat") as handle:
                return int(handle.read().rsplit(")", 1)[1].split()[11])  # field 14, utime
        before = utime_ticks()
        result = wrk_with(settings, url, server, header)
        seconds = (utime_ticks() - before) / os.sysconf("SC_CLK_TCK")
        result["cost_per_request"] = seconds * 1e6 / max(1, result["requests"] or 0)
        return result

    if kind not in ("instructions", "cpu"):
        raise SystemExit(f"BENCH_POLICIES_COST={kind}: use instructions or cpu")
    return instructions if kind == "instructions" else user_cpu


def main():
    args = type("Args", (), {})()
    args.bin, args.repo = sys.argv[1], sys.argv[2]
    args.work = os.path.join(args.repo, "bench", "work")
    args.results = os.path.join(args.repo, "bench", "results")
    args.c_server, args.venv, args.bench_addon_origin = "", "", ""
    args.bench_addon = os.path.join(args.bin, "libBenchAddon.so")
    settings = bench.Settings(args)
    os.sched_setaffinity(0, settings.load_cpus)
    bench.CPU_SETS["server"], bench.CPU_SETS["load"] = set(settings.server_cpus), set(settings.load_cpus)
    settings.berth_serve_options, settings.berth_mode = bench.berth_serve_options(settings)
    os.makedirs(settings.work, exist_ok=True)
    jwks, tokens = make_tokens(settings.work)
    if not os.path.exists(bench.package_path(settings, "greeter")):
        bench.prepare_packages(settings, 1)

    all_hosts = {
        "plain": ({}, None, None),
        "no_metrics": ({"BERTH_METRICS": "0"}, None, None),
        "hs256": ({"BERTH_AUTH_JWT_SECRET": SECRET}, {"routes": [{"method": "GET", "path": "/hello", "auth": "required"}]}, tokens["hs256"]),
        "es256": ({"BERTH_AUTH_JWKS": jwks}, {"routes": [{"method": "GET", "path": "/hello", "auth": "required"}]}, tokens["es256"]),
        "eddsa": ({"BERTH_AUTH_JWKS": jwks}, {"routes": [{"method": "GET", "path": "/hello", "auth": "required"}]}, tokens["eddsa"]),
        "rate_limited": ({}, {"routes": [{"method": "GET", "path": "/hello", "rateLimit": {"limit": 1000000, "windowSeconds": 1, "key": "route"}}]}, None),
    }
    chosen = [name.strip() for name in os.environ.get("BENCH_POLICIES_HOSTS", "").split(",") if name.strip()]
    unknown = [name for name in chosen if name not in all_hosts]
    if unknown:
        raise SystemExit(f"BENCH_POLICIES_HOSTS: unknown host(s) {', '.join(unknown)}; known: {', '.join(all_hosts)}")
    hosts = {name: value for name, value in all_hosts.items() if not chosen or name == "plain" or name in chosen}
    cost = os.environ.get("BENCH_POLICIES_COST", "")
    cost_unit = {"instructions": "instructions:u", "cpu": "user CPU µs"}.get(cost, cost)
    measure = with_cost(cost) if cost else wrk_with
    servers, targets, headers = [], [], {}
    try:
        for offset, (name, (env, overrides, token)) in enumerate(hosts.items()):
            home = os.path.join(settings.work, "homes", f"policies-{name}")
            subprocess.run(["rm", "-rf", home], check=True)
            server = bench.berth_server(settings, f"berth-{name}", home, bench.pick_port(settings, 10 + offset))
            server.env.update(env)
            servers.append(server)
            server.start()
            bench.upload(server, settings, "greeter")
            bench.install(server, "greeter")
            if overrides:
                status, body, _ = bench.request(server.port, "PUT", "/api/v1/addons/greeter/policies", overrides, token=bench.ADMIN_TOKEN)
                if status != 200:
                    raise RuntimeError(f"{name}: policies answered {status}: {body}")
            headers[name] = f"Authorization: Bearer {token}" if token else None
            targets.append((name, server.url(bench.GREETER_ROUTE), server))
        for name, url, server in targets:
            wrk_with(settings, url, server, headers[name])  # warm-up; fills the token cache
        runs = {name: [] for name, _, _ in targets}
        for round_number in range(settings.runs):
            for name, url, server in (targets if round_number % 2 == 0 else list(reversed(targets))):
                result = measure(settings, url, server, headers[name])
                if result["failed"]:
                    raise RuntimeError(f"{name}: {result['failed']} failed requests")
                runs[name].append(result)
                counted = f", {result['cost_per_request']:.2f} {cost_unit} per request" if cost else ""
                bench.log(f"policies round {round_number + 1}/{settings.runs} {name}: {result['requests_per_second']:.0f} req/s{counted}")
    finally:
        for server in servers:
            server.stop()

    machine = bench.machine(settings)
    goals = {"no_metrics": None, "hs256": 0.85, "es256": 0.7, "eddsa": 0.7, "rate_limited": 0.95}
    lines = [
        f"# Route policies on the request path — {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC on {socket.gethostname().split('.')[0]}",
        "",
        f"Machine: {machine['cpu_model']}, {machine['cores']} cores, commit {machine['commit_short']}; {settings.runs} interleaved rounds of {settings.duration} s, "
        f"{settings.connections} connections, server on CPUs {settings.cpu_list(settings.server_cpus)} with "
        f"{settings.server_threads} thread(s), wrk on {settings.cpu_list(settings.load_cpus)}; {settings.berth_mode}.",
        "",
        "| Host (greeter GET /hello) | requests/s, median (min–max) | ÷ plain, median per round (min–max) | Goal |"
        + (f" {cost_unit} per request, median (min–max) |" if cost else ""),
        "| --- | --- | --- | --- |" + (" --- |" if cost else ""),
    ]
    for name, _, _ in targets:
        rps = bench.summarize([run["requests_per_second"] for run in runs[name]])
        if name == "plain":
            ratio, goal = "1.00", "—"
        elif name == "no_metrics":
            inverse = bench.paired_ratio(runs, "plain", "no_metrics")
            ratio = f"plain ÷ this: {inverse['median']:.3f} ({inverse['min']:.3f}–{inverse['max']:.3f})"
            goal = "metrics on ≥ 0.97× off"
        else:
            paired = bench.paired_ratio(runs, name, "plain")
            ratio = f"{paired['median']:.3f} ({paired['min']:.3f}–{paired['max']:.3f})"
            goal = f"≥ {goals[name]}×"
        row = f"| {name} | {rps['median']:.0f} ({rps['min']:.0f}–{rps['max']:.0f}) | {ratio} | {goal} |"
        if cost:
            counts = bench.summarize([run["cost_per_request"] for run in runs[name]])
            row += f" {counts['median']:.2f} ({counts['min']:.2f}–{counts['max']:.2f}) |"
        lines.append(row)
    text = "\n".join(lines) + "\n"
    results = settings.results
    if chosen or cost:  # not the whole figure: kept apart from the bench's results
        results = os.path.join(settings.work, "results-partial")
    os.makedirs(results, exist_ok=True)
    stem = f"{datetime.date.today().isoformat()}-{socket.gethostname().split('.')[0]}-policies.md"
    for path in (os.path.join(results, stem), os.path.join(results, "policies-latest.md")):
        with open(path, "w") as handle:
            handle.write(text)
    print(text)


if __name__ == "__main__":
    main()
