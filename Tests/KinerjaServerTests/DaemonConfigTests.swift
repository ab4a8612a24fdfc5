import Foundation
import KinerjaCore
import KinerjaFixtures
import KinerjaPluginHost
import Logging
import Testing

@testable import KinerjaServer

@Suite struct DaemonConfigTests {
    @Test func readsEveryKey() throws {
        let config = try DaemonConfigFile.parse(
            """
            state_dir = "/var/lib/kinerja"
            socket = "/run/kinerja/kinerja.sock"
            log_level = "debug"
            [security]
            admin_users = ["alice", "1001"]
            admin_groups = ["wheel"]
            operator_users = []
            operator_groups = ["hr"]
            gateway_users = ["portal"]
            """, path: "/etc/kinerja/kinerjad.toml")
        #expect(config.stateDir == "/var/lib/kinerja")
        #expect(config.socket == "/run/kinerja/kinerja.sock")
        #expect(config.logLevel == .debug)
        #expect(config.security.adminUsers == ["alice", "1001"])
        #expect(config.security.adminGroups == ["wheel"])
        #expect(config.security.operatorUsers == [])
        #expect(config.security.operatorGroups == ["hr"])
        #expect(config.security.gatewayUsers == ["portal"])
    }

    @Test func serverLimitsAreReadAndDefaultToTheDocumentedValues() throws {
        let config = try DaemonConfigFile.parse(
            "[server]\nmax_concurrent_streams = 20\nidle_timeout_s = 30\npreface_timeout_s = 2\nmax_message_mib = 64\ngateway_max_message_mib = 1\nimport_step_skp = 50\nimport_step_rows = 70\n",
            path: "k.toml")
        #expect(config.limits.maxConcurrentStreams == 20)
        #expect(config.limits.idleTimeout == .seconds(30))
        #expect(config.limits.prefaceTimeout == .seconds(2))
        #expect(config.limits.maxMessageBytes == 64 << 20)
        #expect(config.limits.gatewayMaxMessageBytes == 1 << 20)
        #expect(config.limits.importStepSKPs == 50 && config.limits.importStepRows == 70)
        let defaults = try DaemonConfigFile.parse("", path: "k.toml").limits
        #expect(defaults == ConnectionLimits())
        #expect(defaults.maxConcurrentStreams == 100 && defaults.idleTimeout == .seconds(60) && defaults.prefaceTimeout == .seconds(10))
        #expect(defaults.maxMessageBytes == 256 << 20 && defaults.gatewayMaxMessageBytes == 4 << 20)
        #expect(defaults.importStepSKPs == 2_000 && defaults.importStepRows == 50_000)
        #expect(defaults.maxMessage(for: .gateway) == 4 << 20 && defaults.maxMessage(for: .operator) == 256 << 20)
    }

    @Test func socketActivationFindsTheMainAndTheGatewaySocketByName() {
        let env = ["LISTEN_PID": "42", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "gateway:kinerjad.socket"]
        #expect(SocketActivation.fromEnvironment(env, pid: 42) == SocketActivation(fileDescriptor: 4, name: "kinerjad.socket"))
        #expect(SocketActivation.gateway(env, pid: 42) == SocketActivation(fileDescriptor: 3, name: "gateway"))
        let one = ["LISTEN_PID": "42", "LISTEN_FDS": "1"]
        #expect(SocketActivation.fromEnvironment(one, pid: 42) == SocketActivation(fileDescriptor: 3, name: nil))
        #expect(SocketActivation.gateway(one, pid: 42) == nil)
        #expect(SocketActivation.fromEnvironment(env, pid: 7) == nil, "another process's descriptors")
        let config = try? DaemonConfigFile.parse("gateway_socket = \"/run/kinerja/gateway.sock\"\n", path: "k.toml")
        #expect(config?.gatewaySocket == "/run/kinerja/gateway.sock")
    }

    @Test func absentKeysKeepDefaults() throws {
        let config = try DaemonConfigFile.parse("# every key commented\n", path: "k.toml")
        #expect(config.stateDir == nil)
        #expect(config.logLevel == nil)
        #expect(config.security == SecurityConfig())
        #expect(config.security.adminGroups == ["kinerja-admin"])
        #expect(config.security.operatorGroups == ["kinerja"])
    }

