import CMicroHTTPD
import Synchronization

/// Suspend/resume bookkeeping. Every `MHD_resume_connection` happens under the registry lock and
/// removes the run from it, so "registry empty" means "no connection left suspended": what stop needs
/// before `MHD_stop_daemon`.
extension ServerContext {
    /// Records that `run`'s connection is about to be suspended; false once stop has closed the
    /// registry, in which case the caller must not suspend.
    func registerSuspension(_ run: HandlerRun) -> Bool {
        suspensions.withLock { registry in
            guard !registry.closed else { return false }
            registry.runs[ObjectIdentifier(run)] = run
            return true
        }
    }

    /// Resumes `run`'s connection; called exactly once per suspension, by whichever side won the
    /// phase race (the handler's completion or the MHD thread that saw it complete).
    func resume(_ run: HandlerRun) {
        suspensions.withLock { registry in
            registry.runs[ObjectIdentifier(run)] = nil
            MHD_resume_connection(run.connection)
        }
    }

    /// Closes the registry to new suspensions and resumes every suspended connection whose handler is
    /// still running, marking it abandoned so the connection answers 503. Returns true when no
    /// connection is left suspended; runs caught between registration and suspension are picked up
    /// by the next call.
    func abandonSuspended() -> Bool {
        suspensions.withLock { registry in
            registry.closed = true
            for (key, run) in registry.runs where run.abandonIfSuspended() {
                registry.runs[key] = nil
                MHD_resume_connection(run.connection)
            }
            return registry.runs.isEmpty
        }
    }
}
