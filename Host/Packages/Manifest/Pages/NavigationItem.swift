/// A page an addon ships in its `assets/` folder, and where it appears in navigation.
///
/// ```json
/// "navigation": [
///   {"area": "console", "parent": "Chat", "name": "Live chats", "path": "admin/chats.html", "icon": "chat.svg"},
///   {"area": "apps", "name": "Greet someone", "path": "index.html"}
/// ]
/// ```
///
/// The host serves `assets/<path>` at `/apps/<id>/<path>` with a sandboxing Content-Security-Policy
/// (an opaque origin: the page cannot read the console's session or call the admin API). Items of
/// the `console` area appear in the admin console, which shows the page in a sandboxed frame;
/// items of the `apps` area are listed for end users at `GET /apps`.
public struct NavigationItem: Codable, Sendable, Hashable {
    /// The areas an item may appear in.
    public static let areas: [String] = ["apps", "console"]

    /// `console` (a page for admins, shown inside the console) or `apps` (a page for end users).
    public var area: String
    /// The item's label, 1–60 characters.
    public var name: String
    /// The page, relative to the package's `assets/` folder, e.g. `admin/chats.html`.
    public var path: String
    /// The label of the group the item appears under (1–40 characters); nil: the addon's name.
    public var parent: String?
    /// An SVG or PNG file of `assets/` shown beside the label.
    public var icon: String?

    /// Creates an item.
    public init(area: String, name: String, path: String, parent: String? = nil, icon: String? = nil) {
        self.area = area
        self.name = name
        self.path = path
        self.parent = parent
        self.icon = icon
    }
}