    @Test(arguments: [
        ("log_level = \"loud\"\n", 1, "log_level", "not a log level"),
        ("\nlog_levle = \"info\"\n", 2, "log_levle", "unknown key"),
        ("state_dir = 5\n", 1, "state_dir", "expected a string"),
        ("state_dir = \"\"\n", 1, "state_dir", "must not be empty"),
        ("[security]\nadmin_users = \"root\"\n", 2, "security.admin_users", "array of strings"),
        ("[security]\nadmin_users = [\"root\", 3]\n", 2, "security.admin_users", "non-empty string"),
        ("[security]\nadmins = []\n", 2, "security.admins", "unknown key"),
        ("[tpp]\nkinerja_share_percent = 101\n", 2, "tpp.kinerja_share_percent", "outside 0…100"),
        ("[tpp.deduction_percent]\ntl1 = 0.25\n", 2, "tpp.deduction_percent.tl1", "more than one decimal"),
        ("[tpp.deduction_percent]\ntl5 = 1\n", 2, "tpp.deduction_percent.tl5", "unknown key"),
        ("[tpp.tax_percent]\npns = [0, 5, 15]\n", 2, "tpp.tax_percent.pns", "expected 4 values"),
        ("[tpp.predikat_factor_percent]\nistimewa = 100\n", 2, "tpp.predikat_factor_percent.istimewa", "unknown key"),
        ("[server]\nmax_concurrent_streams = 0\n", 2, "server.max_concurrent_streams", "outside"),
        ("[server]\ngateway_max_message_mib = 1000\n", 2, "server.gateway_max_message_mib", "outside"),
        ("[server]\nidle_timeout = 5\n", 2, "server.idle_timeout", "unknown key"),
        ("[server]\nimport_step_skp = 0\n", 2, "server.import_step_skp", "outside"),
    ])
    func refusesWithFileLineAndKey(text: String, line: Int, key: String, fragment: String) {
        do {
            _ = try DaemonConfigFile.parse(text, path: "/etc/kinerja/kinerjad.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.file == "/etc/kinerja/kinerjad.toml")
            #expect(error.line == line)
            #expect(error.key == key)
            #expect(error.message.contains(fragment), "\(error)")
            #expect(error.description.hasPrefix("/etc/kinerja/kinerjad.toml:\(line): key '\(key)': "))
        }
    }

    @Test func readsTheTPPNumbers() throws {
        let config = try DaemonConfigFile.parse(
            """
            [tpp]
            kinerja_share_percent = 70
            disiplin_share_percent = 30
            [tpp.predikat_factor_percent]
            butuh_perbaikan = 80
            [tpp.deduction_percent]
            tl1 = 0.5
            tk = 3
            psw4 = 2.5
            [tpp.tax_percent]
            pns = [0, 0, 5, 10]
            """, path: "k.toml")
        var expected = TPPPolicy()
        expected.kinerjaSharePercent = 70
        expected.disiplinSharePercent = 30
        expected.predikatFactorPercent[.butuhPerbaikan] = 80
        expected.deductionPerMille["tk"] = 30
        expected.deductionPerMille["psw4"] = 25
        expected.pnsTaxPercent[4] = 10
        #expect(config.tpp == expected)
        #expect(TPPPolicy(snapshot: expected.snapshot) == expected)
        #expect(TPPPolicy(snapshot: "60;40;1,2") == nil)
        // Shares above 100 % together are refused.
        #expect(throws: ConfigError.self) { try DaemonConfigFile.parse("[tpp]\nkinerja_share_percent = 70\ndisiplin_share_percent = 40\n", path: "k.toml") }
    }

    @Test func syntaxErrorsCarryTheLine() {
        do {
            _ = try DaemonConfigFile.parse("log_level = \"info\"\n[security\n", path: "x.toml")
            Issue.record("accepted")
        } catch {
            #expect(error.line == 2)
            #expect(error.description.hasPrefix("x.toml:2: "))
        }
    }
}

@Suite struct DaemonSettingsTests {
    let cwd = "/home/dev/kinerja"

