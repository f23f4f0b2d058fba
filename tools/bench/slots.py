#!/usr/bin/env python3
"""`make bench`, slots figure: what one cache get and one rate-limit check cost through the host's
provider slots, measured in process (issue 14).

Builds the bench addon `tools/bench/SlotBenchAddon` (a SwiftPM package of its own that depends on
the repository's PluginAPI by path), signs it and `redis_provider` with a key of its own, and starts
`berth serve --workers 0` on the server CPUs with CACHE_PROVIDER=memory and
RATE_LIMIT_PROVIDER=memory. Each round is one request to the addon's `GET /cache-get?n=` or
`GET /rate-check?n=`, whose handler runs the operation n times through `context.service(.cache)` /
`context.service(.rateLimiter)` (the host's front, slot registry and provider): once as a whole loop
(the mean) and once with each operation between two ContinuousClock reads (p50, p99). Then a
`redis-server` of its own on a free loopback port (on the load CPUs), `redis_provider` installed
against it, the host restarted with CACHE_PROVIDER=redis and RATE_LIMIT_PROVIDER=redis, and the same
rounds again; `redis-benchmark` (one connection, GET) gives Redis's own round trip beside them.
Beside the memory rows: the same routes on a second host with BERTH_METRICS=0 (the default counts
every slot call in the metrics), and the addon's `GET /anchors/stat`, the `stat(2)` of the provider
selections file that the slot registry makes at most once per 5 ms of slot calls (it made one per
call before).

Usage: slots.py BIN REPO (BIN: `swift build -c release --show-bin-path`). Writes
bench/results/<date>-<host>-slots.{md,json} and slots-latest.md (bench/work/results-quick with
BENCH_QUICK=1). Settings: BENCH_SLOTS_ROUNDS (7; quick 2), BENCH_SLOTS_OPERATIONS (100000 per
memory round; quick 10000), BENCH_SLOTS_REDIS_OPERATIONS (20000 per Redis round; quick 2000),
BENCH_SKIP_BUILD=1 (use the addon build as it is), BENCH_SLOTS_METRICS_HOST=0 (only the
BERTH_METRICS=0 host, which then also serves the Redis rows), and bench.py's BENCH_DELAY_LIMIT,
BENCH_NOISE_WAIT_SECONDS, BENCH_BASE_PORT.
"""
import datetime
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

ADDON_ID = "slot_bench"
PREFIX = "/api/v1/slot_bench"
GOALS_NS = {("cache", "memory"): 1000, ("rate_limit", "memory"): 2000}
SLOTS = ("cache", "rate_limit")
ROUTES = {"cache": "/cache-get", "rate_limit": "/rate-check", "stat": "/anchors/stat"}
LABELS = {"cache": "cache `get`", "rate_limit": "rate-limit check", "stat": "anchor: one `stat(2)` of the selections file"}


class Args:
    """The arguments bench.Settings reads, for a run outside bench.py."""

    def __init__(self, binary, repo):
        self.bin, self.repo = binary, repo
        self.work = os.path.join(repo, "bench", "work")
        self.results = os.path.join(repo, "bench", "results")
        self.c_server = self.venv = self.bench_addon = self.bench_addon_origin = ""


def build_addon(settings):
    """The bench addon's library, built as its own package under bench/work/."""
    package = os.path.join(settings.repo, "tools", "bench", "SlotBenchAddon")
    scratch = os.path.join(settings.work, "slot-bench-addon-build")
    flags = ["-c", "release", "--package-path", package, "--scratch-path", scratch]
    if os.environ.get("BENCH_SKIP_BUILD") != "1":
        bench.log(f"swift build {' '.join(flags)}")
        bench.run(["swift", "build"] + flags)
    library = os.path.join(bench.run(["swift", "build"] + flags + ["--show-bin-path"]).strip(), "libSlotBenchAddon.so")
    if not os.path.exists(library):
        raise RuntimeError(f"{library} is missing after the build")
    return package, library


