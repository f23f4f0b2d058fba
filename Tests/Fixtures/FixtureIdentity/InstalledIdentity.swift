import Foundation

/// The id and version in the `manifest.json` installed beside a fixture library, so one build can
/// be installed as any number of addons and versions. The library is `<install folder>/lib/…`.
/// - Parameter image: an address inside the calling library; the default is the caller's own.
public func installedIdentity(image: UnsafeRawPointer = #dsohandle) -> (id: String, version: String) {
    guard let path = mappedFile(containing: image) else { fatalError("cannot locate the fixture library") }
    let manifest = URL(fileURLWithPath: path).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("manifest.json")
    guard let data = try? Data(contentsOf: manifest),
          let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let id = object["id"] as? String, let version = object["version"] as? String
    else { fatalError("no readable manifest.json at \(manifest.path)") }
    return (id, version)
}

/// The file mapped at `address`, from `/proc/self/maps`.
private func mappedFile(containing address: UnsafeRawPointer) -> String? {
    let target = UInt(bitPattern: address)
    guard let maps = FileHandle(forReadingAtPath: "/proc/self/maps")?.readDataToEndOfFile() else { return nil }
    for line in String(decoding: maps, as: UTF8.self).split(separator: "\n") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        let bounds = fields.first?.split(separator: "-").compactMap { UInt($0, radix: 16) } ?? []
        if bounds.count == 2, bounds[0] <= target, target < bounds[1], fields.count >= 6 {
            return String(fields[5])
        }
    }
    return nil
}