    @Test func localDefaults() {
        let s = DaemonSettings.resolve(flags: .init(), file: nil, environment: [:], currentDirectory: cwd)
        #expect(s.stateDir == "/home/dev/kinerja/.kinerja")
        #expect(s.socketPath == "/home/dev/kinerja/.kinerja/kinerja.sock")
        #expect(s.databasePath == "/home/dev/kinerja/.kinerja/kinerja.db")
        #expect(s.logLevel == .info)
        #expect(s.configPath == nil)
    }

    @Test func systemdEnvironmentBeatsDefaults() {
        let env = ["STATE_DIRECTORY": "/var/lib/kinerja", "RUNTIME_DIRECTORY": "/run/kinerja:/run/other"]
        let s = DaemonSettings.resolve(flags: .init(), file: nil, environment: env, currentDirectory: cwd)
        #expect(s.stateDir == "/var/lib/kinerja")
        #expect(s.socketPath == "/run/kinerja/kinerja.sock")
    }

    @Test func fileBeatsEnvironment() {
        var file = DaemonConfigFile(path: "conf/kinerjad.toml")
        file.stateDir = "/srv/kinerja"
        file.socket = "/srv/kinerja.sock"
        file.logLevel = .warning
        let env = ["STATE_DIRECTORY": "/var/lib/kinerja", "RUNTIME_DIRECTORY": "/run/kinerja"]
        let s = DaemonSettings.resolve(flags: .init(), file: file, environment: env, currentDirectory: cwd)
        #expect(s.stateDir == "/srv/kinerja")
        #expect(s.socketPath == "/srv/kinerja.sock")
        #expect(s.logLevel == .warning)
        #expect(s.configPath == "/home/dev/kinerja/conf/kinerjad.toml")
    }

    @Test func flagsBeatEverything() {
        var file = DaemonConfigFile(path: "/etc/kinerja/kinerjad.toml")
        file.stateDir = "/srv/kinerja"
        file.socket = "/srv/kinerja.sock"
        file.logLevel = .warning
        let flags = DaemonSettings.Flags(stateDir: "state", socket: "/tmp/k.sock", logLevel: .debug)
        let s = DaemonSettings.resolve(flags: flags, file: file, environment: ["STATE_DIRECTORY": "/var/lib/kinerja"], currentDirectory: cwd)
        #expect(s.stateDir == "/home/dev/kinerja/state")
        #expect(s.socketPath == "/tmp/k.sock")
        #expect(s.logLevel == .debug)
    }

    @Test func socketFollowsAStateDirFlag() {
        let s = DaemonSettings.resolve(flags: .init(stateDir: "/tmp/st"), file: nil, environment: [:], currentDirectory: cwd)
        #expect(s.socketPath == "/tmp/st/kinerja.sock")
    }

    @Test func configFileChoice() {
        let exists: Set<String> = ["/etc/kinerja/kinerjad.toml", "/etc/custom/kinerjad.toml"]
        #expect(DaemonSettings.configPath(flags: .init(config: "/x.toml"), environment: [:]) { exists.contains($0) } == "/x.toml")
        #expect(
            DaemonSettings.configPath(flags: .init(), environment: ["CONFIGURATION_DIRECTORY": "/etc/custom"]) { exists.contains($0) }
                == "/etc/custom/kinerjad.toml")
        #expect(
            DaemonSettings.configPath(flags: .init(), environment: ["CONFIGURATION_DIRECTORY": "/etc/none"]) { exists.contains($0) }
                == "/etc/kinerja/kinerjad.toml")
        #expect(DaemonSettings.configPath(flags: .init(), environment: [:]) { _ in false } == nil)
    }
}

@Suite struct RolePolicyTests {
    func account(uid: UInt32, name: String?, groups: [UInt32] = [], groupNames: [String] = []) -> Account {
        Account(uid: uid, name: name, groups: groups, groupNames: groupNames)
    }

