#!/usr/bin/env python3
"""Writes the README's table of RPCs (between the rpc-table markers) from the comments in proto/kinerja/v1:
each RPC's "Least role: ROLE (who, for a gateway)". `--check` fails when the README differs.
MethodPolicyTests checks that the comments and the table agree with the daemon's own table (MethodPolicy)."""
import glob, re, sys

def rpcs():
    out = []
    for path in sorted(glob.glob('proto/kinerja/v1/*.proto')):
        lines = open(path).read().split('\n')
        service = None
        for i, line in enumerate(lines):
            m = re.match(r'service (\w+)', line)
            if m:
                service = m.group(1)
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
