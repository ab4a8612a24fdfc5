import Foundation
import Logging
import Synchronization

/// The daemon's log level, shared by every logger so that a reload (SIGHUP) changes it at once.
package final class LogLevelBox: Sendable {
    private let level: Mutex<Logger.Level>
    package init(_ level: Logger.Level) { self.level = Mutex(level) }
    package var value: Logger.Level {
        get { level.withLock { $0 } }
        set { level.withLock { $0 = newValue } }
    }
}

/// Structured one-line logs on stderr: `time level label: message key=value …`. Under journald
/// (`JOURNAL_STREAM` set) the time is left to the journal and a `<N>` syslog priority prefix is written instead.
package struct StderrLogHandler: LogHandler {
    package var metadata: Logger.Metadata = [:]
    private let label: String
    private let levelBox: LogLevelBox
    private let journald: Bool

    package init(label: String, level: LogLevelBox, journald: Bool = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil) {
        self.label = label
        self.levelBox = level
        self.journald = journald
    }

    package var logLevel: Logger.Level {
        get { levelBox.value }
        set { levelBox.value = newValue }
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var line = ""
        if journald {
            line += "<\(Self.syslogPriority(event.level))>"
        } else {
            line += Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)) + " "
        }
        line += "\(event.level) \(label): \(event.message)"
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        for key in all.keys.sorted() {
            line += " \(key)=\(Self.quote("\(all[key]!)"))"
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func quote(_ s: String) -> String {
        if s.isEmpty || s.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) {
            return "\""
                + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n") + "\""
        }
        return s
    }

    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
