import PluginAPI

/// What one route answers: the cost of one slot operation, in nanoseconds.
struct OperationTimings: Encodable {
    /// The operation's figures.
    var operation: Pass
    /// The same loops around an operation that does nothing: what the loop, the closure call and
    /// (in the per-operation pass) the two clock reads add to every figure of ``operation``.
    var emptyOperation: Pass
}

/// Two loops over one operation.
struct Pass: Encodable {
    /// Operations run in the whole-loop pass (fewer than asked only when the deadline came near).
    var loopOperations: Int
    /// Wall time of the whole-loop pass divided by its operations: no clock read per operation.
    var meanNanoseconds: Double
    /// Operations timed one by one in the second pass.
    var timedOperations: Int
    /// Percentiles (nearest rank) of the one-by-one timings, each between two clock reads.
    var p50Nanoseconds: Int64
    var p90Nanoseconds: Int64
    var p99Nanoseconds: Int64
    var p999Nanoseconds: Int64
    var maxNanoseconds: Int64
    /// Mean of the one-by-one timings.
    var timedMeanNanoseconds: Double
    /// Operations that did not do what they should (a cache miss, a refused hit), over both passes.
    var failed: Int
    /// True when a pass stopped early because the request's deadline came near.
    var stoppedAtDeadline: Bool
}

/// Times `count` runs of one operation in the calling task, on the thread the host runs the handler
/// on: first the whole loop with two clock reads in all (the mean), then each run between two
/// clock reads (the distribution). Each pass may use a third of the time left before `deadline`.
struct OperationTimer {
    let count: Int
    let deadline: ContinuousClock.Instant

    /// Checks the deadline every this many operations, so the check costs nothing per operation.
    private static let deadlineStride = 256

    func measure(_ operation: () async throws -> Bool) async throws -> OperationTimings {
        let empty = try await pass { true }
        let measured = try await pass(operation)
        return OperationTimings(operation: measured, emptyOperation: empty)
    }

    private func pass(_ operation: () async throws -> Bool) async throws -> Pass {
        var failed = 0
        var stopped = false

        var stop = ContinuousClock.now + (deadline - .now) / 3
        var looped = 0
        let loopStart = ContinuousClock.now
        while looped < count {
            let succeeded = try await operation()
            if !succeeded { failed += 1 }
            looped += 1
            if looped % Self.deadlineStride == 0, ContinuousClock.now >= stop {
                stopped = true
                break
            }
        }
        let loopTime = ContinuousClock.now - loopStart

        stop = ContinuousClock.now + (deadline - .now) / 3
        var samples = [Int64](repeating: 0, count: count)
        var timed = 0
        while timed < count {
            let start = ContinuousClock.now
            let succeeded = try await operation()
            let end = ContinuousClock.now
            samples[timed] = Self.nanoseconds(end - start)
            if !succeeded { failed += 1 }
            timed += 1
            if timed % Self.deadlineStride == 0, end >= stop {
                stopped = true
                break
            }
        }
        samples.removeLast(count - timed)
        samples.sort()
        return Pass(
            loopOperations: looped,
            meanNanoseconds: Double(Self.nanoseconds(loopTime)) / Double(max(1, looped)),
            timedOperations: timed,
            p50Nanoseconds: Self.percentile(samples, 0.50),
            p90Nanoseconds: Self.percentile(samples, 0.90),
            p99Nanoseconds: Self.percentile(samples, 0.99),
            p999Nanoseconds: Self.percentile(samples, 0.999),
            maxNanoseconds: samples.last ?? 0,
            timedMeanNanoseconds: Double(samples.reduce(0, +)) / Double(max(1, timed)),
            failed: failed,
            stoppedAtDeadline: stopped
        )
    }

    /// Nearest-rank percentile of sorted `samples`.
    static func percentile(_ samples: [Int64], _ fraction: Double) -> Int64 {
        guard !samples.isEmpty else { return 0 }
        let rank = Int((fraction * Double(samples.count)).rounded(.up))
        return samples[min(samples.count, max(1, rank)) - 1]
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
