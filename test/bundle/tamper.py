#!/usr/bin/env python3
"""Writes tampered copies of a road_runner bundle: tamper.py GOOD.tar.gz OUTDIR MODE[=ARG]...
makes OUTDIR/MODE.tar.gz for each MODE (one Python start for all of them).

Every mode starts from the good bundle's entries (one top folder, the bag) and changes one thing,
the way a hostile or damaged bundle would. Used by test/bundle/tampered.test.ts.
"""
import io
import sys
import tarfile

good, outdir, specs = sys.argv[1], sys.argv[2], sys.argv[3:]

with tarfile.open(good, 'r:gz') as src:
    original = [(m, src.extractfile(m).read() if m.isfile() else None) for m in src.getmembers()]
bag = original[0][0].name.split('/')[0]


def info(name, type_=tarfile.REGTYPE, size=0, **kw):
    ti = tarfile.TarInfo(name)
    ti.type = type_
    ti.size = size
    ti.mode = 0o644
    for k, v in kw.items():
        setattr(ti, k, v)
    return ti


def craft(mode, arg, out):
    members = list(original)
    extra = []  # (TarInfo, bytes|None) appended at the end
    if mode == 'checksum':
        # One byte of data/plan.json changed; the manifest still has the old hash.
        members = [(m, (d[:10] + bytes([d[10] ^ 0x01]) + d[11:]) if m.name == f'{bag}/data/plan.json' else d) for m, d in members]
    elif mode == 'tag':
        members = [(m, d.replace(b'Road-Runner-Unit: ', b'Road-Runner-Unit: X') if m.name == f'{bag}/bag-info.txt' else d) for m, d in members]
    elif mode == 'missing':
        members = [(m, d) for m, d in members if m.name != f'{bag}/data/summary.json']
    elif mode == 'extra':
        extra.append((info(f'{bag}/data/extra.txt', size=5), b'extra'))
    elif mode == 'duplicate':
        m, d = next((m, d) for m, d in members if m.name == f'{bag}/data/plan.json')
        extra.append((m, d))
    elif mode == 'dotdot':
        extra.append((info(arg, size=4), b'evil'))
    elif mode == 'absolute':
        extra.append((info(arg, size=4), b'evil'))
    elif mode == 'symlink':
        extra.append((info(f'{bag}/data/link', tarfile.SYMTYPE, linkname=arg or '/etc/passwd'), None))
    elif mode == 'hardlink':
        extra.append((info(f'{bag}/data/hard', tarfile.LNKTYPE, linkname=f'{bag}/data/plan.json'), None))
    elif mode == 'device':
        extra.append((info(f'{bag}/data/dev', tarfile.CHRTYPE, devmajor=1, devminor=3), None))
    elif mode == 'fifo':
        extra.append((info(f'{bag}/data/fifo', tarfile.FIFOTYPE), None))
    elif mode == 'outside':
        extra.append((info('other/file.txt', size=4), b'evil'))
    else:
        sys.exit(f'unknown mode {mode}')

    # Hostile entries come right after the bag folder, so a reader that does not check meets them early.
    order = members[:1] + extra + members[1:] if mode in ('dotdot', 'absolute', 'symlink', 'hardlink', 'device', 'fifo') else members + extra
    with tarfile.open(out, 'w:gz', format=tarfile.PAX_FORMAT) as dst:
        for m, d in order:
            dst.addfile(m, io.BytesIO(d) if d is not None else None)


for spec in specs:
    mode, _, arg = spec.partition('=')
    craft(mode, arg or None, f'{outdir}/{mode}.tar.gz')
