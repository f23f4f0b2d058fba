#!/usr/bin/env python3
"""The Berth benchmark driver (issue 6), run by tools/bench/run.sh after the builds.

Measures six figures, each beside its anchor in the same run, and writes
bench/results/<date>-<host>.json, bench/results/<date>-<host>.md and bench/results/latest.md.
Standard library only. Every knob has an environment variable (see bench/README.md).
"""
import argparse
import datetime
import http.client
import json
import math
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import threading
import time

ADMIN_TOKEN = "bench-admin-token-not-secret"
GREETER_ROUTE = "/api/v1/greet/hello"
HEALTH_ROUTE = "/health"


# ---------------------------------------------------------------------------------------------
# Settings


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value else default


class Settings:
    def __init__(self, args):
        quick = os.environ.get("BENCH_QUICK") == "1"
        self.bin = args.bin
        self.work = os.path.abspath(args.work)
        self.results = os.path.abspath(args.results)
        if quick:  # a smoke run: its numbers do not belong with the results
            self.results = os.path.join(self.work, "results-quick")
        self.repo = os.path.abspath(args.repo)
        self.c_server = args.c_server
        self.venv = args.venv
        self.bench_addon = args.bench_addon
        self.bench_addon_origin = args.bench_addon_origin
        self.quick = quick
        self.duration = env_int("BENCH_DURATION", 2 if quick else 5)
        self.runs = env_int("BENCH_RUNS", 2 if quick else 5)
        self.scale_runs = env_int("BENCH_SCALE_RUNS", 2 if quick else 4)
        self.startups = env_int("BENCH_STARTUPS", 2 if quick else 3)
        self.swap_runs = env_int("BENCH_SWAP_RUNS", 1 if quick else 3)
        self.cycles = env_int("BENCH_CYCLES", 20 if quick else 30)
        self.warmup_cycles = 3
        self.connections = env_int("BENCH_CONNECTIONS", 64)
        levels = os.environ.get("BENCH_SCALE_LEVELS", "1,10" if quick else "1,10,50,100")
        self.levels = sorted({int(level) for level in levels.split(",") if level.strip()})
        self.base_port = env_int("BENCH_BASE_PORT", 18600)
        # Noise: a wrk run whose server or wrk threads waited for a CPU longer than delay_limit % of
        # the run, or a lifecycle batch during which others used more than noise_limit % of the server
        # CPU, is repeated, within retry_seconds_left seconds of extra load for the whole bench.
        self.noise_limit = env_int("BENCH_NOISE_LIMIT", 10)
        self.delay_limit = float(os.environ.get("BENCH_DELAY_LIMIT", "3"))
        self.retry_seconds_left = env_int("BENCH_NOISE_RETRY_SECONDS", 30 if quick else 120)
        self.retry_budget = self.retry_seconds_left
        # Seconds the bench may spend idle, waiting for other processes to calm down before a repeat.
        self.wait_seconds_left = env_int("BENCH_NOISE_WAIT_SECONDS", 60 if quick else 240)
        self.wait_budget = self.wait_seconds_left
        self.waited_seconds = 0.0
        self.repeated_runs = 0
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) >= 2:
            half = len(cpus) // 2
            self.load_cpus, self.server_cpus = cpus[:half], cpus[half:]
            self.pinned = True
        else:
            self.load_cpus, self.server_cpus = cpus, cpus
            self.pinned = False
        self.server_threads = env_int("BENCH_SERVER_THREADS", len(self.server_cpus))
        self.wrk_threads = max(1, len(self.load_cpus))
        self.berth_workers = env_int("BENCH_BERTH_WORKERS", 0)
        self.berth_serve_options, self.berth_mode = [], "one process"

    def cpu_list(self, cpus):
        return ",".join(str(cpu) for cpu in cpus)


def log(message):
    stamp = time.strftime("%H:%M:%S")
    print(f"[bench {stamp}] {message}", flush=True)


# ---------------------------------------------------------------------------------------------
# Statistics


def summarize(values):
    values = [value for value in values if value is not None]
    if not values:
        return None
    median = statistics.median(values)
    return {
        "median": median,
        "min": min(values),
        "max": max(values),
        "spread_percent": (max(values) - min(values)) / median * 100 if median else 0.0,
        "runs": values,
    }


def percentile(values, fraction):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def latency_summary(values):
    if not values:
        return None
    return {
        "median": statistics.median(values),
        "p95": percentile(values, 0.95),
        "min": min(values),
        "max": max(values),
        "count": len(values),
        "samples": values,
    }


# ---------------------------------------------------------------------------------------------
# Process trees (a Berth supervisor has worker children; a host has short-lived probe children)


def process_tree(pid):
    """pid and its live descendants, from the parent pids in /proc/*/stat."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    tree, pending = [], [pid]
    while pending:
        current = pending.pop()
        tree.append(current)
        pending += children.get(current, [])
    return tree


def rss_kib_of_tree(pid):
    """Sum of VmRSS over pid and its live descendants (KiB)."""
    total = 0
    for member in process_tree(pid):
        try:
            with open(f"/proc/{member}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


# ---------------------------------------------------------------------------------------------
# CPU used by other processes (the machine is shared: the report says how much it was)


LIVE_SERVERS = []
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
REAPED_SERVER_TICKS = [0.0]  # CPU time of the servers already stopped (their children included), from wait4
CPU_SETS = {"server": None, "load": None}  # set by main(): the CPUs of each side


def cpu_times(cpus):
    """(busy, total, steal) jiffies summed over the given CPUs (all CPUs when None)."""
    busy = total = steal = 0
    with open("/proc/stat") as stat:
        for line in stat:
            if not line.startswith("cpu") or line.startswith("cpu "):
                continue
            name, *values = line.split()
            if cpus is not None and int(name[3:]) not in cpus:
                continue
            user, nice, system, idle, iowait, irq, softirq, stolen = (int(value) for value in values[:8])
            used = user + nice + system + irq + softirq
            busy += used
            total += used + idle + iowait + stolen
            steal += stolen
    return busy, total, steal


def own_ticks():
    """CPU jiffies of the bench's server processes and of its load side (driver, wrk, tools)."""
    server = REAPED_SERVER_TICKS[0]
    for each in LIVE_SERVERS:
        if each.process is not None and each.process.returncode is None:
            for member in process_tree(each.process.pid):
                try:
                    with open(f"/proc/{member}/stat") as stat:
                        parts = stat.read().rsplit(")", 1)[1].split()
                    server += sum(int(value) for value in parts[11:15])  # utime stime cutime cstime
                except (OSError, IndexError, ValueError):
                    pass
    load = -REAPED_SERVER_TICKS[0]
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        load += (usage.ru_utime + usage.ru_stime) * CLOCK_TICKS
    return server, load


class CpuMeter:
    """How much of the CPUs processes other than the bench's used, on the server side and on the load
    side, and how much the hypervisor stole. The servers are pinned to the server CPUs and everything
    else of the bench to the load CPUs, so each side's own time is known."""

    def __init__(self):
        self.start = self.sample()

    @staticmethod
    def sample():
        server_cpus, load_cpus = CPU_SETS["server"], CPU_SETS["load"]
        return {"server": cpu_times(server_cpus), "load": cpu_times(load_cpus), "all": cpu_times(None), "own": own_ticks()}

    def read(self):
        now = self.sample()

        def delta(key, index):
            return now[key][index] - self.start[key][index]

        server_own = now["own"][0] - self.start["own"][0]
        load_own = now["own"][1] - self.start["own"][1]
        all_total = max(1, delta("all", 1))
        result = {
            "foreign_cpu_percent": round(max(0.0, delta("all", 0) - server_own - load_own) / all_total * 100, 1),
            "steal_percent": round(delta("all", 2) / all_total * 100, 1),
        }
        if CPU_SETS["server"] is not None and CPU_SETS["server"] != CPU_SETS["load"]:
            result["foreign_server_cpu_percent"] = round(max(0.0, delta("server", 0) - server_own) / max(1, delta("server", 1)) * 100, 1)
            result["foreign_load_cpu_percent"] = round(max(0.0, delta("load", 0) - load_own) / max(1, delta("load", 1)) * 100, 1)
        return result


def noise(result):
    """The interference that decides whether a run is repeated: the busier side."""
    return max(result.get("foreign_server_cpu_percent", result["foreign_cpu_percent"]),
               result.get("foreign_load_cpu_percent", result["foreign_cpu_percent"]))