    @Test func mapsAccountsToRoles() {
        var security = SecurityConfig()
        security.adminUsers = ["alice"]
        security.operatorUsers = ["2002"]
        security.gatewayUsers = ["portal"]
        let policy = RolePolicy(security: security, daemonUID: 999)
        #expect(policy.role(of: account(uid: 0, name: "root")) == .admin)
        #expect(policy.role(of: account(uid: 999, name: "kinerja")) == .admin)
        #expect(policy.role(of: account(uid: 1001, name: "alice")) == .admin)
        #expect(policy.role(of: account(uid: 1005, name: "budi", groups: [3000], groupNames: ["kinerja-admin"])) == .admin)
        #expect(policy.role(of: account(uid: 1006, name: "sari", groups: [3001], groupNames: ["kinerja"])) == .operator)
        #expect(policy.role(of: account(uid: 2002, name: nil)) == .operator)
        #expect(policy.role(of: account(uid: 1500, name: "portal")) == .gateway)
        #expect(policy.role(of: account(uid: 65534, name: "nobody", groups: [65534], groupNames: ["nogroup"])) == nil)
    }

    @Test func rolesAreOrdered() {
        #expect(Role.gateway < .operator)
        #expect(Role.operator < .admin)
    }
}

/// Which program a plugin runs in (`plugins.host`, else `kinerja-plugin-host` beside the daemon or in
/// `<prefix>/lib/kinerja`, else the daemon itself).
@Suite struct PluginHostProgramTests {
    @Test func theHostBesideTheDaemonWinsThenTheInstalledOneThenTheDaemonItself() throws {
        let root = try TemporaryDirectories.make("khost")
        let manager = FileManager.default
        try manager.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try manager.createDirectory(atPath: root + "/lib/kinerja", withIntermediateDirectories: true)
        func place(_ path: String, mode: Int16) {
            #expect(manager.createFile(atPath: path, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: mode]))
        }
        let daemon = root + "/bin/kinerjad"
        place(daemon, mode: 0o755)
        #expect(PluginSettings.defaultHostExecutable(executable: daemon) == PluginSettings.selfExecutable)
        // A file that is not executable is not a program.
        place(root + "/lib/kinerja/kinerja-plugin-host", mode: 0o644)
        #expect(PluginSettings.defaultHostExecutable(executable: daemon) == PluginSettings.selfExecutable)
        chmod(root + "/lib/kinerja/kinerja-plugin-host", 0o755)
        #expect(PluginSettings.defaultHostExecutable(executable: daemon) == root + "/lib/kinerja/kinerja-plugin-host")
        place(root + "/bin/kinerja-plugin-host", mode: 0o755)
        #expect(PluginSettings.defaultHostExecutable(executable: daemon) == root + "/bin/kinerja-plugin-host")
        // Through a symbolic link to the daemon, its real folder counts.
        try manager.createSymbolicLink(atPath: root + "/kinerjad-link", withDestinationPath: daemon)
        #expect(PluginSettings.defaultHostExecutable(executable: root + "/kinerjad-link") == root + "/bin/kinerja-plugin-host")
    }

    @Test func theConfigNamesTheHostAndADaemonThatSharesTheRuntimeMayHostItself() throws {
        let config = try DaemonConfigFile.parse("[plugins]\nhost = \"libexec/kinerja-plugin-host\"\n", path: "/etc/kinerja/kinerjad.toml")
        #expect(config.plugins.host == "libexec/kinerja-plugin-host")
        let settings = DaemonSettings.pluginSettings(config.plugins) { "/etc/kinerja/" + $0 }
        #expect(settings.hostExecutable == "/etc/kinerja/libexec/kinerja-plugin-host")
        #expect(throws: (any Error).self) { try DaemonConfigFile.parse("[plugins]\nhost = \"\"\n", path: "kinerjad.toml") }
        // The test runner links the shared runtime: the daemon's own executable may host plugins here.
        #expect(PluginSettings.sharesSwiftRuntime)
        var itself = PluginSettings(directory: "/tmp")
        itself.hostExecutable = PluginSettings.selfExecutable
        #expect(itself.hostProblem == nil)
    }
}
