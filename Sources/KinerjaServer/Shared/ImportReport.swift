import KinerjaAPI
import KinerjaCore
import SwiftProtobuf

/// What an import answers: the problems found (none written), or the counts of what it wrote (or would write).
enum ImportReport {
    /// At most this many problems are listed (the count is always whole).
    static let maxReportedErrors = 1000

    static func failed(_ errors: [RowError], dryRun: Bool, rows: Int = 0) -> Kinerja_V1_ImportReport {
        .with {
            $0.applied = false
            $0.dryRun = dryRun
            $0.rows = Int32(rows)
            $0.errorCount = Int32(errors.count)
            $0.errors = errors.prefix(maxReportedErrors).map { e in
                .with {
                    $0.line = Int32(e.line)
                    $0.column = e.column ?? ""
                    $0.message = e.message
                }
            }
        }
    }

    static func succeeded(_ counts: ImportCounts, rows: Int, dryRun: Bool) -> Kinerja_V1_ImportReport {
        .with {
            $0.applied = !dryRun
            $0.dryRun = dryRun
            $0.rows = Int32(rows)
            $0.added = Int32(counts.added)
            $0.updated = Int32(counts.updated)
            $0.unchanged = Int32(counts.unchanged)
            $0.deactivated = Int32(counts.deactivated)
        }
    }

    static func failed(_ errors: [ItemError], dryRun: Bool) -> Kinerja_V1_ImportReport {
        .with {
            $0.applied = false
            $0.dryRun = dryRun
            $0.errorCount = Int32(errors.count)
            $0.errors = errors.prefix(maxReportedErrors).map { e in
                .with {
                    $0.path = e.path
                    $0.message = e.message
                }
            }
        }
    }
}
