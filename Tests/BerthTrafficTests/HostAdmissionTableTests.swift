import BerthTraffic
import Foundation
import Testing

/// The host-wide admission table: two mappings of one file stand for two worker processes, and each
/// limit holds for both together.
struct HostAdmissionTableTests {
    /// Two registered tables on one fresh file.
    static func twoWorkers() throws -> (HostAdmissionTable, HostAdmissionTable, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("admission-\(UUID().uuidString)").path
        let first = try HostAdmissionTable(path: path, addressSlots: 64)
        let second = try HostAdmissionTable(path: path, addressSlots: 64)
        #expect(first.register() && second.register())
        return (first, second, path)
    }

    @Test func theTotalLimitHoldsForEveryProcessTogether() throws {
        let (first, second, path) = try Self.twoWorkers()
        defer { unlink(path) }
        for index in 0 ..< 4 {
            let table = index.isMultiple(of: 2) ? first : second
            #expect(table.openConnection(addressHash: UInt64(index + 1) << 30, totalLimit: 4, perAddressLimit: 0) == nil)
        }
        #expect(first.openConnection(addressHash: 99 << 30, totalLimit: 4, perAddressLimit: 0) == .total(open: 4))
        #expect(second.openConnection(addressHash: 99 << 30, totalLimit: 4, perAddressLimit: 0) == .total(open: 4))
        second.closeConnection(addressHash: 2 << 30, perAddress: false)
        #expect(first.openConnection(addressHash: 99 << 30, totalLimit: 4, perAddressLimit: 0) == nil)
        #expect(first.openConnections == 4)
    }

    @Test func thePerAddressLimitCountsOneAddressAcrossProcessesAndOthersStillPass() throws {
        let (first, second, path) = try Self.twoWorkers()
        defer { unlink(path) }
        let address: UInt64 = 0xDEAD_BEEF_0000_1234
        #expect(first.openConnection(addressHash: address, totalLimit: 0, perAddressLimit: 2) == nil)
        #expect(second.openConnection(addressHash: address, totalLimit: 0, perAddressLimit: 2) == nil)
        #expect(first.openConnection(addressHash: address, totalLimit: 0, perAddressLimit: 2) == .address(open: 2))
        #expect(second.openConnection(addressHash: 0x1234_5678_9ABC_DEF0, totalLimit: 0, perAddressLimit: 2) == nil)
        // The refused connection took nothing: one close frees one place.
        #expect(first.openConnections == 3)
        first.closeConnection(addressHash: address, perAddress: true)
        #expect(second.openConnection(addressHash: address, totalLimit: 0, perAddressLimit: 2) == nil)
        #expect(first.openConnection(addressHash: address, totalLimit: 0, perAddressLimit: 2) == .address(open: 2))
    }

    @Test func uploadsAreBoundedForTheHostAndTheirAnnouncedBytesAreSummed() throws {
        let (first, second, path) = try Self.twoWorkers()
        defer { unlink(path) }
        #expect(first.beginUpload(limit: 2, bytes: 1000) == nil)
        #expect(second.beginUpload(limit: 2, bytes: 500) == nil)
        #expect(first.beginUpload(limit: 2, bytes: 1) == 2)
        #expect(second.announcedUploadBytes == 1500)
        first.endUpload(bytes: 1000)
        #expect(second.announcedUploadBytes == 500)
        #expect(second.beginUpload(limit: 2, bytes: 0) == nil)
        #expect(first.activeUploads == 2)
    }

    @Test func aLiveProcessIsNotReclaimed() throws {
        let (first, second, path) = try Self.twoWorkers()
        defer { unlink(path) }
        #expect(first.openConnection(addressHash: 7 << 30, totalLimit: 1, perAddressLimit: 0) == nil)
        #expect(second.reclaimDeadProcesses() == 0)
        #expect(second.openConnection(addressHash: 8 << 30, totalLimit: 1, perAddressLimit: 0) == .total(open: 1))
    }
}
