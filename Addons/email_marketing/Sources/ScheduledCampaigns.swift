import PluginAPI

/// The job `send_scheduled_campaigns` (every 5 seconds in `addon.json`): sends each campaign whose
/// `sendAt` has come and that was not sent yet, one at a time, oldest due first.
///
/// The host runs each due time of the job once however many workers serve, and never two runs at
/// once; each campaign is also claimed before it is sent (see ``CampaignSending``), so a send asked
/// through the API meanwhile cannot mail it a second time.
struct ScheduledCampaigns {
    let context: JobContext

    /// Sends the due campaigns until none is left or the run is cancelled; returns how many it sent.
    func sendDue() async throws -> Int {
        let sending = CampaignSending(context: context.addon)
        var sent = 0
        while !Task.isCancelled, let id = try await sending.claimDue() {
            try await sending.deliver(id)
            context.logger.info("scheduled campaign sent", metadata: ["campaign": .string(id)])
            sent += 1
        }
        return sent
    }
}