def pause_for_quiet(settings):
    """Before repeating a noisy run: waits (idle) for a quiet moment, within the bench's waiting budget,
    since repeating at once while a neighbour's build runs is noisy again."""
    if settings.wait_seconds_left <= 0:
        return
    quiet = wait_for_quiet(min(60, settings.wait_seconds_left), settings.noise_limit)
    settings.wait_seconds_left -= quiet["waited_seconds"]
    settings.waited_seconds += quiet["waited_seconds"]


def wait_for_quiet(limit_seconds, threshold_percent=15.0):
    """Waits up to limit_seconds for a 2-second window in which other processes use < threshold of the CPUs."""
    waited = 0.0
    last = None
    while True:
        meter = CpuMeter()
        time.sleep(2)
        waited += 2
        last = meter.read()
        if noise(last) < threshold_percent or waited >= limit_seconds:
            return {"waited_seconds": waited, "quiet": noise(last) < threshold_percent, **last}
        if waited % 20 == 0:
            log(f"other processes use {noise(last):.0f} % of a side's CPUs; waiting for a quieter moment "
                f"({waited:.0f} of at most {limit_seconds} s)")


# ---------------------------------------------------------------------------------------------
# wrk


UNIT_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def parse_time(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        return None
    return float(match.group(1)) * UNIT_SECONDS[match.group(2)] * 1000.0  # milliseconds


def parse_wrk(output):
    result = {"requests_per_second": None, "p50_ms": None, "p90_ms": None, "p99_ms": None, "requests": None,
              "non_2xx": 0, "socket_errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0}}
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if match:
        result["requests_per_second"] = float(match.group(1))
    for label, key in (("50%", "p50_ms"), ("90%", "p90_ms"), ("99%", "p99_ms")):
        match = re.search(r"^\s+" + re.escape(label) + r"\s+(\S+)", output, re.MULTILINE)
        if match:
            result[key] = parse_time(match.group(1))
    match = re.search(r"(\d+) requests in", output)
    if match:
        result["requests"] = int(match.group(1))
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if match:
        result["socket_errors"] = dict(zip(("connect", "read", "write", "timeout"), map(int, match.groups())))
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if match:
        result["non_2xx"] = int(match.group(1))
    result["failed"] = result["non_2xx"] + sum(result["socket_errors"].values())
    return result


def run_queue_wait_ns(pid, tree=False):
    """Nanoseconds the threads of pid (and of its descendants with tree) spent runnable but waiting
    for a CPU (/proc/<pid>/task/*/schedstat)."""
    total = 0
    if not os.path.isdir(f"/proc/{pid}/task"):
        return None
    for member in (process_tree(pid) if tree else [pid]):
        try:
            tasks = os.listdir(f"/proc/{member}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{member}/task/{task}/schedstat") as stat:
                    total += int(stat.read().split()[1])
            except (OSError, IndexError, ValueError):
                pass
    return total


def wrk(settings, url, server, duration=None):
    """One wrk run against server. Besides wrk's figures, records the interference: how long the
    server's and wrk's threads waited for a CPU (run-queue delay, as a share of the run), and the
    CPU others used on each side."""
    duration = duration or settings.duration
    command = ["wrk", f"-t{settings.wrk_threads}", f"-c{settings.connections}", f"-d{duration}s", "--latency", url]
    meter = CpuMeter()
    server_wait = run_queue_wait_ns(server.process.pid, tree=True)
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wrk_wait = 0
    while True:
        try:
            stdout, stderr = process.communicate(timeout=0.1)
            break
        except subprocess.TimeoutExpired:
            wrk_wait = run_queue_wait_ns(process.pid) or wrk_wait
            if time.monotonic() - started > duration + 60:
                process.kill()
    elapsed_ns = (time.monotonic() - started) * 1e9
    server_wait_after = run_queue_wait_ns(server.process.pid, tree=True)
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed on {url}: {stderr.strip()}")
    result = parse_wrk(stdout)
    if result["requests_per_second"] is None:
        raise RuntimeError(f"cannot parse wrk output for {url}:\n{stdout}")
    result.update(meter.read())
    result["server_run_queue_delay_percent"] = (
        round((server_wait_after - server_wait) / elapsed_ns * 100, 1) if server_wait is not None and server_wait_after is not None else None)
    result["wrk_run_queue_delay_percent"] = round(wrk_wait / elapsed_ns * 100, 1)
    return result


def run_delay(result):
    """The interference that decides whether a wrk run is repeated: the longer run-queue delay of
    the server's or wrk's threads, in % of the run."""
    return max(result.get("server_run_queue_delay_percent") or 0.0, result.get("wrk_run_queue_delay_percent") or 0.0)


# ---------------------------------------------------------------------------------------------
# HTTP helpers


def request(port, method, path, body=None, token=None, timeout=30.0):
    """One request on a fresh connection: (status, parsed JSON or text, client milliseconds)."""
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None and not isinstance(body, (bytes, bytearray)):
        body = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - started) * 1000.0
    finally:
        connection.close()
    try:
        parsed = json.loads(data) if data else None
    except ValueError:
        parsed = data.decode(errors="replace")
    return response.status, parsed, elapsed


def health_ok(port, path=HEALTH_ROUTE):
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2.0)
        connection.request("GET", path)
        status = connection.getresponse().status
        connection.close()
        return status == 200
    except OSError:
        return False
    except http.client.HTTPException:
        return False


def port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def pick_port(settings, offset):
    for port in range(settings.base_port + offset, settings.base_port + offset + 200, 7):
        if port_free(port):
            return port
    raise RuntimeError("no free port near %d" % (settings.base_port + offset))


# ---------------------------------------------------------------------------------------------
# Processes


