import Foundation
import Synchronization

/// Temporary directories for tests and benchmarks, removed when the process exits (a full `make test` otherwise
/// left about 5,000 state directories, some GB, in `/tmp` each run). `KINERJA_TEST_KEEP=1` keeps them to look into.
public enum TemporaryDirectories {
    private static let made = Mutex<[String]>([])
    private static let removeAtExit: Void = { atexit { TemporaryDirectories.removeAll() } }()

    /// A new directory `/tmp/TAG-XXXXXX` (short: Unix socket paths inside it must stay under 108 bytes).
    public static func make(_ tag: String) throws -> String {
        _ = removeAtExit
        var template = Array("/tmp/\(tag)-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        let path = String(cString: p)
        made.withLock { $0.append(path) }
        return path
    }

    /// Removes every directory made so far (unless `KINERJA_TEST_KEEP` is set).
    public static func removeAll() {
        guard ProcessInfo.processInfo.environment["KINERJA_TEST_KEEP"] == nil else { return }
        let paths = made.withLock { list -> [String] in
            defer { list.removeAll() }
            return list
        }
        for path in paths { try? FileManager.default.removeItem(atPath: path) }
    }
}
