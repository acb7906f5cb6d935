#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""kvmmu test harness: build test kernels, boot them under qemu, collect verdicts.

kvmmu can only be exercised inside a booted kernel, so every test run is:

  1. a kernel (built from Debian's linux-source-* with our config fragments,
     cached outside the repository, or Debian's stock vmlinuz),
  2. kvmmu.ko and the KUnit test module built against that kernel,
  3. an initramfs holding busybox, the modules, the static selftests and
     tests/qemu/init,
  4. a qemu-system-x86_64 boot (TCG) whose *second* serial port carries the
     results.  init opens that port and unlinks its device node before any
     test runs, so nothing but init can write there; a panic, a hang or a
     lost result leaves the verdict incomplete, which is a failure.

The kernel console (first serial port) is scanned for splats; each one is
reported against the test that was running when it appeared, using the
markers init writes to /dev/kmsg.

This file is the command line and the runs (one flavour, make check, the
harness self-tests, the demo); the parts live in kvmmu_harness/, one
module per stage: common, kernels, builds, boot, verdict, report and the
static checks.  Their offline tests are tests/qemu/harness_test.py.
"""

import argparse
import os
import re
import subprocess
import sys
import time

from kvmmu_harness.boot import boot, initramfs
from kvmmu_harness.builds import (build_demo, build_modules, build_selftests,
                                  build_vm_types)
from kvmmu_harness.common import OUT, QEMU_DIR, HarnessError, log, setup
from kvmmu_harness.kernels import (FLAVOURS, KERNELS, STOCK, kernel,
                                   stock_kernel, stock_modules)
from kvmmu_harness.report import Result, report
from kvmmu_harness.static import (dkms_build, kernel_doc, parser_tests, sparse,
                                  stock_build, stock_kdir, style)
from kvmmu_harness.verdict import (parse_results, scan_console, selftest_runs,
                                   vm_type_names)


def run_flavour(flavour, suite_glob='*', test_glob='*', inject=None,
                timeout=None):
    """Build everything for @flavour, boot it, and return its Result."""
    res = Result()
    outdir = os.path.join(OUT, flavour)
    os.makedirs(outdir, exist_ok=True)
    t0 = time.time()
    try:
        if flavour in STOCK:
            _, kdir, bzimage = stock_kernel(flavour)
            extra = ''
        else:
            kdir, _ = kernel(flavour)
            bzimage = os.path.join(kdir, 'arch', 'x86', 'boot', 'bzImage')
            extra = 'kasan_multi_shot' if flavour == 'debug' else ''
        mods = build_modules(kdir, os.path.join(outdir, 'module'))
        res.add('pass', 'build kvmmu.ko', f'-Werror against {kdir}')
        modpaths = [os.path.join(outdir, 'module', m) for m in mods]
        preload = []
        if flavour in STOCK:
            # Stock zram is a module: the swap tests load zsmalloc and zram
            # from /lib/kvmmu themselves; init loads what else zram needs
            # (6.12: its lz4 compressors) first, as modprobe would.
            paths, preload = stock_modules(
                bzimage, ['zsmalloc', 'zram'],
                os.path.join(outdir, 'stock-modules'))
            modpaths += paths
        kunit_mods = [m for m in mods if m != 'kvmmu.ko']
        extra_mods, extra_args = [], ''
        if inject:
            fmods = build_modules(kdir, os.path.join(outdir, 'fault'),
                                  src=os.path.join(QEMU_DIR, 'fault'))
            modpaths += [os.path.join(outdir, 'fault', m) for m in fmods]
            if inject == 'kunit-fail':
                kunit_mods = ['kvmmu_harness_kunit_fail.ko']
            else:
                kunit_mods = []
                extra_mods = ['kvmmu_harness_fault.ko']
                extra_args = f'mode={inject}'
        st_dir = build_selftests()
        tests = sorted(t for t in os.listdir(st_dir)
                       if os.access(os.path.join(st_dir, t), os.X_OK)
                       and not t.endswith('.log'))
        if inject:
            tests = []
        runs = selftest_runs(tests, suite_glob, vm_type_names())
        sel = sorted(set(r.split('[', 1)[0] for r in runs))
        conf = {
            'EXTRA_MODULES': ' '.join(extra_mods),
            'EXTRA_ARGS': extra_args,
            'KUNIT_MODULES': ' '.join(kunit_mods),
            'SELFTESTS': ' '.join(runs),
            'PRELOAD_MODULES': ' '.join(preload),
        }
        bins = []
        if any('[' in r for r in runs):
            conf['VM_TYPE_NAMES'] = ' '.join(vm_type_names())
            bins.append(build_vm_types(os.path.join(OUT, 'tools')))
        cpio = initramfs(outdir, modpaths,
                         [os.path.join(st_dir, t) for t in sel], conf,
                         bins=bins)
    except (HarnessError, OSError, subprocess.CalledProcessError) as e:
        res.add('fail', 'build', str(e))
        return res
    if timeout is None:
        timeout = 1200 if flavour == 'debug' else 400
    log(f'{flavour}: booting (timeout {timeout}s); logs in {outdir}')
    con, resl, timed_out, took, qemu_err = boot(outdir, bzimage, cpio,
                                                timeout, extra)
    if qemu_err:
        res.add('fail', 'qemu', qemu_err[-500:])
    if timed_out:
        res.add('fail', 'timeout', f'no verdict after {timeout}s: hang')
    parse_results(res, resl, suite_glob, test_glob, runs)
    scan_console(res, con)
    log(f'{flavour}: booted and ran in {took:.0f}s '
        f'({time.time() - t0:.0f}s with builds)')
    return res


def static_checks(dkms=True):
    """make check's static group.  @dkms: also dkms add/build/remove,
    which writes to /usr/src and /var/lib/dkms (make check-static, which
    installs nothing, leaves it out)."""
    res = Result()
    parser_tests(res)
    style(res)
    kernel_doc(res)
    abi, kdir, _ = stock_kernel()
    stock_build(res, kdir)
    sparse(res, kdir)
    # The test kernels have KUnit, so sparse sees the test module too;
    # 7.3 is the newest API kvmmu builds against.
    for fl in ('fast', '7.3'):
        try:
            sparse(res, kernel(fl)[0])
        except HarnessError as e:
            res.add('fail', f'sparse C=2 ({fl})', str(e))
    if dkms:
        dkms_build(res, abi)
    return res


def check(flavours, suite_glob, test_glob, static=True):
    setup()
    results = []
    t0 = time.time()
    if static:
        results.append(('static', static_checks()))
    for fl in flavours:
        results.append((fl, run_flavour(fl, suite_glob, test_glob)))
    log(f'check took {time.time() - t0:.0f}s')
    return report(results)


INJECTIONS = {
    # mode: (what the harness must report, a regexp over failed items)
    'kunit-fail': ('a failing KUnit case',
                   r'^kunit kvmmu_harness_kunit_fail\.harness_kunit_fail:'),
    'warn': ('a WARN in the kernel log',
             r'kernel log during "load kvmmu_harness_fault\.ko".*WARNING'),
    'oops': ('an oops in a module',
             r'kernel log during "load kvmmu_harness_fault\.ko": '
             r'.*BUG: kernel NULL pointer dereference'),
    'panic': ('a kernel panic', r'^verdict:'),
    'hang': ('a hang', r'^timeout:'),
}


def harness_selftest(modes):
    """Each injected fault must make the normal machinery report failure."""
    setup()
    res = Result()
    for mode in modes:
        what, pattern = INJECTIONS[mode]
        got = run_flavour('fast', inject=mode,
                          timeout=90 if mode == 'hang' else None)
        fails = [f'{n}: {d}' for s, n, d in got.items if s == 'fail']
        if any(re.search(pattern, f, re.S) for f in fails):
            res.add('pass', f'harness reports {what}', fails[0])
        else:
            res.add('fail', f'harness reports {what}',
                    'not reported as expected; failures seen: '
                    + ('; '.join(fails) or 'none'))
    return report([('harness', res)])


def demo(mode, flavour, args):
    """make demo / make bench: boot @flavour with kvmmu-demo as the only
    payload and stream its output as it arrives on the verdict channel.
    The verdict is the demo's exit status plus the usual checks (load,
    unload, taint, complete stream, kernel log)."""
    if any("'" in a for a in args):
        raise HarnessError('demo arguments cannot contain quotes')
    if mode == 'bench':
        args = ['--bench'] + args
    setup()
    res = Result()
    outdir = os.path.join(OUT, mode)
    os.makedirs(outdir, exist_ok=True)
    try:
        if flavour in STOCK:
            _, kdir, bzimage = stock_kernel(flavour)
        else:
            kdir, _ = kernel(flavour)
            bzimage = os.path.join(kdir, 'arch', 'x86', 'boot', 'bzImage')
        moddir = os.path.join(outdir, 'module')
        # make bench also runs the rmap micro-benchmark module (it needs
        # KUnit's exports, so kernels without KUnit skip it).
        mods = build_modules(kdir, moddir,
                             extra=['KVMMU_BENCH=1'] if mode == 'bench' else [])
        bench = [m for m in mods if m == 'kvmmu_rmap_bench.ko']
        res.add('pass', 'build kvmmu.ko', f'-Werror against {kdir}')
        binary = build_demo(outdir)
        res.add('pass', 'build kvmmu-demo', 'static, -Wall -Werror')
        conf = {'EXTRA_MODULES': '', 'EXTRA_ARGS': '', 'KUNIT_MODULES': '',
                'SELFTESTS': '', 'DEMO': '1', 'DEMO_ARGS': ' '.join(args),
                'BENCH_MODULES': ' '.join(bench)}
        cpio = initramfs(outdir,
                         [os.path.join(moddir, m) for m in ['kvmmu.ko'] + bench],
                         [], conf, bins=[binary])
    except (HarnessError, OSError, subprocess.CalledProcessError) as e:
        res.add('fail', 'build', str(e))
        return report([(mode, res)])
    duration = 40
    for i, a in enumerate(args[:-1]):
        if a in ('-d', '--duration') and args[i + 1].isdigit():
            duration = int(args[i + 1])
    timeout = (1200 if flavour == 'debug' else 400) + 3 * duration

    def follow(line):
        if line.startswith('| ') or line == '|':
            print(line[2:], flush=True)

    log(f'{mode}: booting {flavour} (timeout {timeout}s); logs in {outdir}')
    con, resl, timed_out, took, qemu_err = boot(
        outdir, bzimage, cpio, timeout,
        'kasan_multi_shot' if flavour == 'debug' else '', follow=follow)
    if qemu_err:
        res.add('fail', 'qemu', qemu_err[-500:])
    if timed_out:
        res.add('fail', 'timeout', f'no verdict after {timeout}s: hang')
    parse_results(res, resl, '*', '*')
    scan_console(res, con)
    log(f'{mode}: booted and ran in {took:.0f}s')
    return report([(mode, res)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    k = sub.add_parser('kernel', help='build (or reuse) test kernels')
    k.add_argument('flavours', nargs='*', default=list(KERNELS))
    c = sub.add_parser('check', help='static checks, every flavour, summary')
    c.add_argument('--flavour', action='append', choices=FLAVOURS,
                   help='run only this flavour (repeatable)')
    c.add_argument('--suite', default='*',
                   help='glob over KUnit suite, selftest binary and per-VM-'
                   'type run names ("coherency_test[x86_shadow]"; [ and ] '
                   'match themselves)')
    c.add_argument('--test', default='*', help='glob over test case names')
    c.add_argument('--no-static', action='store_true',
                   help='skip style, sparse and the stock-headers build')
    h = sub.add_parser('harness-selftest',
                       help='show that injected faults are reported')
    h.add_argument('modes', nargs='*', default=list(INJECTIONS))
    sub.add_parser('static', help='the static group of check (no DKMS), '
                   'installing nothing')
    sub.add_parser('style', help='checkpatch --strict on our C files')
    sub.add_parser('kernel-doc', help='scripts/kernel-doc -none on our C '
                   'files')
    sp = sub.add_parser('sparse', help='sparse C=2 on our files')
    sp.add_argument('--kdir', help='kernel build dir (default: stock)')
    for mode, what in (('demo', 'run the demo VMM (tools/kvmmu-demo) in '
                        'a booted kernel, streaming its output'),
                       ('bench', 'run kvmmu-demo --bench in a booted '
                        'kernel: fault-in and access rates')):
        d = sub.add_parser(mode, help=what,
                           usage='%(prog)s [--flavour F] [-- ARGS...]')
        d.add_argument('--flavour', default='fast', choices=FLAVOURS)
        d.add_argument('args', nargs=argparse.REMAINDER,
                       help='arguments for kvmmu-demo, after --')
    args = ap.parse_args()
    try:
        if args.cmd == 'kernel':
            for fl in args.flavours:
                print(kernel(fl)[0])
            return 0
        if args.cmd == 'check':
            fls = args.flavour or FLAVOURS
            static = not args.no_static and not args.flavour
            return 0 if check(fls, args.suite, args.test, static) else 1
        if args.cmd == 'harness-selftest':
            return 0 if harness_selftest(args.modes) else 1
        if args.cmd in ('demo', 'bench'):
            extra = args.args[1:] if args.args[:1] == ['--'] else args.args
            return 0 if demo(args.cmd, args.flavour, extra) else 1
        if args.cmd == 'static':
            ok = report([('static', static_checks(dkms=False))])
            return 0 if ok else 1
        res = Result()
        if args.cmd == 'style':
            style(res)
            kernel_doc(res)
        elif args.cmd == 'kernel-doc':
            kernel_doc(res)
        elif args.cmd == 'sparse':
            sparse(res, args.kdir or stock_kdir())
        return 0 if report([(args.cmd, res)]) else 1
    except HarnessError as e:
        log(f'error: {e}')
        return 1


if __name__ == '__main__':
    sys.exit(main())
