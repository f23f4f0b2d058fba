import Foundation

/// Checks of the manifest's navigation items, each error naming the field.
extension Manifest {
    /// The most navigation items one package may declare.
    public static let maximumNavigationItems = 20

    /// Checks ``navigation``: known areas, labels of a sensible length, and pages and icons that are
    /// files of the package's `assets/` folder. Throws `invalid_manifest` naming the field.
    func validateNavigation() throws(PackageError) {
        guard navigation.count <= Self.maximumNavigationItems else {
            throw navigationError("navigation", "declares \(navigation.count) items; at most \(Self.maximumNavigationItems) are allowed")
        }
        var seen: Set<String> = []
        for (index, item) in navigation.enumerated() {
            let field = "navigation[\(index)]"
            guard NavigationItem.areas.contains(item.area) else {
                throw navigationError("\(field).area", "'\(item.area.prefix(40))' is not one of \(NavigationItem.areas.joined(separator: ", "))")
            }
            try checkLabel(item.name, field: "\(field).name", limit: 60)
            if let parent = item.parent { try checkLabel(parent, field: "\(field).parent", limit: 40) }
            try checkAsset(item.path, field: "\(field).path", extensions: ["html"])
            if let icon = item.icon { try checkAsset(icon, field: "\(field).icon", extensions: ["svg", "png"]) }
            guard seen.insert(item.area + " " + item.path).inserted else {
                throw navigationError("\(field).path", "'\(item.path)' appears twice in the \(item.area) area")
            }
        }
    }

    private func checkLabel(_ label: String, field: String, limit: Int) throws(PackageError) {
        guard !label.trimmingCharacters(in: .whitespaces).isEmpty, label.count <= limit else {
            throw navigationError(field, "must have 1 to \(limit) characters (has \(label.count))")
        }
        guard !label.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw navigationError(field, "must not contain control characters")
        }
    }

    /// A path relative to `assets/`, without `.`/`..`/empty segments, query or fragment, naming a
    /// file the package lists.
    private func checkAsset(_ path: String, field: String, extensions: [String]) throws(PackageError) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, !path.hasPrefix("/"), !segments.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }),
              !path.contains("?"), !path.contains("#"), !path.contains("\\") else {
            throw navigationError(field, "'\(path.prefix(100))' must be a path relative to assets/ (no leading '/', no '.', '..' or empty segments, no '?' or '#')")
        }
        let suffix = path.split(separator: ".").last.map { String($0).lowercased() } ?? ""
        guard path.contains("."), extensions.contains(suffix) else {
            throw navigationError(field, "'\(path.prefix(100))' must be a .\(extensions.joined(separator: " or .")) file")
        }
        guard files["assets/" + path] != nil else {
            throw navigationError(field, "'\(path.prefix(100))' is not a file of the package's assets/ folder (assets/\(path.prefix(100)) is not listed in files)")
        }
    }

    private func navigationError(_ field: String, _ problem: String) -> PackageError {
        PackageError.invalidManifest("field '\(field)': \(problem)")
    }
}
