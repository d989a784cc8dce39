#!/usr/bin/env python3
"""Pads a real Playwright trace to a target size for bench:live: copies every entry, then adds
screencast frames (copies of the trace's own JPEGs under new names, with their events appended
to the end of trace.trace) until the zip reaches the size. Usage: make-big-trace.py IN OUT BYTES"""
import json, os, sys, zipfile

src, dst, target = sys.argv[1], sys.argv[2], int(sys.argv[3])
with zipfile.ZipFile(src) as zin:
    names = zin.namelist()
    trace_name = next(n for n in names if n.endswith('.trace'))
    lines = zin.read(trace_name).decode('utf-8').splitlines()
    frames = [json.loads(l) for l in lines if '"screencast-frame"' in l]
    if not frames:
        sys.exit('the trace has no screencast frames')
    last = max(f['timestamp'] for f in frames)
    with zipfile.ZipFile(dst, 'w', zipfile.ZIP_DEFLATED) as zout:
        for n in names:
            if n != trace_name:
                zout.writestr(n, zin.read(n), compress_type=zipfile.ZIP_STORED if n.endswith('.jpeg') else zipfile.ZIP_DEFLATED)
        extra, i, size = [], 0, os.path.getsize(src)
        while size < target:
            f = dict(frames[i % len(frames)])
            data = zin.read(f['file'])
            f['file'] = 'screencast/pad-%06d.jpeg' % i
            f['timestamp'] = last + 1 + i * 10
            zout.writestr(f['file'], data, compress_type=zipfile.ZIP_STORED)
            extra.append(json.dumps(f))
            size += len(data) + 100
            i += 1
        zout.writestr(trace_name, '\n'.join(lines + extra) + '\n')
