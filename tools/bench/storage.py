#!/usr/bin/env python3
"""`make bench`, storage figure: an addon route doing one indexed read (greeter
`GET /api/v1/greet/count/:name`, a primary-key lookup) on SQLite and on PostgreSQL, served by the
same release build in one run, rounds interleaved. Needs BERTH_TEST_POSTGRES_URL (run it through
tools/scripts/with-postgres.sh). Writes bench/results/<date>-<host>-storage.{json,md}."""
import datetime, json, os, platform, re, secrets, socket, statistics, subprocess, sys, tempfile, time, urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
ROUNDS = int(os.environ.get("BENCH_STORAGE_ROUNDS", "3"))
SECONDS = int(os.environ.get("BENCH_STORAGE_SECONDS", "5"))


def run(*command, **kwargs):
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs).stdout.strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, token=None, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=body)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as answer:
        return answer.status, answer.read()


def start_host(bin_dir, home, database_url):
    port, token = free_port(), secrets.token_hex(16)
    keys = os.path.join(home, "keys")
    run(f"{bin_dir}/addonctl", "keygen", "bench", "--out-dir", keys)
    archive = os.path.join(home, "greeter.berth")
    run(f"{bin_dir}/addonctl", "pack", os.path.join(REPO, "Addons/greeter"), "--key", f"{keys}/bench.key",
        "--library", f"{bin_dir}/libGreeter.so", "--out", archive)
    env = dict(os.environ, BERTH_HOME=os.path.join(home, "home"), BERTH_PORT=str(port), BERTH_ADMIN_TOKEN=token,
               BERTH_TRUSTED_KEYS=f"{keys}/bench.pub", BERTH_THREADS="1")
    if database_url:
        env["BERTH_DATABASE_URL"] = database_url
    process = subprocess.Popen(["taskset", "-c", "1", f"{bin_dir}/berth", "serve", "--workers", "0"], env=env,
                               stdout=subprocess.DEVNULL, stderr=open(os.path.join(home, "berth.log"), "w"))
    for _ in range(200):
        try:
            if request(port, "GET", "/health")[0] == 200:
                break
        except OSError:
            time.sleep(0.05)
    with open(archive, "rb") as data:
        request(port, "POST", "/api/v1/marketplace/packages", token, data.read())
    request(port, "POST", "/api/v1/marketplace/install", token, json.dumps({"id": "greeter"}).encode())
    for name in ("ada", "grace", "linus"):
        request(port, "GET", f"/api/v1/greet/{name}")
    status, body = request(port, "GET", "/api/v1/greet/count/ada")
    assert status == 200 and b'"count":1' in body, body
    return process, port


def wrk(port):
    output = run("taskset", "-c", "0", "wrk", "-t1", "-c16", f"-d{SECONDS}s", "--latency", f"http://127.0.0.1:{port}/api/v1/greet/count/ada")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", output)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return rate, float(p99.group(1)) * scale, int(errors.group(1)) if errors else 0


def main():
    admin_url = os.environ.get("BERTH_TEST_POSTGRES_URL")
    if not admin_url:
        sys.exit("storage bench: BERTH_TEST_POSTGRES_URL is not set; run it through tools/scripts/with-postgres.sh")
    bin_dir = run("swift", "build", "-c", "release", "--show-bin-path", cwd=REPO)
    database = "bench_" + secrets.token_hex(4)
    run("psql", admin_url, "-qc", f"CREATE DATABASE {database}")
    postgres_url = admin_url.rsplit("/", 1)[0] + "/" + database
    work = tempfile.mkdtemp(prefix="berth-storage-bench-")
    hosts = {}
    try:
        hosts["sqlite"] = start_host(bin_dir, os.path.join(work, "sqlite"), None)
        hosts["postgres"] = start_host(bin_dir, os.path.join(work, "postgres"), postgres_url)
        samples = {name: [] for name in hosts}
        for _ in range(ROUNDS):
            for name, (_, port) in hosts.items():
                samples[name].append(wrk(port))
    finally:
        for process, _ in hosts.values():
            process.terminate()
            process.wait()
        run("psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    write(samples)


def write(samples):
    now = datetime.datetime.now(datetime.timezone.utc)
    host = platform.node().split(".")[0] or "host"
    commit = run("git", "rev-parse", "--short=10", "HEAD", cwd=REPO)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "unknown")
    summary = {}
    for name, runs in samples.items():
        rates, p99s = [r for r, _, _ in runs], [p for _, p, _ in runs]
        summary[name] = {"requests_per_second": {"median": statistics.median(rates), "min": min(rates), "max": max(rates)},
                         "p99_ms": {"median": statistics.median(p99s), "min": min(p99s), "max": max(p99s)},
                         "failed": sum(f for _, _, f in runs)}
    result = {"date": now.isoformat(), "host": host, "cpu": cpu, "cores": os.cpu_count(), "commit": commit,
              "route": "GET /api/v1/greet/count/:name (one primary-key read)", "rounds": ROUNDS, "seconds": SECONDS,
              "pinning": "berth on CPU 1 (BERTH_THREADS=1, --workers 0), wrk -t1 -c16 on CPU 0", "backends": summary}
    # A quick run (BENCH_QUICK=1) keeps its results beside bench.py's quick ones, out of bench/results.
    results = os.path.join(REPO, "bench", "work", "results-quick") if os.environ.get("BENCH_QUICK") == "1" else os.path.join(REPO, "bench", "results")
    os.makedirs(results, exist_ok=True)
    stem = os.path.join(results, f"{now:%Y-%m-%d}-{host}-storage")
    with open(stem + ".json", "w") as out:
        json.dump(result, out, indent=2)
    lines = [f"# Storage benchmark — {now:%Y-%m-%d %H:%M} UTC on {host}", "",
             f"- Machine: {cpu}, {os.cpu_count()} cores; commit `{commit}`",
             f"- Route: {result['route']}; {ROUNDS} interleaved rounds of {SECONDS} s; {result['pinning']}", "",
             "| Backend | Requests/s median (min–max) | p99 median (min–max) | Failed |", "|---|---|---|---|"]
    for name, figures in summary.items():
        r, p = figures["requests_per_second"], figures["p99_ms"]
        lines.append(f"| {name} | {r['median']:,.0f} ({r['min']:,.0f}–{r['max']:,.0f}) | {p['median']:.2f} ms ({p['min']:.2f}–{p['max']:.2f}) | {figures['failed']} |")
    ratio = summary["postgres"]["requests_per_second"]["median"] / summary["sqlite"]["requests_per_second"]["median"]
    lines += ["", f"PostgreSQL / SQLite requests/s: {ratio:.2f}×", ""]
    with open(stem + ".md", "w") as out:
        out.write("\n".join(lines))
    with open(os.path.join(results, "storage-latest.md"), "w") as out:
        out.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
