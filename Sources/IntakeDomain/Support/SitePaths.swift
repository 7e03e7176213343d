/// The paths of the pages that mails, redirects and other pages link to, written once: the web
/// target registers its routes with the same shapes, and the mails build their links from these.
public enum SitePaths {
    /// A reporter's tracking page (the secret token is the whole key).
    public static func tracking(_ token: String) -> String { "/arende/\(token)" }

    /// The staff page of one report.
    public static func staffReport(_ id: Int64) -> String { "/handlaggning/rapporter/\(id)" }
}