class Server:
    """A server process pinned to the server CPUs; stopped with SIGTERM."""

    def __init__(self, settings, name, argv, port, ready_path, env=None, cwd=None):
        self.settings = settings
        self.name = name
        self.argv = argv
        self.port = port
        self.ready_path = ready_path
        self.env = env
        self.cwd = cwd
        self.process = None
        self.log_path = os.path.join(settings.work, "logs", f"{name}.log")

    def start(self, timeout=60.0):
        """Starts the process and returns milliseconds from spawn to the first 200 on ready_path."""
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        log_file = open(self.log_path, "a")
        log_file.write(f"\n--- start {time.strftime('%H:%M:%S')} ---\n")
        log_file.flush()
        argv = self.argv
        if self.settings.pinned:
            argv = ["taskset", "-c", self.settings.cpu_list(self.settings.server_cpus)] + argv
        environment = dict(os.environ)
        environment.update(self.env or {})
        started = time.perf_counter()
        self.process = subprocess.Popen(argv, stdout=log_file, stderr=subprocess.STDOUT, env=environment, cwd=self.cwd,
                                        start_new_session=True)
        if self not in LIVE_SERVERS:
            LIVE_SERVERS.append(self)
        log_file.close()
        deadline = started + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            if health_ok(self.port, self.ready_path):
                return (time.perf_counter() - started) * 1000.0
            time.sleep(0.002)
        raise RuntimeError(f"{self.name} did not answer {self.ready_path} within {timeout} s; see {self.log_path}")

    def stop(self):
        """SIGTERM, then SIGKILL after 20 s; reaped with wait4 to account for its CPU time."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        while True:
            pid, status, usage = os.wait4(self.process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                self.process.kill()
                pid, status, usage = os.wait4(self.process.pid, 0)
                break
            time.sleep(0.005)
        self.process.returncode = os.waitstatus_to_exitcode(status)
        REAPED_SERVER_TICKS[0] += (usage.ru_utime + usage.ru_stime) * CLOCK_TICKS

    def rss_kib(self):
        """VmRSS of the server, summed over its processes (a supervisor and its workers)."""
        return rss_kib_of_tree(self.process.pid)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


def berth_server(settings, name, home, port):
    env = {
        "BERTH_HOME": home,
        "BERTH_HOST": "127.0.0.1",
        "BERTH_PORT": str(port),
        "BERTH_ADMIN_TOKEN": ADMIN_TOKEN,
        "BERTH_TRUSTED_KEYS": os.path.join(settings.work, "keys", "bench.pub"),
        "BERTH_THREADS": str(settings.server_threads),
        # Figure 4 uploads 100 packages in a few seconds: past the admin API's per-address limit.
        "BERTH_ADMIN_UPLOADS_PER_MINUTE": "0",
    }
    os.makedirs(home, exist_ok=True)
    return Server(settings, name, [os.path.join(settings.bin, "berth"), "serve"] + settings.berth_serve_options, port,
                  HEALTH_ROUTE, env=env)


def berth_serve_options(settings):
    """`--workers N` when this berth has a supervisor mode (its usage mentions --workers), else nothing."""
    usage = subprocess.run([os.path.join(settings.bin, "berth")], capture_output=True, text=True)
    if "--workers" not in usage.stdout + usage.stderr:
        return [], "one process (this berth has no supervisor mode)"
    workers = settings.berth_workers
    if workers == 0:
        return ["--workers", "0"], "one process (`berth serve --workers 0`)"
    return ["--workers", str(workers)], f"supervisor + {workers} worker process(es) (`berth serve --workers {workers}`)"


# ---------------------------------------------------------------------------------------------
# Packages


def run(command, **kwargs):
    completed = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if completed.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({completed.returncode}):\n{completed.stdout}{completed.stderr}")
    return completed.stdout


def prepare_packages(settings, bench_count):
    """Signs the bench's packages with a key of its own: greeter, ai_chatbot and bench_0001…"""
    keys = os.path.join(settings.work, "keys")
    packages = os.path.join(settings.work, "packages")
    sources = os.path.join(settings.work, "addons")
    for folder in (keys, packages, sources):
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
    addonctl = os.path.join(settings.bin, "addonctl")
    run([addonctl, "keygen", "bench", "--out-dir", keys])
    key = os.path.join(keys, "bench.key")
    for folder, product in (("greeter", "Greeter"), ("ai_chatbot", "AIChatbot")):
        run([addonctl, "pack", os.path.join(settings.repo, "Addons", folder), "--key", key,
             "--library", os.path.join(settings.bin, f"lib{product}.so"), "--out", packages + "/"])
    upgrade_migrations = [
        ("0001_create_items", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n", "DROP TABLE items;\n"),
        ("0002_create_tags", "CREATE TABLE tags (item_id INTEGER NOT NULL, tag TEXT NOT NULL);\n", "DROP TABLE tags;\n"),
        ("0003_index_tags", "CREATE INDEX tags_by_tag ON tags (tag);\n", "DROP INDEX tags_by_tag;\n"),
    ]
    for version, migrations in (("1.0.0", upgrade_migrations[:2]), ("1.1.0", upgrade_migrations)):
        folder = os.path.join(sources, f"{UPGRADE_ADDON}-{version}")
        os.makedirs(os.path.join(folder, "migrations", "sqlite"))
        with open(os.path.join(folder, "addon.json"), "w") as manifest:
            json.dump({
                "id": UPGRADE_ADDON, "version": version, "name": "Bench upgrade addon",
                "description": "Generated by the bench: one GET /hello route and a few tables.",
                "product": "BenchAddon", "mountPrefix": "/api/v1/bench/upgrade", "permissions": ["database"],
                "configSchema": {"type": "object", "properties": {}},
            }, manifest)
        for name, up, down in migrations:
            for suffix, sql in ((".up.sql", up), (".down.sql", down)):
                with open(os.path.join(folder, "migrations", "sqlite", name + suffix), "w") as handle:
                    handle.write(sql)
        run([addonctl, "pack", folder, "--key", key, "--library", settings.bench_addon, "--out", packages + "/", "--identity-from-manifest"])
    for number in range(1, bench_count + 1):
        addon_id = bench_id(number)
        folder = os.path.join(sources, addon_id)
        os.makedirs(folder)
        with open(os.path.join(folder, "addon.json"), "w") as manifest:
            json.dump({
                "id": addon_id, "version": "1.0.0", "name": f"Bench addon {number}",
                "description": "Generated by the bench: one GET /hello route, no migrations.",
                "product": "BenchAddon", "mountPrefix": bench_prefix(number), "permissions": [],
                "configSchema": {"type": "object", "properties": {}},
            }, manifest)
        run([addonctl, "pack", folder, "--key", key, "--library", settings.bench_addon, "--out", packages + "/", "--identity-from-manifest"])
    return packages


def bench_id(number):
    return f"bench_{number:04d}"


def bench_prefix(number):
    return f"/api/v1/bench/a{number:04d}"


def chatbot_version(settings):
    """The version of Addons/ai_chatbot, which figures 3 and 5 install and uninstall."""
    with open(os.path.join(settings.repo, "Addons", "ai_chatbot", "addon.json")) as manifest:
        return json.load(manifest)["version"]


def chatbot_migrations(settings):
    """How many up-migrations ai_chatbot has on SQLite."""
    folder = os.path.join(settings.repo, "Addons", "ai_chatbot", "migrations", "sqlite")
    return sum(1 for name in os.listdir(folder) if name.endswith(".up.sql"))


def package_path(settings, addon_id, version="1.0.0"):
    return os.path.join(settings.work, "packages", f"{addon_id}-{version}.berth")


def upload(server, settings, addon_id, version="1.0.0"):
    with open(package_path(settings, addon_id, version), "rb") as archive:
        status, body, _ = request(server.port, "POST", "/api/v1/marketplace/packages", archive.read(), token=ADMIN_TOKEN)
    if status not in (200, 201):
        raise RuntimeError(f"upload of {addon_id} answered {status}: {body}")


def install(server, addon_id, version="1.0.0"):
    status, body, elapsed = request(server.port, "POST", "/api/v1/marketplace/install",
                                    {"id": addon_id, "version": version}, token=ADMIN_TOKEN)
    if status != 201:
        raise RuntimeError(f"install of {addon_id} answered {status}: {body}")
    return body, elapsed


def uninstall(server, addon_id):
    status, body, elapsed = request(server.port, "DELETE", f"/api/v1/marketplace/uninstall/{addon_id}", token=ADMIN_TOKEN)
    if status != 200:
        raise RuntimeError(f"uninstall of {addon_id} answered {status}: {body}")
    if body.get("residue"):
        raise RuntimeError(f"uninstall of {addon_id} left residue: {body['residue']}")
    return body, elapsed


def upgrade(server, addon_id, body):
    status, answer, elapsed = request(server.port, "POST", f"/api/v1/addons/{addon_id}/upgrade", body, token=ADMIN_TOKEN)
    if status != 200:
        raise RuntimeError(f"upgrade of {addon_id} to {body.get('version')} answered {status}: {answer}")
    return answer, elapsed


def expect_hello(server, path):
    status, body, _ = request(server.port, "GET", path)
    if status != 200 or body != "Hello!":
        raise RuntimeError(f"{server.name} {path} answered {status} {body!r}, expected 200 'Hello!'")


# ---------------------------------------------------------------------------------------------
# Figures


def figure_request_path(settings, targets):
    """Figures 1 and 2: the targets are loaded in interleaved rounds so drift hits all alike."""
    for name, url, server in targets:
        log(f"warm-up {name}")
        wrk(settings, url, server, duration=1)
    runs = {name: [] for name, _, _ in targets}
    discarded = []
    round_number = 0
    while round_number < settings.runs:
        results = {}
        for name, url, server in targets:
            result = wrk(settings, url, server)
            results[name] = result
            log(f"round {round_number + 1}/{settings.runs} {name}: {result['requests_per_second']:.0f} req/s, "
                f"p50 {result['p50_ms']:.3f} ms, p99 {result['p99_ms']:.3f} ms, failed {result['failed']}, "
                f"run-queue delay {run_delay(result):.1f} %")
        noisiest = max(run_delay(result) for result in results.values())
        if noisiest > settings.noise_limit and settings.retry_seconds_left >= settings.duration * len(targets):
            settings.retry_seconds_left -= settings.duration * len(targets)
            settings.repeated_runs += len(targets)
            discarded.append(results)
            log(f"round {round_number + 1} repeated: a run-queue delay reached {noisiest:.1f} % of a run")
            pause_for_quiet(settings)
            continue
        for name, result in results.items():
            runs[name].append(result)
        round_number += 1
    figures = {}
    for name, url, _ in targets:
        figures[name] = {
            "url": url,
            "requests_per_second": summarize([run["requests_per_second"] for run in runs[name]]),
            "p50_ms": summarize([run["p50_ms"] for run in runs[name]]),
            "p99_ms": summarize([run["p99_ms"] for run in runs[name]]),
            "failed": sum(run["failed"] for run in runs[name]) + sum(round_[name]["failed"] for round_ in discarded),
            "runs": runs[name],
        }
    return figures, runs, discarded


def retry_noisy(settings, measure, label):
    """Runs measure(); repeats it while other processes used more than the noise limit, within the budget."""
    discarded = []
    while True:
        result = measure()
        if run_delay(result) <= settings.delay_limit or settings.retry_seconds_left < settings.duration:
            if discarded:
                result["discarded_noisy_runs"] = discarded
            return result
        settings.retry_seconds_left -= settings.duration
        settings.repeated_runs += 1
        discarded.append(result)
        log(f"{label}: run repeated, run-queue delay {run_delay(result):.1f} % of the run")
        pause_for_quiet(settings)


def paired_ratio(runs, numerator, denominator):
    """Median and range of the per-round ratios numerator/denominator (the same round's runs)."""
    if numerator not in runs or denominator not in runs:
        return None
    ratios = [top["requests_per_second"] / bottom["requests_per_second"]
              for top, bottom in zip(runs[numerator], runs[denominator]) if bottom["requests_per_second"]]
    return summarize(ratios)


def measure_cycles(settings, cycle, count, label):
    """Runs cycle() count times, in batches of 10; a batch during which others used the server CPU or
    delayed the driver is repeated (within the budget). cycle() returns {operation: (report, client ms)}.
    Returns ({operation: [samples]}, discarded batches)."""
    kept, discarded = {}, []
    done = 0
    while done < count:
        meter = CpuMeter()
        driver_wait = run_queue_wait_ns(os.getpid())
        batch_started = time.monotonic()
        batch = {}
        size = min(10, count - done)
        for _ in range(size):
            for operation, (report, client_ms) in cycle().items():
                batch.setdefault(operation, []).append({"client_ms": client_ms, "server": report.get("timingsMilliseconds", {})})
        interference = meter.read()
        spent = time.monotonic() - batch_started
        interference["driver_run_queue_delay_percent"] = round((run_queue_wait_ns(os.getpid()) - driver_wait) / (spent * 1e9) * 100, 1)
        # Others on the server CPU slow the host's steps; a starved driver inflates the client-side times.
        batch_noise = max(interference.get("foreign_server_cpu_percent", interference["foreign_cpu_percent"]),
                          interference["driver_run_queue_delay_percent"])
        if batch_noise > settings.noise_limit and settings.retry_seconds_left >= spent:
            settings.retry_seconds_left -= spent
            settings.repeated_runs += 1
            discarded.append({"interference": interference, **batch})
            log(f"{label} batch repeated: other processes used {batch_noise:.0f} % of the server CPU or delayed the driver")
            pause_for_quiet(settings)
            continue
        for operation, samples in batch.items():
            kept.setdefault(operation, []).extend(samples)
        done += size
    return kept, discarded


def describe_operation(samples):
    """Client and server latency of one operation's samples, its server-side step medians and the probe's share."""
    steps = {}
    for sample in samples:
        for step, value in sample["server"].items():
            steps.setdefault(step, []).append(value)
    with_probe = [sample["server"] for sample in samples if sample["server"].get("total") and "probe" in sample["server"]]
    return {
        "client_ms": latency_summary([sample["client_ms"] for sample in samples]),
        "server_ms": latency_summary([sample["server"]["total"] for sample in samples if "total" in sample["server"]]),
        "steps_median_ms": {step: statistics.median(values) for step, values in steps.items()},
        "probe_share": summarize([timings["probe"] / timings["total"] for timings in with_probe]),
        "probe_and_load_share": summarize([(timings["probe"] + timings.get("load", 0.0)) / timings["total"] for timings in with_probe]),
        "samples": samples,
    }


UPGRADE_ADDON = "bench_upgrade"


def figure_lifecycle(settings, server):
    """Figure 3: install and uninstall of ai_chatbot (its version and migrations from Addons/); upgrade of bench_upgrade from
    1.0.0 (2 migrations) to 1.1.0 (a third), and the forced downgrade back, where the host has upgrades."""
    upload(server, settings, "ai_chatbot", chatbot_version(settings))
    for _ in range(settings.warmup_cycles):
        install(server, "ai_chatbot", chatbot_version(settings))
        uninstall(server, "ai_chatbot")

    def install_cycle():
        installed = install(server, "ai_chatbot", chatbot_version(settings))
        removed = uninstall(server, "ai_chatbot")
        return {"install": installed, "uninstall": removed}

    kept, discarded = measure_cycles(settings, install_cycle, settings.cycles, "lifecycle")
    figure = {
        "addon": f"ai_chatbot {chatbot_version(settings)} ({chatbot_migrations(settings)} migrations, signed)",
        "cycles": settings.cycles,
        "warmup_cycles": settings.warmup_cycles,
        "install": describe_operation(kept["install"]),
        "uninstall": describe_operation(kept["uninstall"]),
        "discarded_noisy_batches": discarded,
    }

    # Upgrade: only if the host has the endpoint (a missing route answers 404 not_found).
    status, body, _ = request(server.port, "POST", f"/api/v1/addons/{UPGRADE_ADDON}/upgrade", {"version": "1.1.0"}, token=ADMIN_TOKEN)
    no_route = status == 404 and isinstance(body, dict) and body.get("error", {}).get("code") == "not_found"
    if no_route:
        figure["upgrade"] = {"measured": False, "note": "not implemented yet", "probe_answer": {"status": status, "body": body}}
        return figure
    upload(server, settings, UPGRADE_ADDON, "1.0.0")
    upload(server, settings, UPGRADE_ADDON, "1.1.0")
    install(server, UPGRADE_ADDON, "1.0.0")

    def upgrade_cycle():
        upgraded = upgrade(server, UPGRADE_ADDON, {"version": "1.1.0"})
        downgraded = upgrade(server, UPGRADE_ADDON, {"version": "1.0.0", "force": True})
        return {"upgrade": upgraded, "downgrade": downgraded}

    for _ in range(settings.warmup_cycles):
        upgrade_cycle()
    kept, discarded = measure_cycles(settings, upgrade_cycle, settings.cycles, "upgrade")
    uninstall(server, UPGRADE_ADDON)
    figure["upgrade"] = {
        "measured": True,
        "addon": f"{UPGRADE_ADDON} 1.0.0 (2 migrations) → 1.1.0 (3 migrations), signed",
        "upgrade": describe_operation(kept["upgrade"]),
        "downgrade": describe_operation(kept["downgrade"]),
        "discarded_noisy_batches": discarded,
    }
    return figure


def figure_hot_swap(settings, server):
    """Figure 5: /health under load, alternating quiet runs and runs with an install/uninstall loop."""
    quiet, swapping = [], []

    def swapping_run():
        stop = threading.Event()
        counts = {"installs": 0, "uninstalls": 0, "errors": []}

        def swap_loop():
            while not stop.is_set():
                try:
                    install(server, "ai_chatbot", chatbot_version(settings))
                    counts["installs"] += 1
                    uninstall(server, "ai_chatbot")
                    counts["uninstalls"] += 1
                except Exception as error:  # recorded, the loop goes on
                    counts["errors"].append(str(error))
                    time.sleep(0.05)

        worker = threading.Thread(target=swap_loop, daemon=True)
        worker.start()
        result = wrk(settings, server.url(HEALTH_ROUTE), server)
        stop.set()
        worker.join(timeout=60)
        result["swap"] = {"installs": counts["installs"], "uninstalls": counts["uninstalls"], "admin_errors": counts["errors"]}
        return result

    for round_number in range(settings.swap_runs):
        quiet.append(retry_noisy(settings, lambda: wrk(settings, server.url(HEALTH_ROUTE), server), "hot swap anchor"))
        # Not repeated for noise: the install loop itself competes with the server for its CPU.
        result = swapping_run()
        swapping.append(result)
        counts = {"installs": result["swap"]["installs"], "uninstalls": result["swap"]["uninstalls"],
                  "errors": result["swap"]["admin_errors"]}
        log(f"hot swap round {round_number + 1}/{settings.swap_runs}: quiet {quiet[-1]['requests_per_second']:.0f} req/s, "
            f"swapping {result['requests_per_second']:.0f} req/s, failed {result['failed']}, "
            f"{counts['installs']} installs / {counts['uninstalls']} uninstalls, {len(counts['errors'])} admin errors")
    status, body, _ = request(server.port, "GET", "/api/v1/addons/ai_chatbot", token=ADMIN_TOKEN)
    if status == 200:
        uninstall(server, "ai_chatbot")

    def describe(runs):
        # Rates come from the kept runs; counts of requests, failures and swaps from every run,
        # the ones repeated for noise included, so that no failure is hidden.
        every = runs + [discarded for run in runs for discarded in run.get("discarded_noisy_runs", [])]
        return {
            "requests_per_second": summarize([run["requests_per_second"] for run in runs]),
            "p99_ms": summarize([run["p99_ms"] for run in runs]),
            "failed": sum(run["failed"] for run in every),
            "non_2xx": sum(run["non_2xx"] for run in every),
            "socket_errors": sum(sum(run["socket_errors"].values()) for run in every),
            "requests": sum(run["requests"] or 0 for run in every),
            "installs": sum(run.get("swap", {}).get("installs", 0) for run in every),
            "uninstalls": sum(run.get("swap", {}).get("uninstalls", 0) for run in every),
            "admin_errors": sum(len(run.get("swap", {}).get("admin_errors", [])) for run in every),
            "runs": runs,
        }

    figure = {"route": HEALTH_ROUTE, "swapped_addon": "ai_chatbot", "quiet": describe(quiet), "swapping": describe(swapping)}
    figure["ratio"] = summarize([s["requests_per_second"] / q["requests_per_second"] for q, s in zip(quiet, swapping)])
    return figure


def figure_scale(settings):
    """Figures 4 and 6: one host per level (0, then `levels` installed addons), all pinned to the
    server CPUs and idle but the one under load. Start-up and RSS per host; then the route of
    bench_0001 and /health are loaded in interleaved rounds across the hosts, so each level's
    requests/s sits beside the 1-addon (and 0-addon) anchor of the same round."""
    counts = [0] + [level for level in settings.levels if level > 0]
    hosts = {}
    route = bench_prefix(1) + "/hello"
    entries = {}
    try:
        for count in counts:
            home = os.path.join(settings.work, "homes", f"scale-{count}")
            shutil.rmtree(home, ignore_errors=True)
            server = berth_server(settings, f"berth-scale-{count}", home, pick_port(settings, 3 + 20 * len(hosts)))
            hosts[count] = server
            server.start()
            install_ms = []
            for number in range(1, count + 1):
                upload(server, settings, bench_id(number))
                _, elapsed = install(server, bench_id(number))
                install_ms.append(elapsed)
            startups = []
            for _ in range(settings.startups):
                server.stop()
                startups.append(server.start())
            time.sleep(0.5)
            entries[count] = {"addons": count, "startup_ms": summarize(startups), "rss_after_startup_kib": server.rss_kib(),
                              "install_client_ms": latency_summary(install_ms) if install_ms else None,
                              "health_runs": [], "route_runs": [] if count else None}
            if count:
                expect_hello(server, route)
            log(f"{count} addons: start-up {entries[count]['startup_ms']['median']:.1f} ms, "
                f"RSS {entries[count]['rss_after_startup_kib'] / 1024:.1f} MiB")

        # The measured set of one round: /health on every host, the route on every host with addons.
        plan = [(count, "health", HEALTH_ROUTE) for count in counts] + [(count, "route", route) for count in counts if count]
        for count, _, path in plan:
            wrk(settings, hosts[count].url(path), hosts[count], duration=1)
        discarded = []
        round_number = 0
        while round_number < settings.scale_runs:
            results = []
            # Every other round runs the plan backwards, so a drift of the machine's speed during a
            # round (it reaches ±15 % here) favours the late hosts in one round and the early ones in
            # the next instead of always the same ones.
            order = plan if round_number % 2 == 0 else list(reversed(plan))
            for count, kind, path in order:
                results.append((count, kind, wrk(settings, hosts[count].url(path), hosts[count])))
            noisiest = max(run_delay(result) for _, _, result in results)
            summary = ", ".join(f"{count}:{kind} {result['requests_per_second']:.0f}" for count, kind, result in results)
            log(f"scale round {round_number + 1}/{settings.scale_runs}: {summary} req/s, run-queue delay ≤ {noisiest:.1f} %")
            cost = settings.duration * len(plan)
            if noisiest > settings.delay_limit and settings.retry_seconds_left >= cost:
                settings.retry_seconds_left -= cost
                settings.repeated_runs += len(plan)
                discarded.append([{"addons": count, "kind": kind, **result} for count, kind, result in results])
                log(f"scale round {round_number + 1} repeated: a run-queue delay reached {noisiest:.1f} % of a run")
                pause_for_quiet(settings)
                continue
            for count, kind, result in results:
                entries[count][f"{kind}_runs"].append(result)
            round_number += 1
        for count in counts:
            entries[count]["rss_after_load_kib"] = hosts[count].rss_kib()
    finally:
        for server in hosts.values():
            server.stop()

    fewest = min(count for count in counts if count) if any(counts) else None
    for count in counts:
        entry = entries[count]
        entry["health_requests_per_second"] = summarize([run["requests_per_second"] for run in entry["health_runs"]])
        entry["health_vs_none"] = summarize([run["requests_per_second"] / anchor["requests_per_second"]
                                             for run, anchor in zip(entry["health_runs"], entries[0]["health_runs"])])
        if count:
            entry["route"] = route
            entry["route_requests_per_second"] = summarize([run["requests_per_second"] for run in entry["route_runs"]])
            entry["route_p99_ms"] = summarize([run["p99_ms"] for run in entry["route_runs"]])
            entry["route_failed"] = sum(run["failed"] for run in entry["route_runs"])
            entry["route_vs_fewest_rounds"] = summarize([run["requests_per_second"] / anchor["requests_per_second"]
                                                        for run, anchor in zip(entry["route_runs"], entries[fewest]["route_runs"])])
            entry["route_vs_fewest"] = entry["route_vs_fewest_rounds"]["median"]
    return {"levels": [entries[count] for count in counts], "route_addon": bench_id(1), "fewest": fewest,
            "discarded_noisy_rounds": discarded}


# ---------------------------------------------------------------------------------------------
# Machine


def read_first(path, pattern):
    try:
        with open(path) as handle:
            for line in handle:
                match = re.match(pattern, line)
                if match:
                    return match.group(1).strip()
    except OSError:
        pass
    return None


def clock_source():
    """The kernel's clock source (reading the time costs much more with some than with others)."""
    return read_first("/sys/devices/system/clocksource/clocksource0/current_clocksource", r"(\S+)") or "unknown"


def write_figure(settings, figure, report, text):
    """Writes one figure's results: <date>-<host>-<figure>.json and .md, and <figure>-latest.md, in
    the results folder; prints the Markdown."""
    os.makedirs(settings.results, exist_ok=True)
    stem = f"{datetime.datetime.now(datetime.timezone.utc).date().isoformat()}-{socket.gethostname().split('.')[0]}-{figure}"
    with open(os.path.join(settings.results, stem + ".json"), "w") as handle:
        json.dump(report, handle, indent=2)
        handle.write("\n")
    for name in (stem + ".md", f"{figure}-latest.md"):
        with open(os.path.join(settings.results, name), "w") as handle:
            handle.write(text)
    print(text)


def command_line(command):
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=30)
        return (completed.stdout + completed.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return None


def machine(settings):
    commit = command_line(["git", "-C", settings.repo, "rev-parse", "HEAD"]) or "unknown"
    dirty = bool(subprocess.run(["git", "-C", settings.repo, "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True).stdout.strip())
    memory = read_first("/proc/meminfo", r"MemTotal:\s+(\d+)")
    return {
        "host": socket.gethostname(),
        "cpu_model": read_first("/proc/cpuinfo", r"model name\s*:\s*(.*)") or platform.processor(),
        "cores": os.cpu_count(),
        "hypervisor": "yes" if "hypervisor" in (read_first("/proc/cpuinfo", r"flags\s*:\s*(.*)") or "") else "no",
        "memory_gib": round(int(memory) / 1024 / 1024, 1) if memory else None,
        "kernel": platform.release(),
        "commit": commit,
        "commit_short": commit[:10],
        "worktree_dirty": dirty,
        "swift": command_line(["swift", "--version"]),
        "wrk": (command_line(["wrk", "--version"]) or "").split(" Copyright")[0],
        "libmicrohttpd": command_line(["pkg-config", "--modversion", "libmicrohttpd"]),
        "python": platform.python_version(),
    }


def load_average():
    with open("/proc/loadavg") as handle:
        return [float(value) for value in handle.read().split()[:3]]


# ---------------------------------------------------------------------------------------------
# Report


def fmt_rps(value):
    return f"{value:,.0f}" if value is not None else "–"


def fmt_ms(value, digits=2):
    if value is None:
        return "–"
    if value < 1:
        return f"{value * 1000:.0f} µs"
    return f"{value:.{digits}f} ms"


def fmt_range(summary, formatter):
    if not summary:
        return "–"
    return f"{formatter(summary['median'])} ({formatter(summary['min'])}–{formatter(summary['max'])})"


def verdict(met):
    return "yes" if met else "**no**"


def delays(runs):
    """Median run-queue delays of the server's and wrk's threads over runs, as text."""
    server = [run["server_run_queue_delay_percent"] for run in runs if run.get("server_run_queue_delay_percent") is not None]
    load = [run["wrk_run_queue_delay_percent"] for run in runs if run.get("wrk_run_queue_delay_percent") is not None]
    if not server or not load:
        return "–"
    return f"{statistics.median(server):.1f} % / {statistics.median(load):.1f} %"


def render_markdown(report):
    m = report["machine"]
    s = report["settings"]
    lines = []
    add = lines.append
    add(f"# Berth benchmark — {report['date']} on {m['host']}")
    add("")
    add(f"- Machine: {m['cpu_model']}, {m['cores']} cores{' (virtual machine)' if m['hypervisor'] == 'yes' else ''}, "
        f"{m['memory_gib']} GiB, Linux {m['kernel']}")
    add(f"- Commit: `{m['commit_short']}`{' + uncommitted changes' if m['worktree_dirty'] else ''}; {m['swift']}; "
        f"libmicrohttpd {m['libmicrohttpd']}; {m['wrk']}")
    if s["pinned"]:
        add(f"- Pinning (taskset): servers on CPU {s['server_cpus']}, wrk and the bench driver on CPU {s['load_cpus']}. "
            f"Server threads: {s['server_threads']} (Berth `BERTH_THREADS`, the C server's pool, uvicorn workers).")
    else:
        add("- Pinning: **not possible** (one CPU available): servers and wrk share it.")
    add(f"- Berth process model: {s.get('berth_mode', 'one process')}; RSS and run-queue delays are summed over its processes.")
    add(f"- Load: wrk, {s['wrk_threads']} thread, {s['connections']} keep-alive connections on loopback, "
        f"{s['duration']} s per run; request path {s['runs']} interleaved rounds; figures are median (min–max) over runs.")
    inter = report["interference"]
    def side(value):
        if "foreign_server_cpu_percent" in value:
            return f"{value['foreign_server_cpu_percent']:.0f} % / {value['foreign_load_cpu_percent']:.0f} %"
        return f"{value['foreign_cpu_percent']:.0f} %"

    parts = [f"{label} {side(inter[key])}" for key, label in
             (("before", "before the start"), ("request_path", "figures 1–2"), ("lifecycle", "figure 3"),
              ("hot_swap", "figure 5"), ("scale", "figures 4 and 6")) if key in inter]
    steal = max((value.get("steal_percent", 0.0) for value in inter.values()), default=0.0)
    which = "server CPUs / load CPUs" if s["pinned"] else "all CPUs"
    add(f"- CPU used by other processes (builds, tests: /proc/stat minus the bench's own processes), share of the "
        f"{which}: {', '.join(parts)}; hypervisor steal ≤ {steal:.0f} %. Load average before/after: "
        f"{report['load_average']['before'][0]:.2f} / {report['load_average']['after'][0]:.2f}. Absolute numbers drift "
        f"with this; ratios are taken between interleaved runs of one bench.")
    add(f"- Noisy runs are repeated, within a budget of {s['noise_retry_budget_seconds']} s of extra load: a wrk run whose server "
        f"or wrk threads waited for a CPU (run-queue delay, /proc/<pid>/task/*/schedstat) more than {s['delay_limit_percent']:g} % "
        f"of the run, a batch of 10 lifecycle cycles during which others used more than {s['noise_limit_percent']} % of the "
        f"server CPU; before a repeat the bench waits for a quiet moment (budget {s['noise_wait_budget_seconds']} s, "
        f"waited {s['waited_for_quiet_seconds']:.0f} s). Repeated: {s['repeated_runs']}; failures in repeated runs still count. "
        f"Bench wall time: {report['wall_seconds'] / 60:.1f} min (build excluded).")
    if report.get("noisy_kept_runs"):
        add("")
        add(f"**Warning:** {report['noisy_kept_runs']} of the kept wrk runs had a run-queue delay above "
            f"{s['delay_limit_percent']:g} % (the repeat budget ran out): other processes competed with the bench, "
            f"so these requests/s are low and their ratios unreliable. Rerun on a quiet machine.")
    add("")

    add("## Targets")
    add("")
    add("| Target | Goal | Measured | Met |")
    add("|---|---|---|---|")
    for target in report["targets"]:
        add(f"| {target['name']} | {target['goal']} | {target['measured']} | {target['met']} |")
    add("")

    rp = report["request_path"]
    add("## 1–2. Request path and peer")
    add("")
    add("| Server and route | Requests/s | p50 | p99 | Failed | Run-queue delay, server / wrk |")
    add("|---|---|---|---|---|---|")
    for key, label in (("ceiling", "C libmicrohttpd hello (the ceiling), `/`"),
                       ("builtin", "Berth built-in route, `GET /health`"),
                       ("addon", "Berth addon route, greeter `GET /api/v1/greet/hello` (synchronous handler)"),
                       ("addon_async", f"Berth addon route with an async handler that does not suspend, `GET {bench_prefix(1)}/hello-async`"),
                       ("fastapi", "FastAPI + uvicorn (uvloop, httptools), same route")):
        figure = rp["targets"].get(key)
        if not figure:
            if key == "fastapi":
                add(f"| {label} | unavailable: {rp.get('fastapi_unavailable', 'not run')} | | | | |")
            continue
        add(f"| {label} | {fmt_range(figure['requests_per_second'], fmt_rps)} | {fmt_ms(figure['p50_ms']['median'])} | "
            f"{fmt_ms(figure['p99_ms']['median'])} | {figure['failed']} | {delays(figure['runs'])} |")
    add("")
    add("| Ratio (per round, median (min–max)) | Value |")
    add("|---|---|")
    for key, label in (("addon_over_ceiling", "addon route / C ceiling"), ("builtin_over_ceiling", "built-in route / C ceiling"),
                       ("addon_over_builtin", "addon route / built-in route"), ("addon_over_fastapi", "addon route / FastAPI"),
                       ("addon_async_over_ceiling", "async-handler addon route / C ceiling"),
                       ("addon_async_over_addon", "async-handler addon route / synchronous-handler addon route")):
        ratio = rp["ratios"].get(key)
        if ratio:
            unit = "×" if key == "addon_over_fastapi" else ""
            add(f"| {label} | {fmt_range(ratio, lambda v: f'{v:.2f}{unit}')} |")
    add("")
    add("Each ratio is computed per round between the runs of that round, then the median over the rounds is taken.")
    if rp.get("fastapi_versions"):
        add("")
        add(f"Peer versions: {rp['fastapi_versions']}.")
    add("")

    lc = report["lifecycle"]
    up = lc["upgrade"]
    add(f"## 3. Lifecycle latency ({lc['cycles']} cycles of each after {lc['warmup_cycles']} warm-up)")
    add("")
    add("| Operation | Median | p95 | Min–max | Server-side median | Probe share (probe + `dlopen`) |")
    add("|---|---|---|---|---|---|")
    rows = [("install", f"install {lc['addon']}", lc["install"]),
            ("uninstall", "uninstall ai_chatbot (its down-migrations)", lc["uninstall"])]
    if up.get("measured"):
        rows += [("upgrade", f"upgrade {UPGRADE_ADDON} 1.0.0 → 1.1.0 (+1 migration)", up["upgrade"]),
                 ("downgrade", f"downgrade {UPGRADE_ADDON} 1.1.0 → 1.0.0 (`force`, 1 down-migration)", up["downgrade"])]
    for _, label, operation in rows:
        client, server = operation["client_ms"], operation["server_ms"]
        share = "–"
        if operation.get("probe_share"):
            share = f"{operation['probe_share']['median'] * 100:.0f} % ({operation['probe_and_load_share']['median'] * 100:.0f} %)"
        add(f"| {label} | {fmt_ms(client['median'], 1)} | {fmt_ms(client['p95'], 1)} | {fmt_ms(client['min'], 1)}–{fmt_ms(client['max'], 1)} | "
            f"{fmt_ms(server['median'], 1) if server else '–'} | {share} |")
    if not up.get("measured"):
        add(f"| upgrade | {up['note']} | | | | |")
    add("")
    order = ["check", "verify_and_stage", "probe", "check_migrations", "migrate", "load", "start", "start_and_swap", "mount",
             "swap", "commit", "retire_old"]
    for key, label, operation in rows:
        steps = operation["steps_median_ms"]
        names = [step for step in order if step in steps] + sorted(step for step in steps if step not in order and step != "total")
        if "total" in steps:
            names.append("total")
        if steps:
            add(f"- {key.capitalize()} steps, server-side median: " + ", ".join(f"{step} {steps[step]:.2f} ms" for step in names) + ".")
    add("")
    add("Client-side times include the HTTP round trip on loopback. The probe is the host's child process that loads a "
        "new library before the host does; `dlopen` is the in-process load step.")
    add("")

    sc = report["scale"]
    add("## 4. Scale with the number of installed addons")
    add("")
    add(f"Generated addons `bench_0001…` (one library; each copy reads its id from its installed manifest), one host per "
        f"level, all running at once on the server CPU (idle but the one under load). Start-up = spawn of `berth serve` → "
        f"first `200` on `/health`, {s['startups']} restarts per host. Requests/s of `{bench_prefix(1)}/hello` "
        f"(addon `{sc['route_addon']}`) and of `/health` in {s['scale_runs']} rounds interleaved across the hosts (every other round in reverse order); "
        f"each ratio is taken within a round against the host with {sc['fewest']} addon(s) (route) or none (`/health`). "
        f"`libBenchAddon.so` was built by the {s['bench_addon_built_by']}.")
    add("")
    add("| Installed addons | Start-up | Route requests/s | Route vs fewest | Route p99 | `/health` requests/s | `/health` vs none | RSS after start-up |")
    add("|---|---|---|---|---|---|---|---|")
    for entry in sc["levels"]:
        route = fmt_range(entry.get("route_requests_per_second"), fmt_rps) if entry.get("route_requests_per_second") else "–"
        versus = fmt_range(entry["route_vs_fewest_rounds"], lambda v: f"{v:.3f}") if entry.get("route_vs_fewest_rounds") else "–"
        p99 = fmt_ms(entry["route_p99_ms"]["median"]) if entry.get("route_p99_ms") else "–"
        health_versus = fmt_range(entry["health_vs_none"], lambda v: f"{v:.3f}") if entry.get("health_vs_none") else "–"
        add(f"| {entry['addons']} | {fmt_range(entry['startup_ms'], lambda v: f'{v:.0f} ms')} | {route} | {versus} | {p99} | "
            f"{fmt_range(entry['health_requests_per_second'], fmt_rps)} | {health_versus} | {entry['rss_after_startup_kib'] / 1024:.1f} MiB |")
    add("")

    hs = report["hot_swap"]
    add(f"## 5. Hot swap (`{hs['route']}` under load while {hs['swapped_addon']} is installed and uninstalled in a loop)")
    add("")
    add("| Condition | Requests/s | p99 | Requests | Failed (non-2xx + socket errors) | Installs / uninstalls |")
    add("|---|---|---|---|---|---|")
    q, w = hs["quiet"], hs["swapping"]
    add(f"| quiet (anchor) | {fmt_range(q['requests_per_second'], fmt_rps)} | {fmt_ms(q['p99_ms']['median'])} | {q['requests']:,} | {q['failed']} | – |")
    add(f"| swapping | {fmt_range(w['requests_per_second'], fmt_rps)} | {fmt_ms(w['p99_ms']['median'])} | {w['requests']:,} | {w['failed']} "
        f"({w['non_2xx']} non-2xx, {w['socket_errors']} socket) | {w['installs']} / {w['uninstalls']}"
        f"{', %d admin errors' % w['admin_errors'] if w['admin_errors'] else ''} |")
    add("")
    add(f"Swapping / quiet requests/s: {fmt_range(hs['ratio'], lambda v: f'{v:.2f}')}.")
    add("")

    mem = report["memory"]
    add("## 6. Memory (VmRSS of the host process)")
    add("")
    add("| Installed addons | After start-up | After the load runs |")
    add("|---|---|---|")
    for entry in mem["levels"]:
        add(f"| {entry['addons']} | {entry['after_startup_kib'] / 1024:.1f} MiB | {entry['after_load_kib'] / 1024:.1f} MiB |")
    add("")
    if mem.get("per_addon_kib") is not None:
        add(f"Per loaded addon (after start-up, {mem['most']} vs 0): {mem['per_addon_kib']:.0f} KiB.")
    add("")
    add(f"Raw runs: `{os.path.basename(report['json_path'])}`. Reproduce: `make bench` (see bench/README.md).")
    add("")
    return "\n".join(lines)


def build_targets(report, settings):
    targets = []
    rp = report["request_path"]["ratios"]
    if rp.get("addon_over_ceiling"):
        value = rp["addon_over_ceiling"]["median"]
        targets.append({"name": "Addon route vs C ceiling", "goal": "≥ 0.85×", "measured": f"{value:.3f}×", "met": verdict(value >= 0.85)})
    if rp.get("addon_over_fastapi"):
        value = rp["addon_over_fastapi"]["median"]
        targets.append({"name": "Addon route vs FastAPI + uvicorn", "goal": "≥ 8×", "measured": f"{value:.1f}×", "met": verdict(value >= 8)})
    else:
        targets.append({"name": "Addon route vs FastAPI + uvicorn", "goal": "≥ 8×", "measured": "unavailable", "met": "–"})
    lc = report["lifecycle"]
    value = lc["install"]["client_ms"]["median"]
    targets.append({"name": "Install median (client)", "goal": "≤ 100 ms", "measured": f"{value:.1f} ms", "met": verdict(value <= 100)})
    value = lc["uninstall"]["client_ms"]["median"]
    targets.append({"name": "Uninstall median (client)", "goal": "≤ 50 ms", "measured": f"{value:.1f} ms", "met": verdict(value <= 50)})
    if lc["upgrade"].get("measured"):
        value = lc["upgrade"]["upgrade"]["client_ms"]["median"]
        targets.append({"name": "Upgrade median (client)", "goal": "– (no target in issue 6)", "measured": f"{value:.1f} ms", "met": "–"})
    else:
        targets.append({"name": "Upgrade median", "goal": "–", "measured": lc["upgrade"]["note"], "met": "–"})
    levels = report["scale"]["levels"]
    most = max(levels, key=lambda entry: entry["addons"])
    value = most["startup_ms"]["median"]
    targets.append({"name": f"Start-up with {most['addons']} addons", "goal": "≤ 1 s", "measured": f"{value:.0f} ms", "met": verdict(value <= 1000)})
    if most.get("route_vs_fewest") is not None:
        lost = (1 - most["route_vs_fewest"]) * 100
        fewest = min(settings.levels)
        measured = f"{lost:.1f} %" if lost >= 0 else f"none ({-lost:.1f} % more)"
        targets.append({"name": f"Requests/s lost with {most['addons']} vs {fewest} installed addon(s)", "goal": "≤ 2 %",
                        "measured": measured, "met": verdict(lost <= 2)})
    failed = report["hot_swap"]["swapping"]["failed"]
    targets.append({"name": "Failed requests during hot swap", "goal": "0", "measured": str(failed), "met": verdict(failed == 0)})
    return targets


README_START = "<!-- latest results: written by tools/bench/bench.py -->"
README_END = "<!-- end of latest results -->"


def update_readme(settings, report, stem):
    """Replaces the latest-results section of bench/README.md with this run's targets table."""
    path = os.path.join(settings.repo, "bench", "README.md")
    try:
        with open(path) as handle:
            text = handle.read()
    except OSError:
        return
    if README_START not in text or README_END not in text:
        return
    m = report["machine"]
    lines = [README_START, "",
             f"Run of {report['date']} on {m['cpu_model']} ({m['cores']} cores), commit `{m['commit_short']}`"
             f"{' + uncommitted changes' if m['worktree_dirty'] else ''}; full table: "
             f"[results/{stem}.md](results/{stem}.md) (also [results/latest.md](results/latest.md)).", "",
             "| Target | Goal | Measured | Met |", "|---|---|---|---|"]
    lines += [f"| {t['name']} | {t['goal']} | {t['measured']} | {t['met']} |" for t in report["targets"]]
    lines += ["", README_END]
    before = text.split(README_START)[0]
    after = text.split(README_END, 1)[1]
    with open(path, "w") as handle:
        handle.write(before + "\n".join(lines) + after)


# ---------------------------------------------------------------------------------------------
# Main


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", required=True, help="swift build -c release --show-bin-path")
    parser.add_argument("--repo", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--results", required=True)
    parser.add_argument("--c-server", required=True)
    parser.add_argument("--venv", default="", help="virtual environment with fastapi and uvicorn, or empty")
    parser.add_argument("--venv-error", default="", help="why there is no virtual environment")
    parser.add_argument("--bench-addon", required=True, help="libBenchAddon.so")
    parser.add_argument("--bench-addon-origin", default="root package")
    args = parser.parse_args()
    settings = Settings(args)
    started = time.time()
    before = load_average()
    os.sched_setaffinity(0, settings.load_cpus)  # the driver and wrk stay off the server CPUs
    CPU_SETS["server"], CPU_SETS["load"] = set(settings.server_cpus), set(settings.load_cpus)
    settings.berth_serve_options, settings.berth_mode = berth_serve_options(settings)
    log(f"servers on CPUs {settings.server_cpus}, load on {settings.load_cpus}, {settings.server_threads} server threads, "
        f"{settings.duration} s runs")

    levels = settings.levels
    prepare_packages(settings, max(levels))
    log(f"packed greeter, ai_chatbot and {max(levels)} bench addons")

    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(settings),
        "settings": {
            "pinned": settings.pinned, "server_cpus": settings.cpu_list(settings.server_cpus),
            "load_cpus": settings.cpu_list(settings.load_cpus), "server_threads": settings.server_threads,
            "wrk_threads": settings.wrk_threads, "connections": settings.connections, "duration": settings.duration,
            "runs": settings.runs, "scale_runs": settings.scale_runs, "startups": settings.startups,
            "swap_runs": settings.swap_runs, "cycles": settings.cycles, "levels": settings.levels,
            "quick": settings.quick, "bench_addon_built_by": settings.bench_addon_origin,
            "berth_mode": settings.berth_mode, "berth_serve_options": settings.berth_serve_options,
        },
    }

    interference = {}
    report["interference"] = interference
    quiet_limit = env_int("BENCH_QUIET_WAIT", 30)
    if quiet_limit > 0:
        interference["before"] = wait_for_quiet(quiet_limit, settings.noise_limit)
        log(f"other processes used {noise(interference['before']):.0f} % of a side's CPUs before the start "
            f"(waited {interference['before']['waited_seconds']:.0f} s)")
    servers = []
    try:
        # Figures 1 and 2: the ceiling, Berth (built-in and addon route) and FastAPI side by side.
        ceiling = Server(settings, "mhd-hello", [settings.c_server, str(pick_port(settings, 0)), str(settings.server_threads)], 0, "/")
        ceiling.port = int(ceiling.argv[1])
        servers.append(ceiling)
        ceiling.start()
        main_home = os.path.join(settings.work, "homes", "main")
        shutil.rmtree(main_home, ignore_errors=True)
        berth = berth_server(settings, "berth-main", main_home, pick_port(settings, 1))
        servers.append(berth)
        berth.start()
        upload(berth, settings, "greeter")
        install(berth, "greeter")
        expect_hello(berth, GREETER_ROUTE)
        # greeter's /hello never awaits, so it runs as a synchronous handler with no task; the bench
        # addon's /hello-async is the same answer from an async handler, to show what a task costs.
        upload(berth, settings, bench_id(1))
        install(berth, bench_id(1))
        async_route = bench_prefix(1) + "/hello-async"
        expect_hello(berth, async_route)
        expect_hello(ceiling, "/")
        targets = [("ceiling", ceiling.url("/"), ceiling), ("builtin", berth.url(HEALTH_ROUTE), berth),
                   ("addon", berth.url(GREETER_ROUTE), berth), ("addon_async", berth.url(async_route), berth)]
        fastapi_unavailable = None
        fastapi_versions = None
        if args.venv:
            python = os.path.join(args.venv, "bin", "python")
            fastapi_versions = command_line([python, "-c", "import sys, fastapi, uvicorn, uvloop, httptools; "
                                             "print(f'Python {sys.version.split()[0]}, FastAPI {fastapi.__version__}, uvicorn "
                                             "{uvicorn.__version__}, uvloop {uvloop.__version__}, httptools {httptools.__version__}')"])
            port = pick_port(settings, 2)
            argv = [python, "-m", "uvicorn", "fastapi_hello:app", "--app-dir", os.path.dirname(os.path.abspath(__file__)),
                    "--host", "127.0.0.1", "--port", str(port), "--loop", "uvloop", "--http", "httptools",
                    "--no-access-log", "--log-level", "warning"]
            if settings.server_threads > 1:
                argv += ["--workers", str(settings.server_threads)]
            peer = Server(settings, "fastapi", argv, port, GREETER_ROUTE)
            servers.append(peer)
            try:
                peer.start()
                expect_hello(peer, GREETER_ROUTE)
                targets.append(("fastapi", peer.url(GREETER_ROUTE), peer))
            except RuntimeError as error:
                fastapi_unavailable = str(error)
        else:
            fastapi_unavailable = args.venv_error or "no virtual environment"
        log("figures 1–2: request path")
        meter = CpuMeter()
        figures, runs, discarded_rounds = figure_request_path(settings, targets)
        interference["request_path"] = meter.read()
        ceiling.stop()
        for server in servers:
            if server.name == "fastapi":
                server.stop()
        report["request_path"] = {
            "targets": figures,
            "ratios": {
                "addon_over_ceiling": paired_ratio(runs, "addon", "ceiling"),
                "builtin_over_ceiling": paired_ratio(runs, "builtin", "ceiling"),
                "addon_over_builtin": paired_ratio(runs, "addon", "builtin"),
                "addon_over_fastapi": paired_ratio(runs, "addon", "fastapi"),
                "addon_async_over_ceiling": paired_ratio(runs, "addon_async", "ceiling"),
                "addon_async_over_addon": paired_ratio(runs, "addon_async", "addon"),
            },
            "fastapi_unavailable": fastapi_unavailable,
            "discarded_noisy_rounds": discarded_rounds,
            "fastapi_versions": fastapi_versions,
        }

        log("figure 3: lifecycle")
        meter = CpuMeter()
        report["lifecycle"] = figure_lifecycle(settings, berth)
        interference["lifecycle"] = meter.read()
        lc = report["lifecycle"]
        text = ", ".join(f"{name} median {operation['client_ms']['median']:.1f} ms (p95 {operation['client_ms']['p95']:.1f})"
                         for name, operation in (("install", lc["install"]), ("uninstall", lc["uninstall"]),
                                                 ("upgrade", lc["upgrade"].get("upgrade")),
                                                 ("downgrade", lc["upgrade"].get("downgrade"))) if operation)
        log(text)

        log("figure 5: hot swap")
        meter = CpuMeter()
        report["hot_swap"] = figure_hot_swap(settings, berth)
        interference["hot_swap"] = meter.read()
        berth.stop()

        log("figures 4 and 6: scale and memory")
        meter = CpuMeter()
        report["scale"] = figure_scale(settings)
        interference["scale"] = meter.read()
    finally:
        for server in servers:
            server.stop()

    levels_by_count = {entry["addons"]: entry for entry in report["scale"]["levels"]}
    most = max(levels_by_count)
    report["memory"] = {
        "levels": [{"addons": count, "after_startup_kib": levels_by_count[count]["rss_after_startup_kib"],
                    "after_load_kib": levels_by_count[count]["rss_after_load_kib"]} for count in sorted({0, most})],
        "most": most,
        "per_addon_kib": (levels_by_count[most]["rss_after_startup_kib"] - levels_by_count[0]["rss_after_startup_kib"]) / most
        if most else None,
    }
    report["load_average"] = {"before": before, "after": load_average()}
    report["wall_seconds"] = time.time() - started
    report["settings"]["noise_limit_percent"] = settings.noise_limit
    report["settings"]["delay_limit_percent"] = settings.delay_limit
    report["settings"]["noise_retry_budget_seconds"] = settings.retry_budget
    report["settings"]["repeated_runs"] = settings.repeated_runs
    report["settings"]["noise_wait_budget_seconds"] = settings.wait_budget
    report["settings"]["waited_for_quiet_seconds"] = settings.waited_seconds
    report["targets"] = build_targets(report, settings)
    kept = [run for figure in report["request_path"]["targets"].values() for run in figure["runs"]]
    kept += [run for run in report["hot_swap"]["quiet"]["runs"]]
    for entry in report["scale"]["levels"]:
        kept += entry["health_runs"] + (entry["route_runs"] or [])
    report["noisy_kept_runs"] = sum(1 for run in kept if run_delay(run) > settings.delay_limit)

    os.makedirs(settings.results, exist_ok=True)
    stem = f"{datetime.datetime.now(datetime.timezone.utc).date().isoformat()}-{socket.gethostname().split('.')[0]}"
    json_path = os.path.join(settings.results, stem + ".json")
    report["json_path"] = os.path.relpath(json_path, settings.repo)
    with open(json_path, "w") as handle:
        json.dump(report, handle, indent=2)
        handle.write("\n")
    markdown = render_markdown(report)
    with open(os.path.join(settings.results, stem + ".md"), "w") as handle:
        handle.write(markdown)
    if not settings.quick:
        with open(os.path.join(settings.results, "latest.md"), "w") as handle:
            handle.write(markdown)
        update_readme(settings, report, stem)
    print()
    print(markdown)
    log(f"wrote {json_path} and {stem}.md" + ("" if settings.quick else " and latest.md"))


if __name__ == "__main__":
    main()
