import Foundation
import GRPCCore
import KinerjaAPI
import SwiftProtobuf

/// gRPC server reflection (`grpc.reflection.v1`, and `v1alpha` for older clients) from the committed descriptor set
/// (`KinerjaDescriptorSet`): `grpcurl -plaintext -unix SOCKET list` and `describe` work without `-proto`.
struct ReflectionService: Grpc_Reflection_V1_ServerReflection.SimpleServiceProtocol {
    /// The files by name, which file defines each symbol, and the services.
    struct Index: Sendable {
        var files: [String: Google_Protobuf_FileDescriptorProto] = [:]
        var serialized: [String: Data] = [:]
        var symbols: [String: String] = [:]
        var services: [String] = []

        init() {
            guard let data = Data(base64Encoded: KinerjaDescriptorSet.base64),
                let set = try? Google_Protobuf_FileDescriptorSet(serializedBytes: data)
            else { return }
            for file in set.file {
                files[file.name] = file
                serialized[file.name] = try? file.serializedData()
                let prefix = file.package.isEmpty ? "" : file.package + "."
                func messages(_ list: [Google_Protobuf_DescriptorProto], _ scope: String) {
                    for m in list {
                        let name = scope + m.name
                        symbols[name] = file.name
                        for e in m.enumType { symbols[name + "." + e.name] = file.name }
                        messages(m.nestedType, name + ".")
                    }
                }
                messages(file.messageType, prefix)
                for e in file.enumType { symbols[prefix + e.name] = file.name }
                for s in file.service {
                    let name = prefix + s.name
                    symbols[name] = file.name
                    services.append(name)
                    for m in s.method { symbols[name + "." + m.name] = file.name }
                }
            }
            services.sort()
        }

        /// The file and every file it depends on, the file first.
        func withDependencies(_ name: String) -> [Data] {
            var seen: Set<String> = []
            var order: [String] = []
            func visit(_ n: String) {
                guard seen.insert(n).inserted, let f = files[n] else { return }
                order.append(n)
                for d in f.dependency { visit(d) }
            }
            visit(name)
            return order.compactMap { serialized[$0] }
        }
    }

    static let index = Index()

    static func answer(_ request: Grpc_Reflection_V1_ServerReflectionRequest) -> Grpc_Reflection_V1_ServerReflectionResponse {
        var response = Grpc_Reflection_V1_ServerReflectionResponse()
        response.validHost = request.host
        response.originalRequest = request
        func notFound(_ what: String) {
            response.errorResponse = .with {
                $0.errorCode = Int32(RPCError.Code.notFound.rawValue)
                $0.errorMessage = what
            }
        }
        switch request.messageRequest {
        case .listServices:
            response.listServicesResponse = .with { $0.service = index.services.map { name in .with { $0.name = name } } }
        case .fileByFilename(let name):
            if index.files[name] != nil {
                response.fileDescriptorResponse = .with { $0.fileDescriptorProto = index.withDependencies(name) }
            } else {
                notFound("no file '\(name.prefix(200))'")
            }
        case .fileContainingSymbol(let symbol):
            if let file = index.symbols[symbol] {
                response.fileDescriptorResponse = .with { $0.fileDescriptorProto = index.withDependencies(file) }
            } else {
                notFound("no symbol '\(symbol.prefix(200))'")
            }
        case .fileContainingExtension(let e):
            notFound("no extension \(e.extensionNumber) of '\(e.containingType.prefix(200))' (the API defines no extensions)")
        case .allExtensionNumbersOfType(let type):
            if index.symbols[type] != nil {
                response.allExtensionNumbersResponse = .with { $0.baseTypeName = type }
            } else {
                notFound("no type '\(type.prefix(200))'")
            }
        case nil:
            response.errorResponse = .with {
                $0.errorCode = Int32(RPCError.Code.invalidArgument.rawValue)
                $0.errorMessage = "the request asks nothing (set one of the message_request fields)"
            }
        }
        return response
    }

    func serverReflectionInfo(
        request: RPCAsyncSequence<Grpc_Reflection_V1_ServerReflectionRequest, any Error>,
        response: RPCWriter<Grpc_Reflection_V1_ServerReflectionResponse>, context: ServerContext
    ) async throws {
        for try await r in request { try await response.write(Self.answer(r)) }
    }
}

/// The same protocol under its earlier name: the messages are identical on the wire.
struct ReflectionServiceV1Alpha: Grpc_Reflection_V1alpha_ServerReflection.SimpleServiceProtocol {
    func serverReflectionInfo(
        request: RPCAsyncSequence<Grpc_Reflection_V1alpha_ServerReflectionRequest, any Error>,
        response: RPCWriter<Grpc_Reflection_V1alpha_ServerReflectionResponse>, context: ServerContext
    ) async throws {
        for try await r in request {
            let v1 = try Grpc_Reflection_V1_ServerReflectionRequest(serializedBytes: try r.serializedBytes() as [UInt8])
            let answer = ReflectionService.answer(v1)
            try await response.write(try Grpc_Reflection_V1alpha_ServerReflectionResponse(serializedBytes: try answer.serializedBytes() as [UInt8]))
        }
    }
}