def pack(settings, work, package, library):
    """A key of the bench's own, and the signed packages of slot_bench and redis_provider."""
    keys, packages = os.path.join(work, "keys"), os.path.join(work, "packages")
    for folder in (keys, packages):
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
    addonctl = os.path.join(settings.bin, "addonctl")
    bench.run([addonctl, "keygen", "slots", "--out-dir", keys])
    key = os.path.join(keys, "slots.key")
    bench.run([addonctl, "pack", package, "--key", key, "--library", library, "--out", packages + "/"])
    bench.run([addonctl, "pack", os.path.join(settings.repo, "Addons", "redis_provider"), "--key", key,
               "--library", os.path.join(settings.bin, "libRedisProvider.so"), "--out", packages + "/"])
    return os.path.join(keys, "slots.pub"), {
        ADDON_ID: os.path.join(packages, f"{ADDON_ID}-1.0.0.berth"),
        "redis_provider": os.path.join(packages, "redis_provider-1.0.0.berth"),
    }


def upload_and_install(server, archive, addon_id, config=None):
    with open(archive, "rb") as handle:
        status, body, _ = bench.request(server.port, "POST", "/api/v1/marketplace/packages", handle.read(), token=bench.ADMIN_TOKEN)
    if status not in (200, 201):
        raise RuntimeError(f"upload of {addon_id} answered {status}: {body}")
    request = {"id": addon_id, "version": "1.0.0"}
    if config is not None:
        request["config"] = config
    status, body, _ = bench.request(server.port, "POST", "/api/v1/marketplace/install", request, token=bench.ADMIN_TOKEN)
    if status != 201:
        raise RuntimeError(f"install of {addon_id} answered {status}: {body}")


def selected_providers(server):
    """{slot: (provider, source, health)} from GET /api/v1/providers."""
    status, body, _ = bench.request(server.port, "GET", "/api/v1/providers", token=bench.ADMIN_TOKEN)
    if status != 200:
        raise RuntimeError(f"GET /api/v1/providers answered {status}: {body}")
    return {entry["slot"]: (entry["provider"], entry["source"], entry["health"]) for entry in body["slots"]}


def expect_providers(server, provider):
    chosen = selected_providers(server)
    for slot in SLOTS:
        name, source, health = chosen[slot]
        if name != provider or source != "environment" or health != "ok":
            raise RuntimeError(f"the {slot} slot uses {name} (from {source}, health {health}), expected {provider} from the environment")
    return chosen


class Target:
    """One figure: a route of the bench addon on one host, with its provider and variant."""

    def __init__(self, server, slot, provider, operations, variant="", query=""):
        self.server, self.slot, self.provider, self.operations = server, slot, provider, operations
        self.variant, self.query = variant, query

    @property
    def name(self):
        return f"{self.provider} {self.slot}{' ' + self.variant if self.variant else ''}"

    def path(self, operations):
        return f"{PREFIX}{ROUTES[self.slot]}?n={operations}&key={uuid.uuid4().hex[:12]}{self.query}"


def measure(target, operations):
    """One round: one request whose handler runs `operations` operations. Adds the run-queue delay
    of the host's threads during the request (its share of the request's time) and the CPU others used."""
    server, path = target.server, target.path(operations)
    meter = bench.CpuMeter()
    waited = bench.run_queue_wait_ns(server.process.pid, tree=True)
    started = time.monotonic()
    status, body, _ = bench.request(server.port, "GET", path, timeout=120)
    elapsed_ns = (time.monotonic() - started) * 1e9
    waited = bench.run_queue_wait_ns(server.process.pid, tree=True) - waited
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}: {body}")
    for name in ("operation", "emptyOperation"):
        result = body[name]
        if result["failed"]:
            raise RuntimeError(f"GET {path}: {name} had {result['failed']} failed operations")
    body["server_run_queue_delay_percent"] = round(waited / elapsed_ns * 100, 1)
    body.update(meter.read())
    return body


