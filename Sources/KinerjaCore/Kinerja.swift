/// Facts about this build of Kinerja that every layer may quote.
public enum Kinerja {
    /// The release version, shown by `kinerjactl status` and in logs.
    public static let version = "0.1.0"
}
