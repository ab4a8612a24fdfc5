"""The benchmark's Python grpcio client: calls one unary method on a Unix socket for a while, sequentially or from
several threads, and prints {"p50_ms", "p99_ms", "calls_per_second", "calls"} as JSON. The request and response
messages come from the descriptor set, so the same client drives kinerjad and the peer alike.

    .build-venv/bin/python bench/peer_client.py --socket PATH --descriptors SET.pb --method Status --seconds 5 --callers 1
"""
import argparse
import json
import threading
import time

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

METHODS = {
    'Status': ('/kinerja.v1.AdminService/Status', 'kinerja.v1.StatusRequest', 'kinerja.v1.StatusResponse'),
    'GetEmployee': ('/kinerja.v1.OrgService/GetEmployee', 'kinerja.v1.GetEmployeeRequest', 'kinerja.v1.EmployeeDetail'),
    # Not served by the peer: for measuring kinerjad alone (the portal's overview page).
    'GetOverview': ('/kinerja.v1.OrgService/GetOverview', 'kinerja.v1.GetOverviewRequest', 'kinerja.v1.Overview'),
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--socket', required=True)
    p.add_argument('--descriptors', required=True)
    p.add_argument('--method', choices=sorted(METHODS), required=True)
    p.add_argument('--nip', default='')
    p.add_argument('--seconds', type=float, default=5)
    p.add_argument('--callers', type=int, default=1)
    a = p.parse_args()
    pool = descriptor_pool.DescriptorPool()
    for f in descriptor_pb2.FileDescriptorSet.FromString(open(a.descriptors, 'rb').read()).file:
        pool.Add(f)
    path, request_name, response_name = METHODS[a.method]
    Request = message_factory.GetMessageClass(pool.FindMessageTypeByName(request_name))
    Response = message_factory.GetMessageClass(pool.FindMessageTypeByName(response_name))
    request = Request(nip=a.nip) if a.method in ('GetEmployee', 'GetOverview') else Request()
    channel = grpc.insecure_channel('unix:' + a.socket)
    call = channel.unary_unary(path, request_serializer=Request.SerializeToString, response_deserializer=Response.FromString)
    for _ in range(200):  # warm-up: connection, caches
        call(request, timeout=10)
    samples = [[] for _ in range(a.callers)]
    end = time.perf_counter() + a.seconds

    def run(mine):
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            call(request, timeout=10)
            mine.append(time.perf_counter() - t0)

    start = time.perf_counter()
    threads = [threading.Thread(target=run, args=(s,)) for s in samples]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    all_samples = sorted(x for s in samples for x in s)
    n = len(all_samples)
    print(json.dumps({
        'calls': n, 'calls_per_second': round(n / elapsed, 1),
        'p50_ms': round(all_samples[n // 2] * 1000, 3), 'p99_ms': round(all_samples[min(n - 1, n * 99 // 100)] * 1000, 3),
    }))
    channel.close()


if __name__ == '__main__':
    main()
