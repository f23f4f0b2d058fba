import BerthMetrics
import Dispatch
import Foundation

// `metrics-bench`: what counting one request for /metrics costs (issue 15's goal: under 0.5 µs),
// measured on the host's own recording path, in a release build, without HTTP around it.
//
// A ``SeriesTable`` in a fresh shared file (what every worker maps) and one ``RouteRecorder`` for a
// route, as the request path holds them. Each pass calls the path `calls` times in a loop between two
// clock reads and reports nanoseconds per call (the loop's time ÷ calls):
// - `record`: `RouteRecorder.record(status:nanoseconds:)` alone (the histogram's count, sum and
//   bucket, and the status code's counter: four atomic additions to shared words);
// - `request`: what the request path adds per request when metrics are on: the clock read at
//   admission, the clock read and subtraction at the answer, and the record;
// - `request-2-threads`: the same from two threads at once on the same route (two workers sharing
//   the table, contending for the same words), per call of one thread;
// - `empty`: the loop with the clock reads and nothing recorded, the part of `request` that
//   is the clock.
// `metrics-bench render [routes] [rounds]`: the scrape's text of a table with `routes` routes (two
// per bench addon: 200 for 100 addons), each requested, rendered `rounds` times: milliseconds per
// render (what `GET /metrics` costs the host besides HTTP).
// Output: one JSON object per pass on its own line.
// Usage: metrics-bench [calls] [rounds] [passes] (passes: comma-separated names; default all; the
// two-thread pass only means something with two CPUs to run on).
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "render" {
    try renderPass(routes: arguments.count > 1 ? Int(arguments[1]) ?? 200 : 200, rounds: arguments.count > 2 ? Int(arguments[2]) ?? 50 : 50)
    exit(0)
}
let calls = arguments.first.flatMap { Int($0) } ?? 5_000_000
let rounds = arguments.count > 1 ? Int(arguments[1]) ?? 5 : 5
let allPasses = ["record", "request", "request-2-threads", "empty"]
let chosen = arguments.count > 2 ? arguments[2].split(separator: ",").map { String($0) } : allPasses
let path = FileManager.default.temporaryDirectory.appendingPathComponent("berth-metrics-bench-\(getpid())").path
defer { try? FileManager.default.removeItem(atPath: path) }
let table = try SeriesTable(path: path, capacity: 4096)
let recorder = RouteRecorder(table: table, addon: "bench_0001", route: "/api/v1/bench/a0001/hello", method: "GET")

/// Keeps the optimizer from dropping a loop whose result is otherwise unused.
nonisolated(unsafe) var sink: UInt64 = 0

@inline(never)
func recordOnly(_ count: Int) {
    for index in 0 ..< count {
        recorder.record(status: 200, nanoseconds: UInt64(truncatingIfNeeded: 180_000 &+ (index & 1023)))
    }
}

/// The per-request part of `RouteEnforcement.admit` + `finish` with metrics on.
@inline(never)
func asTheRequestPathDoes(_ count: Int, recording: Bool) {
    for _ in 0 ..< count {
        let started = ContinuousClock.now
        let (seconds, attoseconds) = (ContinuousClock.now - started).components
        let nanoseconds = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds)) / 1_000_000_000
        if recording {
            recorder.record(status: 200, nanoseconds: nanoseconds)
        } else {
            sink &+= nanoseconds
        }
    }
}

func timed(_ body: () -> Void) -> Double {
    let started = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - started)
}

func report(_ pass: String, _ perCall: [Double]) {
    let sorted = perCall.sorted()
    let line: [String: Any] = [
        "pass": pass, "calls": calls, "rounds": rounds, "ns_per_call": sorted.map { ($0 * 100).rounded() / 100 },
        "median_ns": (sorted[sorted.count / 2] * 100).rounded() / 100,
    ]
    let data = try! JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

// Warm-up: claims the series, faults the pages in.
recordOnly(10_000)
asTheRequestPathDoes(10_000, recording: true)

/// One run of `pass`: nanoseconds per call.
func run(_ pass: String) -> Double {
    switch pass {
    case "record": return timed { recordOnly(calls) } / Double(calls)
    case "request": return timed { asTheRequestPathDoes(calls, recording: true) } / Double(calls)
    case "empty": return timed { asTheRequestPathDoes(calls, recording: false) } / Double(calls)
    default:
        let elapsed = timed { DispatchQueue.concurrentPerform(iterations: 2) { _ in asTheRequestPathDoes(calls / 2, recording: true) } }
        return elapsed / Double(calls / 2)
    }
}

var passes: [String: [Double]] = [:]
// Rounds interleave the passes, so a drift of the machine's speed reaches each of them alike.
for _ in 0 ..< rounds {
    for pass in allPasses where chosen.contains(pass) { passes[pass, default: []].append(run(pass)) }
}
for pass in allPasses where chosen.contains(pass) { report(pass, passes[pass]!) }
if sink == 42 { print("") }

/// The `render` pass: a table holding what 100 bench addons' traffic leaves in it, rendered.
func renderPass(routes: Int, rounds: Int) throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("berth-metrics-render-\(getpid())").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let table = try SeriesTable(path: path, capacity: 4096)
    for index in 0 ..< routes {
        let addon = String(format: "bench_%04d", index / 2 + 1)
        let recorder = RouteRecorder(table: table, addon: addon, route: "/api/v1/bench/a\(addon.suffix(4))/hello\(index % 2 == 0 ? "" : "-async")", method: "GET")
        for request in 0 ..< 20 { recorder.record(status: 200, nanoseconds: UInt64(50_000 + request * 1000)) }
    }
    var bytes = table.render(.prometheus).utf8.count
    var timings: [Double] = []
    for _ in 0 ..< rounds {
        let started = DispatchTime.now().uptimeNanoseconds
        bytes = table.render(.prometheus).utf8.count
        timings.append(Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6)
    }
    timings.sort()
    let line: [String: Any] = ["pass": "render", "routes": routes, "rounds": rounds, "bytes": bytes,
                               "median_ms": (timings[timings.count / 2] * 1000).rounded() / 1000, "min_ms": (timings[0] * 1000).rounded() / 1000]
    print(String(decoding: try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]), as: UTF8.self))
}
