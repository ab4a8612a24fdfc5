#!/usr/bin/env python3
"""A hostile HTTP/2 client for the containment tests: opens STREAMS gRPC streams on kinerjad's Unix socket, each
declaring one request message of BYTES bytes, and sends body data as fast as the server's flow-control windows allow,
for at most SECONDS. Prints one JSON object: what the server advertised, how many body bytes it let through, and the
gRPC status each stream ended with.

    h2-flood.py SOCKET --streams 48 --bytes 255000000 --path /kinerja.v1.SKPService/ImportSKP --seconds 15
"""
import argparse
import json
import select
import socket
import struct
import time

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings


def flush(conn, s):
    """Sends what the connection has queued; False when the server has closed the socket."""
    out = conn.data_to_send()
    if out:
        try:
            s.sendall(out)
        except (BrokenPipeError, ConnectionResetError):
            return False
    return True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("socket")
    p.add_argument("--streams", type=int, default=48)
    p.add_argument("--bytes", type=int, default=255_000_000)
    p.add_argument("--path", default="/kinerja.v1.SKPService/ImportSKP")
    p.add_argument("--seconds", type=float, default=15)
    p.add_argument("--header", action="append", default=[], help="extra request header NAME=VALUE")
    a = p.parse_args()

    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(a.socket)
    conn = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    s.sendall(conn.data_to_send())

    headers = [(":method", "POST"), (":scheme", "http"), (":path", a.path), (":authority", "localhost"),
               ("content-type", "application/grpc"), ("te", "trailers")]
    for h in a.header:
        name, _, value = h.partition("=")
        headers.append((name, value))

    sent = {}  # stream id -> body bytes sent
    status = {}  # stream id -> grpc-status (or "reset")
    opened = 0
    refused_to_open = 0
    deadline = time.monotonic() + a.seconds
    chunk = b"\0" * 65536
    terminated = False
    while time.monotonic() < deadline and not terminated:
        # Open streams while the server allows more.
        while opened < a.streams:
            try:
                sid = conn.get_next_available_stream_id()
                conn.send_headers(sid, headers)
            except h2.exceptions.TooManyStreamsError:
                refused_to_open += 1
                break
            opened += 1
            sent[sid] = 0
            # The gRPC prefix: uncompressed, the declared length.
            conn.send_data(sid, struct.pack(">BI", 0, min(a.bytes, 0xFFFFFFFF)))
        # Send what the windows allow.
        progress = False
        for sid in list(sent):
            if sid in status or sent[sid] >= a.bytes:
                continue
            try:
                window = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size)
            except (h2.exceptions.StreamClosedError, KeyError):
                status.setdefault(sid, "closed")
                continue
            if window <= 0:
                continue
            n = min(window, a.bytes - sent[sid], len(chunk))
            try:
                conn.send_data(sid, chunk[:n])
            except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
                status.setdefault(sid, "closed")
                continue
            sent[sid] += n
            progress = True
        if not flush(conn, s):
            terminated = True
            break
        data = b""
        try:
            if select.select([s], [], [], 0.02)[0]:
                data = s.recv(1 << 20)
                if not data:
                    terminated = True
                    break
        except ConnectionResetError:
            terminated = True
            break
        if data:
            for ev in conn.receive_data(data):
                if isinstance(ev, (h2.events.ResponseReceived, h2.events.TrailersReceived)):
                    for k, v in ev.headers:
                        if k == "grpc-status":
                            status[ev.stream_id] = int(v)
                elif isinstance(ev, h2.events.StreamReset):
                    status.setdefault(ev.stream_id, "reset")
                elif isinstance(ev, h2.events.ConnectionTerminated):
                    terminated = True
            if not flush(conn, s):
                terminated = True
        if not progress and not data and len(status) >= opened and opened >= a.streams:
            break
    counts = {}
    for v in status.values():
        counts[str(v)] = counts.get(str(v), 0) + 1
    print(json.dumps({
        "max_concurrent_streams": conn.remote_settings.max_concurrent_streams,
        "initial_window_size": conn.remote_settings.initial_window_size,
        "streams_opened": opened,
        "body_bytes_sent": sum(sent.values()),
        "statuses": counts,
        "connection_closed": terminated,
    }))


if __name__ == "__main__":
    main()
