import Foundation
import KinerjaPluginHost

/// `kinerja-plugin-host plugin-host`: one plugin in a process of its own, started by kinerjad (see `PluginHostProcess`).
/// A program of its own because the installed kinerjad has the Swift runtime linked in, while the plugins link the
/// shared one: mapped here, where the runtime is shared too, they find the one copy they expect.
@main
enum Entry {
    static func main() {
        guard CommandLine.arguments.count == 2 && CommandLine.arguments[1] == PluginHostProcess.argument else {
            FileHandle.standardError.write(Data("kinerja-plugin-host: started by kinerjad only (one plugin per process)\n".utf8))
            exit(2)
        }
        PluginHostProcess.run()
    }
}
