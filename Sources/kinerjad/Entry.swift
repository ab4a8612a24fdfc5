import ArgumentParser
import Foundation
import KinerjaPluginHost

@main
enum Entry {
    static func main() async {
        // `kinerjad plugin-host`: the daemon starts itself this way to run one plugin in a process of its own.
        // Decided before anything else runs, so that the host starts with a single thread (its sandbox covers every
        // thread started later).
        if CommandLine.arguments.count == 2 && CommandLine.arguments[1] == PluginHostProcess.argument {
            PluginHostProcess.run()
        }
        // `kinerjad restore BACKUP …`: its own command line (the daemon's options would otherwise claim --state-dir).
        if CommandLine.arguments.count >= 2 && CommandLine.arguments[1] == "restore" {
            RestoreCommand.main(Array(CommandLine.arguments.dropFirst(2)))
            exit(0)
        }
        await KinerjaDaemon.main()
    }
}
