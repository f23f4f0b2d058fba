import CBerthLanes
import CMicroHTTPD

/// What a lane's takeover needs of the request whose handler holds the lane.
///
/// It lives on the stack of the handler's thread for the handler window (from
/// `berth_lane_handler_begin` to `berth_lane_handler_end`), the only time the monitor's new thread
/// reads or fills it (`berthTakeOver`). A request without a body and with a synchronous handler has
/// no ``RequestState`` (see ``BodilessRequest``): only a takeover, which is rare, makes one, so the
/// common path allocates nothing for the window.
struct LaneWindow {
    /// The request's state: there from the start for a request with a body or an async handler;
    /// made by the takeover otherwise. A strong reference: once the lane is taken over, stop may
    /// answer the suspended connection (503) and its completion notice release `*con_cls` while
    /// the handler still runs, and the handler's thread must still find the state to hand over to.
    var state: RequestState?
    /// Where libmicrohttpd keeps the request's pointer (`*con_cls`), which the takeover points at
    /// the state it makes; `nil` when ``state`` is there from the start (it is parked there already).
    let requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    /// The request's id, for the answer a resumed connection gets.
    let requestID: String
    /// The run of an async handler started without a state (a request without a body): the state
    /// the takeover makes carries it, so that the handler's completion answers the connection.
    var run: HandlerRun? = nil

    /// Runs `body` inside the lane's handler window when `window` is set (a takeover may fill it
    /// meanwhile), or just runs it.
    /// - Returns: whether the lane was taken over while `body` ran: the connection is suspended, and
    ///   the caller must touch no libmicrohttpd object and hand its response to `window`'s state.
    static func run(_ window: inout LaneWindow?, on connection: MHDConnection, _ body: () -> Void) -> Bool {
        guard window != nil else {
            body()
            return false
        }
        return withUnsafeMutablePointer(to: &window!) { lane in
            berth_lane_handler_begin(connection.pointer, lane)
            body()
            return berth_lane_handler_end() != 0
        }
    }

    /// On the new thread of a lane taken over: the request's state, made and parked in
    /// `*con_cls` if it had none (a ``RequestState`` then replaces ``BodilessRequest/marker``, and
    /// the completion notice releases it like any other).
    mutating func takeOverState() -> RequestState {
        if let state { return state }
        let made = RequestState(takenOverWithID: requestID)
        made.run = run
        requestContext?.pointee = Unmanaged.passRetained(made).toOpaque()
        state = made
        return made
    }
}
