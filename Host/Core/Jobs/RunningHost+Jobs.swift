extension RunningHost {
    /// Makes this process start no more job runs, for a worker that begins to drain: its
    /// generation is being replaced, possibly by one with another set or version of the addons.
    /// Runs going now go on (see ``waitForJobRuns(until:)``). Synchronous, and without the
    /// manager's actor: a worker whose change crashed drains while that change holds the manager.
    public func stopStartingJobs() {
        jobs?.stopStartingRuns()
    }

    /// Waits until no job run goes in this process, or until `deadline`; the shutdown that follows
    /// cancels what is left and waits for it within the runs' cancellation grace.
    /// - Returns: how many runs were still going at the deadline.
    @discardableResult
    public func waitForJobRuns(until deadline: ContinuousClock.Instant) async -> Int {
        guard let jobs else { return 0 }
        while true {
            let going = jobs.state.withLock { $0.runs.count }
            if going == 0 || ContinuousClock.now >= deadline { return going }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }
}
