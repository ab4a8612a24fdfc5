#!/usr/bin/env python3
"""Writes the README's table of RPCs (between the rpc-table markers) from the comments in proto/kinerja/v1 and proto/grpc:
each RPC's "Least role: ROLE (who, for a gateway)". `--check` fails when the README differs.
MethodPolicyTests checks that the comments and the table agree with the daemon's own table (MethodPolicy)."""
import glob, re, sys

def rpcs():
    out = []
    paths = sorted(glob.glob('proto/kinerja/v1/*.proto')) + sorted(glob.glob('proto/grpc/**/*.proto', recursive=True))
    for path in paths:
        lines = open(path).read().split('\n')
        service = None
        package = next((re.match(r'package ([\w.]+);', l).group(1) for l in lines if l.startswith('package ')), '')
        for i, line in enumerate(lines):
            m = re.match(r'service (\w+)', line)
            if m:
                # The daemon's own services by their short name; the standard gRPC ones fully qualified.
                service = m.group(1) if package == 'kinerja.v1' else package + '.' + m.group(1)
            m = re.match(r'\s*rpc (\w+)\(', line)
            if not m:
                continue
            j, comment = i - 1, []
            while j >= 0 and lines[j].strip().startswith('//'):
                comment.insert(0, lines[j].strip()[2:].strip())
                j -= 1
            text = ' '.join(comment)
            r = re.search(r'Least role: (\w+)(?:\s*\(([^)]*)\))?', text)
            if not r:
                sys.exit(f'{path}: rpc {m.group(1)} names no least role')
            what = re.sub(r'^' + m.group(1) + r'\s+', '', text.split('. ')[0].rstrip('.'))
            out.append((service, m.group(1), r.group(1), r.group(2) or '', what))
    return out

def table():
    rows = ['| RPC | least role | a gateway may call it for | what it does |', '|---|---|---|---|']
    for service, rpc, role, who, what in rpcs():
        rows.append(f'| `{service}.{rpc}` | {role} | {who if role == "gateway" else "—"} | {what} |')
    return '\n'.join(rows) + '\n'

begin, end = '<!-- rpc-table:begin -->\n', '<!-- rpc-table:end -->'
readme = open('README.md').read()
a, b = readme.index(begin) + len(begin), readme.index(end)
fresh = readme[:a] + table() + readme[b:]
if '--check' in sys.argv:
    if fresh != readme:
        sys.exit('README.md: the RPC table is stale: run `make rpc-table`')
else:
    open('README.md', 'w').write(fresh)
