"""An independent gRPC client (Python grpcio, grpcio-health-checking, grpcio-reflection) against kinerjad's socket:
the health service answers SERVING, server reflection lists and describes every service, and a call built only from
the reflected descriptors (no .proto files) works. Prints one line per check; exits 1 on the first failure.

    .build-venv/bin/python tests/grpc/probe_health_reflection.py SOCKET
"""
import sys

import grpc
from google.protobuf import descriptor_pool, message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase


def check(condition, what):
    print(('ok   ' if condition else 'FAIL ') + what, flush=True)
    if not condition:
        sys.exit(1)


def main(socket):
    channel = grpc.insecure_channel('unix:' + socket)
    health = health_pb2_grpc.HealthStub(channel)
    serving = health_pb2.HealthCheckResponse.SERVING
    check(health.Check(health_pb2.HealthCheckRequest(service=''), timeout=10).status == serving, 'health Check("") is SERVING')
    check(health.Check(health_pb2.HealthCheckRequest(service='kinerja.v1.AdminService'), timeout=10).status == serving,
          'health Check("kinerja.v1.AdminService") is SERVING')
    try:
        health.Check(health_pb2.HealthCheckRequest(service='no.such.Service'), timeout=10)
        check(False, 'health Check of an unknown service is NOT_FOUND')
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.NOT_FOUND, f'health Check of an unknown service is NOT_FOUND ({e.code().name})')
    watch = health.Watch(health_pb2.HealthCheckRequest(service=''), timeout=10)
    first = next(watch)
    watch.cancel()
    check(first.status == serving, 'health Watch("") starts with SERVING')

    # Reflection as grpcurl and Python tools use it (v1alpha), without any .proto file.
    db = ProtoReflectionDescriptorDatabase(channel)
    services = set(db.get_services())
    for name in ['kinerja.v1.AdminService', 'kinerja.v1.OrgService', 'kinerja.v1.AppraisalService', 'kinerja.v1.TPPService',
                 'grpc.health.v1.Health', 'grpc.reflection.v1.ServerReflection']:
        check(name in services, f'reflection lists {name}')
    pool = descriptor_pool.DescriptorPool(db)
    admin = pool.FindServiceByName('kinerja.v1.AdminService')
    check('Status' in [m.name for m in admin.methods], 'reflection describes AdminService.Status')
    overview = pool.FindMessageTypeByName('kinerja.v1.Overview')
    check('acting' in overview.fields_by_name and overview.fields_by_name['employee'].message_type.name == 'Employee',
          'reflection describes kinerja.v1.Overview with its dependency org.proto')
    # A call made only from the reflected descriptors.
    status = admin.methods_by_name['Status']
    request_class = message_factory.GetMessageClass(status.input_type)
    response_class = message_factory.GetMessageClass(status.output_type)
    call = channel.unary_unary('/kinerja.v1.AdminService/Status', request_serializer=request_class.SerializeToString,
                               response_deserializer=response_class.FromString)
    answer = call(request_class(), timeout=10)
    check(answer.version != '', f'AdminService/Status called from reflected descriptors: version {answer.version}')
    print('version ' + answer.version)

    # The same questions under the v1 name (identical messages on the wire), and an unknown symbol.
    v1 = channel.stream_stream('/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
                               request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
                               response_deserializer=reflection_pb2.ServerReflectionResponse.FromString)
    answers = list(v1(iter([reflection_pb2.ServerReflectionRequest(list_services=''),
                            reflection_pb2.ServerReflectionRequest(file_containing_symbol='no.such.Symbol')]), timeout=10))
    check(len(answers) == 2 and any(s.name == 'kinerja.v1.SKPService' for s in answers[0].list_services_response.service),
          'grpc.reflection.v1 lists the services too')
    check(answers[1].error_response.error_code == grpc.StatusCode.NOT_FOUND.value[0], 'an unknown symbol is NOT_FOUND')
    channel.close()


def watch(socket):
    """Prints each status a Watch stream brings until the stream ends (the daemon stopping)."""
    channel = grpc.insecure_channel('unix:' + socket)
    health = health_pb2_grpc.HealthStub(channel)
    try:
        for answer in health.Watch(health_pb2.HealthCheckRequest(service=''), timeout=60):
            print(health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status), flush=True)
    except grpc.RpcError as e:
        print('ended ' + e.code().name, flush=True)
    print('end', flush=True)


if __name__ == '__main__':
    if sys.argv[1] == '--watch':
        watch(sys.argv[2])
    else:
        main(sys.argv[1])
