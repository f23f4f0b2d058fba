#if canImport(Glibc)
import Glibc
#endif

/// One line a worker writes on the status pipe it shares with its siblings and the supervisor.
///
/// Lines are far shorter than `PIPE_BUF`, so each `write` is atomic and lines of different workers
/// never interleave. The crash guard's signal handler writes `crash` lines itself (see
/// `CBerthCrash`), in the same format.
enum StatusMessage: Equatable, Sendable {
    /// The worker serves (its HTTP server accepts on the shared socket).
    case ready(pid: pid_t, generation: Int)
    /// A mutation changed the installed set: start a new generation.
    case roll(pid: pid_t)
    /// The worker stopped accepting after being told to drain.
    case quiesced(pid: pid_t)
    /// A handler crashed; `owner` is the addon's id, nil when unknown.
    case crash(pid: pid_t, owner: String?)
    /// The worker should be replaced (a hung handler, memory past its limit); `reason` for the log.
    case recycle(pid: pid_t, reason: String)

    /// The sender.
    var pid: pid_t {
        switch self {
        case .ready(let pid, _), .roll(let pid), .quiesced(let pid), .crash(let pid, _), .recycle(let pid, _): pid
        }
    }

    /// The line, newline included.
    var line: String {
        switch self {
        case .ready(let pid, let generation): "ready \(pid) \(generation)\n"
        case .roll(let pid): "roll \(pid)\n"
        case .quiesced(let pid): "quiesced \(pid)\n"
        case .crash(let pid, let owner): "crash \(pid) \(owner ?? "-")\n"
        case .recycle(let pid, let reason): "recycle \(pid) \(reason.replacingNewlines)\n"
        }
    }

    /// Parses one line (without its newline); nil if malformed.
    init?(line: Substring) {
        let words = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        guard words.count >= 2, let pid = pid_t(words[1]) else { return nil }
        let rest = words.count > 2 ? String(words[2]) : ""
        switch words[0] {
        case "ready":
            guard let generation = Int(rest) else { return nil }
            self = .ready(pid: pid, generation: generation)
        case "roll": self = .roll(pid: pid)
        case "quiesced": self = .quiesced(pid: pid)
        case "crash": self = .crash(pid: pid, owner: rest.isEmpty || rest == "-" ? nil : rest)
        case "recycle": self = .recycle(pid: pid, reason: rest)
        default: return nil
        }
    }
}

extension String {
    fileprivate var replacingNewlines: String {
        String(map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}
