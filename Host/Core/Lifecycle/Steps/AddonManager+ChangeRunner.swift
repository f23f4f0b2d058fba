extension AddonManager {
    /// The runner of this home's changes: it reports each step to the step observer (a worker's
    /// crash report names it) and a step past its deadline to the stuck observer, as
    /// ``stuckStep(_:addon:)`` does.
    var changeRunner: ChangeRunner {
        var runner = ChangeRunner(journal: journal, unfinished: unfinished, logger: logger)
        let stepObserver = stepObserver
        let stuckObserver = stuckObserver
        let logger = logger
        runner.observe = { record in
            stepObserver?(record.id, "\(record.operation.rawValue) of \(record.id) at step \(record.step.rawValue)")
        }
        runner.expired = { error in
            logger.error("a step of an addon ran past its deadline", metadata: ["error": error.message])
            stuckObserver?(error.message)
        }
        return runner
    }
}