def rounds_of(settings, targets, rounds):
    """`rounds` interleaved rounds of the targets (reversed every other round); a round during which
    the host's threads waited for a CPU longer than BENCH_DELAY_LIMIT % of it is repeated (up to
    `rounds` repeats per target). Returns the figures."""
    for target in targets:  # warm-up
        measure(target, max(1, target.operations // 10))
    kept = {target.name: [] for target in targets}
    repeated = {target.name: [] for target in targets}
    for round_number in range(rounds):
        for target in (targets if round_number % 2 == 0 else list(reversed(targets))):
            while True:
                result = measure(target, target.operations)
                delay = result["server_run_queue_delay_percent"]
                if delay > settings.delay_limit and len(repeated[target.name]) < rounds:
                    repeated[target.name].append(result)
                    bench.log(f"{target.name}: round repeated, the host waited for a CPU {delay:.1f} % of it")
                    bench.pause_for_quiet(settings)
                    continue
                break
            kept[target.name].append(result)
            figure = result["operation"]
            bench.log(f"{target.name} round {round_number + 1}/{rounds}: mean {figure['meanNanoseconds']:.0f} ns, "
                      f"p50 {figure['p50Nanoseconds']} ns, p99 {figure['p99Nanoseconds']} ns, run-queue delay {delay:.1f} %")
    return [{"slot": target.slot, "provider": target.provider, "variant": target.variant, "operations": target.operations,
             "rounds": kept[target.name], "repeated_rounds": repeated[target.name]} for target in targets]


def summary(figure, pass_name, field):
    return bench.summarize([round_[pass_name][field] for round_ in figure["rounds"]])


class RedisServer:
    """A redis-server of the bench's own on a free loopback port, without persistence, on the load CPUs."""

    def __init__(self, settings, work):
        if shutil.which("redis-server") is None:
            subprocess.run([os.path.join(settings.repo, "tools", "scripts", "install-deps.sh"), "redis-server"], check=True)
        self.port = bench.pick_port(settings, 40)
        self.log_path = os.path.join(settings.work, "logs", "slots-redis.log")
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        with open(self.log_path, "a") as log_file:
            self.process = subprocess.Popen(
                ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no",
                 "--dir", work, "--daemonize", "no"], stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 20
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}; see {self.log_path}")
            time.sleep(0.02)
        self.version = bench.command_line(["redis-server", "--version"])

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def benchmark(self, settings, requests):
        """redis-benchmark's GET round trip (of the key its SET wrote) on one connection, run on the
        host's CPUs: what Redis and loopback cost without Berth."""
        if shutil.which("redis-benchmark") is None:
            return None
        command = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(self.port), "-c", "1", "-n", str(requests), "-d", "64",
                   "-t", "set,get", "--csv"]
        if settings.pinned:
            command = ["taskset", "-c", settings.cpu_list(settings.server_cpus)] + command
        lines = [line.replace('"', "").split(",") for line in bench.run(command).strip().splitlines()]
        rows = [dict(zip(lines[0], values)) for values in lines[1:]]
        return next((row for row in rows if row.get("test") == "GET"), None)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def fmt_ns(value):
    return f"{value / 1000:.2f} µs" if value >= 1000 else f"{value:.0f} ns"


def fmt_summary(values):
    if values is None:
        return "–"
    if values["min"] == values["max"]:
        return fmt_ns(values["median"])
    return f"{fmt_ns(values['median'])} ({fmt_ns(values['min'])}–{fmt_ns(values['max'])})"


