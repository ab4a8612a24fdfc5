import Foundation
import KinerjaStore

extension Daemon {
    /// `kinerjad restore BACKUP`: with the daemon stopped (its lock free), checks the backup and installs it in place of
    /// the database, the current one moved aside with a timestamp. The state directory is found as the daemon finds it.
    package static func restore(flags: DaemonSettings.Flags, backup: String) -> ExitCode {
        let environment = ProcessInfo.processInfo.environment
        let fm = FileManager.default
        umask(0o077)
        let configPath = DaemonSettings.configPath(flags: flags, environment: environment) { fm.fileExists(atPath: $0) }
        let file: DaemonConfigFile?
        do throws(ConfigError) {
            file = try DaemonConfigFile.load(optionalPath: configPath)
        } catch {
            printError("kinerjad restore: configuration refused: \(error.description)")
            return .config
        }
        let settings = DaemonSettings.resolve(flags: flags, file: file, environment: environment, currentDirectory: fm.currentDirectoryPath)
        let backupPath = backup.hasPrefix("/") ? backup : fm.currentDirectoryPath + "/" + backup
        do {
            try fm.createDirectory(atPath: settings.stateDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            let lock = try LockFile(path: settings.lockPath)
            let report = try Restore.run(backup: backupPath, database: settings.databasePath, now: Date())
            withExtendedLifetime(lock) {}
            print("restored \(backupPath) (schema version \(report.backupSchemaVersion); this kinerjad: \(Store.latestSchemaVersion)) to \(report.installed)")
            if let aside = report.movedAside { print("the database that was in place is kept as \(aside)") }
            if report.backupSchemaVersion < Store.latestSchemaVersion {
                print("it is migrated to version \(Store.latestSchemaVersion) when kinerjad next starts")
            }
            return .ok
        } catch let error as NewerSchemaError {
            printError("kinerjad restore: \(error)")
            return .config
        } catch {
            printError("kinerjad restore: \(error)")
            return .failure
        }
    }
}
