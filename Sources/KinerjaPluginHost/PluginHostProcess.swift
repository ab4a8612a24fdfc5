import CKinerjaHostSystem
import CKinerjaPlugin
import Foundation
import KinerjaPluginAPI
import SwiftProtobuf
import Synchronization

/// The plugin host: a child process of `kinerjad` (the daemon's own executable started as `kinerjad plugin-host`)
/// that maps one plugin module and serves its calls over the socket on descriptor 3. A plugin that crashes, exits
/// or spins takes only this process with it; the daemon restarts it.
///
/// Start-up: every descriptor but 0–3 is closed, the process dies with its parent, the module is mapped
/// (`dlopen`, which reads the module and its libraries), then the process restricts itself with Landlock where the
/// kernel has it (read-only access below the folders the daemon names, no TCP, no signals to other processes)
/// before the plugin's own code (init) runs.
package enum PluginHostProcess {
    /// The first argument that makes `kinerjad` a plugin host.
    package static let argument = "plugin-host"
    /// The host's end of the socketpair.
    static let socketFD: Int32 = 3

    package static func run() -> Never {
        signal(SIGPIPE, SIG_IGN)
        kinerja_close_from(socketFD + 1)
        if getppid() == 1 || kinerja_die_with_parent(getppid()) != 0 { exit(0) }
        let channel = Channel(fd: socketFD)

        guard let first = try? HostFrame.read(from: socketFD), first.kind == .load else { exit(2) }
        var payload = first.payload
        guard let path = try? payload.string(), let config = try? payload.blob(), let count = try? payload.u32() else { exit(2) }
        var readOnly: [String] = []
        for _ in 0..<count { if let p = try? payload.string() { readOnly.append(p) } }

        let module: PluginModule
        switch PluginModule.open(path: path, log: { level, message in channel.log(level: level, message) }) {
        case .success(let m): module = m
        case .failure(let error):
            channel.refuse(error)
            exit(0)
        }
        let sandbox = restrict(to: readOnly)
        let description: Kinerja_Plugin_V1_DescribeResponse
        switch module.initialise(config: config) {
        case .success(let d): description = d
        case .failure(let error):
            channel.refuse(error, language: module.language)
            exit(0)
        }
        channel.send(
            HostFrame.encode(.loaded) { w in
                w.string(module.id)
                w.string(module.version)
                w.u32(module.descriptor.pointee.abi_version)
                w.blob((try? description.serializedBytes()) ?? [])
                w.string(sandbox)
                w.string(module.language)
            })

        let calls = DispatchQueue(label: "kinerja.plugin-host.calls", attributes: .concurrent)
        while true {
            let frame: HostFrame.Frame
            do {
                frame = try HostFrame.read(from: socketFD)
            } catch {
                exit(0)  // the daemon closed its end (or is gone)
            }
            switch frame.kind {
            case .call:
                var p = frame.payload
                guard let method = try? p.string(), let request = try? p.blob() else { exit(2) }
                let id = frame.id
                calls.async {
                    let result = module.invoke(method: method, request: request)
                    channel.send(
                        HostFrame.encode(.result, id: id) { w in
                            switch result {
                            case .ok(let bytes):
                                w.u8(0)
                                w.blob(bytes)
                            case .error(let message):
                                w.u8(1)
                                w.string(message)
                            case .unimplemented:
                                w.u8(2)
                                w.blob([])
                            }
                        })
                }
            case .shutdown:
                module.shutdown()
                exit(0)
            default:
                exit(2)
            }
        }
    }

    /// Landlock: read-only below `paths`, nothing else on the filesystem; says what was applied.
    static func restrict(to paths: [String]) -> String {
        let c = paths.map { strdup($0) }
        defer { c.forEach { free($0) } }
        let rc = c.map { UnsafePointer($0) }.withUnsafeBufferPointer { kinerja_landlock_restrict($0.baseAddress, $0.count) }
        if rc > 0 { return "landlock ABI \(rc): read-only \(paths.joined(separator: ", ")); no TCP; no signals outside" }
        if rc == 0 { return "none: the kernel has no Landlock" }
        return "none: Landlock failed: \(String(cString: strerror(-rc)))"
    }

    /// The host's end of the socket: frames from any thread, one at a time.
    final class Channel: Sendable {
        let fd: Int32
        private let lock = Mutex(())

        init(fd: Int32) { self.fd = fd }

        func send(_ bytes: [UInt8]) {
            let ok = lock.withLock { _ in HostFrame.write(bytes, to: fd) }
            if !ok { exit(0) }
        }

        func log(level: Int32, _ message: String) {
            send(
                HostFrame.encode(.log) { w in
                    w.u8(UInt8(truncatingIfNeeded: level))
                    w.string(message)
                })
        }

        func refuse(_ error: PluginModule.LoadError, language: String = "") {
            send(
                HostFrame.encode(.refused) { w in
                    switch error {
                    case .refused(let message):
                        w.u8(0)
                        w.string("")
                        w.string(message)
                    case .initFailed(let id, let message):
                        w.u8(1)
                        w.string(id)
                        w.string(message)
                    }
                    w.string(language)
                })
        }
    }
}