def render(report):
    machine, setup = report["machine"], report["setup"]
    lines = [
        f"# Cache and rate-limiting slots, in process — {report['date']} on {machine['host'].split('.')[0]}",
        "",
        f"Machine: {machine['cpu_model']}, {machine['cores']} cores (shared), clock source {setup['clock_source']}, "
        f"commit {machine['commit_short']}{' + uncommitted changes' if machine['worktree_dirty'] else ''}, {machine['swift'].splitlines()[0] if machine['swift'] else ''}. "
        f"`berth serve --workers 0` on CPU(s) {setup['server_cpus']} (BERTH_THREADS={setup['server_threads']}); the driver"
        f"{' and redis-server' if report.get('redis') else ''} on {setup['load_cpus']}"
        f"{(' (' + report['redis']['version'].split(' sha=')[0] + ', no persistence, one loopback port)') if report.get('redis') else ''}.",
        "",
        f"Each round is one request to the `{ADDON_ID}` addon (tools/bench/SlotBenchAddon), whose handler runs the operation "
        "n times in its own task through `context.service(.cache)` / `context.service(.rateLimiter)` (the host's front, slot "
        "registry and provider): once as a whole loop (the mean: loop time ÷ n), then each operation between two "
        "`ContinuousClock` reads (p50, p99 of those timings). One 64-byte value, every get a hit; every rate-limit hit counted "
        "against a limit it never reaches (10⁹ per 60 s), a fresh key per round. The `BERTH_METRICS=0` rows are a second host "
        "without the per-call metrics count (the default counts every slot call); the `stat(2)` row is the system call the slot "
        "registry makes at most once per 5 ms of calls to see whether the provider choice changed. Rounds of the memory rows interleaved. "
        "Median over the rounds (min–max).",
        "",
        "| Slot operation | Provider | Rounds × operations | Mean per operation | p50 | p99 | Goal | Met |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for figure in report["figures"]:
        mean = summary(figure, "operation", "meanNanoseconds")
        goal = None if figure["variant"] else GOALS_NS.get((figure["slot"], figure["provider"]))
        if goal is not None:
            goal_text, met = f"mean < {fmt_ns(goal)}", bench.verdict(mean["median"] < goal)
        elif figure["slot"] == "cache" and figure["provider"] == "redis":
            goal_text, met = "report p50 / p99", "reported"
        else:
            goal_text, met = "—", "—"
        provider = "redis (loopback)" if figure["provider"] == "redis" else figure["provider"]
        if figure["variant"]:
            provider += f", {figure['variant']}"
        done = min(min(round_["operation"]["loopOperations"], round_["operation"]["timedOperations"]) for round_ in figure["rounds"])
        count = f"{figure['operations']:,}" if done == figure["operations"] else f"{done:,}–{figure['operations']:,} (stopped at the request's deadline)"
        lines.append(f"| {LABELS[figure['slot']]} | {provider} | {len(figure['rounds'])} × {count} | {fmt_summary(mean)} | "
                     f"{fmt_summary(summary(figure, 'operation', 'p50Nanoseconds'))} | {fmt_summary(summary(figure, 'operation', 'p99Nanoseconds'))} | "
                     f"{goal_text} | {met} |")
    anchor = report.get("redis", {}).get("redis_benchmark")
    if anchor:
        lines.append(f"| anchor: `redis-benchmark -c 1 -t set,get`, its GET (Redis's C client, one connection, from the host's CPU) | redis (loopback) | 1 × {report['redis']['benchmark_requests']:,} | "
                     f"{float(anchor['avg_latency_ms']) * 1000:.1f} µs | {float(anchor['p50_latency_ms']) * 1000:.1f} µs | "
                     f"{float(anchor['p99_latency_ms']) * 1000:.1f} µs | — | — |")
    lines += ["", "Included in every figure above — the same loops around an operation that does nothing "
              "(the closure call, and in the timed pass the two clock reads), median over the rounds:"]
    empties = [round_["emptyOperation"] for figure in report["figures"] for round_ in figure["rounds"]]
    lines.append(f"mean {statistics.median(e['meanNanoseconds'] for e in empties):.0f} ns, "
                 f"p50 {statistics.median(e['p50Nanoseconds'] for e in empties):.0f} ns, "
                 f"p99 {statistics.median(e['p99Nanoseconds'] for e in empties):.0f} ns.")
    lines.append("")
    delays = [round_["server_run_queue_delay_percent"] for figure in report["figures"] for round_ in figure["rounds"]]
    foreign = [round_.get("foreign_server_cpu_percent", round_["foreign_cpu_percent"]) for figure in report["figures"] for round_ in figure["rounds"]]
    repeats = sum(len(figure["repeated_rounds"]) for figure in report["figures"])
    lines.append(f"Interference: the host's threads waited for a CPU {statistics.median(delays):.1f} % of a round (median; max "
                 f"{max(delays):.1f} %); other processes used {statistics.median(foreign):.0f} % of the server CPU (median; max "
                 f"{max(foreign):.0f} %); {repeats} round(s) repeated for a run-queue delay over {report['setup']['delay_limit']} %; "
                 f"load average {' / '.join(str(value) for value in report['load_average']['before'])} before, "
                 f"{' / '.join(str(value) for value in report['load_average']['after'])} after.")
    if report.get("redis"):
        lines += ["", f"Redis: `redis_provider` 1.0.0 (default settings: 4 connections used in turn, 1000 ms per command) against "
                  f"`redis://127.0.0.1:{report['redis']['port']}`, selected by restarting the host with CACHE_PROVIDER=redis and "
                  "RATE_LIMIT_PROVIDER=redis (GET /api/v1/providers: both from the environment, health ok). Each operation is one "
                  "round trip over loopback to a server on the other CPU, awaited by the handler."]
    lines += ["", "The third figure of the issue, a route with a limit against the same route without one, is "
              "[policies-latest.md](policies-latest.md) (tools/bench/policies.py). Reproduce: `make bench`, or "
              "`python3 tools/bench/slots.py \"$(swift build -c release --show-bin-path)\" \"$(pwd)\"` after a release build.", ""]
    return "\n".join(lines)


def main():
    settings = bench.Settings(Args(os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])))
    os.sched_setaffinity(0, settings.load_cpus)  # the driver and redis-server stay off the host's CPUs
    bench.CPU_SETS["server"], bench.CPU_SETS["load"] = set(settings.server_cpus), set(settings.load_cpus)
    rounds = bench.env_int("BENCH_SLOTS_ROUNDS", 2 if settings.quick else 7)
    memory_operations = bench.env_int("BENCH_SLOTS_OPERATIONS", 10_000 if settings.quick else 100_000)
    redis_operations = bench.env_int("BENCH_SLOTS_REDIS_OPERATIONS", 2_000 if settings.quick else 20_000)
    work = os.path.join(settings.work, "slots")
    os.makedirs(work, exist_ok=True)
    before = bench.load_average()
    package, library = build_addon(settings)
    trusted_key, archives = pack(settings, work, package, library)

    def host(name, offset, extra):
        home = os.path.join(work, f"home-{name}")
        shutil.rmtree(home, ignore_errors=True)
        server = bench.berth_server(settings, f"berth-slots-{name}", home, bench.pick_port(settings, offset))
        server.argv = [os.path.join(settings.bin, "berth"), "serve", "--workers", "0"]
        server.env.update({"BERTH_TRUSTED_KEYS": trusted_key, "CACHE_PROVIDER": "memory", "RATE_LIMIT_PROVIDER": "memory", **extra})
        server.selections = os.path.join(home, ".berth", "providers", "selections.json")
        return server

    # The default host (metrics on) and one with BERTH_METRICS=0, for the share of the per-call
    # metrics count; both on the server CPUs, measured in interleaved rounds (the idle one costs nothing).
    server, quiet = host("default", 30, {}), host("no-metrics", 35, {"BERTH_METRICS": "0"})
    servers, redis, figures = [server, quiet], None, []
    # BENCH_SLOTS_METRICS_HOST=0: only the BERTH_METRICS=0 host (it then also serves the Redis rows).
    if os.environ.get("BENCH_SLOTS_METRICS_HOST") == "0":
        server = quiet
        servers = [quiet]
    report = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": bench.machine(settings)}
    try:
        for each in servers:
            each.start()
            upload_and_install(each, archives[ADDON_ID], ADDON_ID)
            expect_providers(each, "memory")
        bench.log(f"memory slots: {rounds} rounds of {memory_operations} operations")
        targets = [Target(server, slot, "memory", memory_operations) for slot in SLOTS] if server is not quiet else []
        targets += [Target(quiet, slot, "memory", memory_operations, variant="BERTH_METRICS=0") for slot in SLOTS]
        targets.append(Target(server, "stat", "—", memory_operations, query="&path=" + urllib.parse.quote(server.selections)))
        figures += rounds_of(settings, targets, rounds)
        if server is not quiet:
            quiet.stop()

        redis = RedisServer(settings, work)
        upload_and_install(server, archives["redis_provider"], "redis_provider",
                           {"url": f"redis://127.0.0.1:{redis.port}", "keyPrefix": "berth-bench:"})
        server.stop()
        server.env.update({"CACHE_PROVIDER": "redis", "RATE_LIMIT_PROVIDER": "redis"})
        server.start()
        expect_providers(server, "redis")
        bench.log(f"redis slots on port {redis.port}: {rounds} rounds of {redis_operations} operations")
        variant = "BERTH_METRICS=0" if server is quiet else ""
        figures += rounds_of(settings, [Target(server, slot, "redis", redis_operations, variant=variant) for slot in SLOTS], rounds)
        report["redis"] = {"port": redis.port, "version": redis.version, "benchmark_requests": redis_operations,
                           "redis_benchmark": redis.benchmark(settings, redis_operations)}
    finally:
        for each in servers:
            try:
                each.stop()
            except ChildProcessError:  # it exited on its own (see its log); the error above says why
                pass
        if redis is not None:
            redis.stop()

    report.update({
        "setup": {"server_cpus": settings.cpu_list(settings.server_cpus), "load_cpus": settings.cpu_list(settings.load_cpus),
                  "server_threads": settings.server_threads, "delay_limit": settings.delay_limit, "quick": settings.quick,
                  "clock_source": bench.clock_source()},
        "figures": figures,
        "load_average": {"before": before, "after": bench.load_average()},
    })
    bench.write_figure(settings, "slots", report, render(report))


if __name__ == "__main__":
    main()
