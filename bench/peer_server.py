"""The benchmark's peer: a Python grpcio server answering kinerja.v1.AdminService/Status and OrgService/GetEmployee
from the same proto (the descriptor set protoc writes from proto/) on a Unix socket, doing the same SQLite reads as
kinerjad on a copy of its database. `make bench` starts it beside kinerjad and drives both with the same clients.

    .build-venv/bin/python bench/peer_server.py --socket PATH --database FILE --descriptors SET.pb
"""
import argparse
import os
import signal
import sqlite3
import threading
import time
from concurrent import futures

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

EMPLOYEE = ('nip, name, kind, golongan, jabatan, jenis_jabatan, jabatan_fungsional, kelas_jabatan, unit_code, supervisor_nip, '
            'email, phone, active, cpns, jabatan_since')


def load(descriptors):
    pool = descriptor_pool.DescriptorPool()
    files = descriptor_pb2.FileDescriptorSet.FromString(open(descriptors, 'rb').read())
    for f in files.file:
        pool.Add(f)
    return lambda name: message_factory.GetMessageClass(pool.FindMessageTypeByName(name))


class Peer:
    def __init__(self, database, socket, messages):
        self.database = database
        self.socket = socket
        self.started = time.time()
        self.local = threading.local()
        self.StatusResponse = messages('kinerja.v1.StatusResponse')
        self.StatusRequest = messages('kinerja.v1.StatusRequest')
        self.GetEmployeeRequest = messages('kinerja.v1.GetEmployeeRequest')
        self.EmployeeDetail = messages('kinerja.v1.EmployeeDetail')

    def db(self):
        # One read-only connection per worker thread, as kinerjad keeps a pool of readers.
        c = getattr(self.local, 'db', None)
        if c is None:
            c = sqlite3.connect(f'file:{self.database}?mode=ro', uri=True, check_same_thread=False)
            self.local.db = c
        return c

    def status(self, request, context):
        db = self.db()
        r = self.StatusResponse()
        r.version = '0.1.0-peer'
        r.pid = os.getpid()
        r.uptime_seconds = int(time.time() - self.started)
        r.socket = self.socket
        r.log_level = 'info'
        r.database.path = self.database
        r.database.schema_version = db.execute('SELECT count(*) FROM grdb_migrations').fetchone()[0]
        pages = db.execute('PRAGMA page_count').fetchone()[0]
        size = db.execute('PRAGMA page_size').fetchone()[0]
        r.database.size_bytes = pages * size
        r.database.sqlite_version = db.execute('SELECT sqlite_version()').fetchone()[0]
        return r

    def employee(self, row, m):
        (m.nip, m.name, m.kind, m.golongan, m.jabatan, m.jenis_jabatan, jf, m.kelas_jabatan, m.unit_code, sup, m.email,
         m.phone, active, cpns, since) = row
        m.jabatan_fungsional = jf or ''
        m.supervisor_nip = sup or ''
        m.active = bool(active)
        m.cpns = bool(cpns)
        m.jabatan_since = since or ''

    def get_employee(self, request, context):
        db = self.db()
        nip = request.nip.strip()
        if len(nip) != 18 or not nip.isdigit():
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f'NIP {nip[:40]!r} must be 18 digits')
        row = db.execute(f'SELECT {EMPLOYEE} FROM employees WHERE nip = ?', (nip,)).fetchone()
        if row is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f'no employee {nip}')
        d = self.EmployeeDetail()
        self.employee(row, d.employee)
        unit = db.execute('SELECT name FROM units WHERE code = ?', (d.employee.unit_code,)).fetchone()
        d.unit_name = unit[0] if unit else ''
        sup, seen = d.employee.supervisor_nip, set()
        while sup and sup not in seen:
            seen.add(sup)
            s = db.execute(f'SELECT {EMPLOYEE} FROM employees WHERE nip = ?', (sup,)).fetchone()
            if s is None:
                break
            self.employee(s, d.supervisor_chain.add())
            sup = s[9]
        for s in db.execute(f'SELECT {EMPLOYEE} FROM employees WHERE supervisor_nip = ? ORDER BY nip', (nip,)):
            self.employee(s, d.subordinates.add())
        d.heads_units.extend(r[0] for r in db.execute('SELECT code FROM units WHERE head_nip = ? ORDER BY code', (nip,)))
        for a in db.execute('SELECT id, unit_code, kind, from_date, to_date FROM acting_assignments WHERE nip = ?', (nip,)):
            x = d.acting.add()
            x.id, x.unit_code, x.kind, x.to = a[0], a[1], a[2], a[4]
            setattr(x, 'from', a[3])
        for h in db.execute('SELECT changed_on, supervisor_nip, unit_code, jabatan FROM employee_history WHERE nip = ? ORDER BY changed_on', (nip,)):
            x = d.history.add()
            x.changed_on, x.supervisor_nip, x.unit_code, x.jabatan = h[0], h[1] or '', h[2], h[3]
        return d


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--socket', required=True)
    p.add_argument('--database', required=True)
    p.add_argument('--descriptors', required=True)
    p.add_argument('--workers', type=int, default=16)
    a = p.parse_args()
    peer = Peer(a.database, a.socket, load(a.descriptors))
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=a.workers))
    server.add_generic_rpc_handlers([
        grpc.method_handlers_generic_handler('kinerja.v1.AdminService', {
            'Status': grpc.unary_unary_rpc_method_handler(
                peer.status, request_deserializer=peer.StatusRequest.FromString, response_serializer=lambda m: m.SerializeToString()),
        }),
        grpc.method_handlers_generic_handler('kinerja.v1.OrgService', {
            'GetEmployee': grpc.unary_unary_rpc_method_handler(
                peer.get_employee, request_deserializer=peer.GetEmployeeRequest.FromString,
                response_serializer=lambda m: m.SerializeToString()),
        }),
    ])
    if os.path.exists(a.socket):
        os.unlink(a.socket)
    server.add_insecure_port('unix:' + a.socket)
    server.start()
    print('peer ready', flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop(1).wait()


if __name__ == '__main__':
    main()
