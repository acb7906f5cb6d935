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
"""

import argparse
import fcntl
import fnmatch
import hashlib
import os
import re
import shutil
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QEMU_DIR = os.path.join(REPO, 'tests', 'qemu')
CONFIG_DIR = os.path.join(QEMU_DIR, 'config')
CACHE = os.environ.get('KVMMU_CACHE', '/var/cache/kvmmu')
OUT = os.environ.get('KVMMU_OUT', os.path.join(REPO, 'out'))
JOBS = str((os.cpu_count() or 1) + 1)

# Flavour name -> (Debian source package, config fragments).  Later
# fragments override earlier ones, in kconfig and in the option check.
KERNELS = {
    'fast': ('linux-source-6.1', ['base.config']),
    'debug': ('linux-source-6.1', ['base.config', 'debug.config']),
    '6.12': ('linux-source-6.12', ['base.config', '6.12.config']),
    '7.3': ('linux-source-7.3', ['base.config', '6.12.config', '7.3.config']),
}
# Debian's own kernels: flavour -> the suite its linux-headers-amd64 comes
# from (None: the one setup.sh installs from bookworm).
STOCK = {'stock': None, 'stock-6.12': 'bookworm-backports'}
FLAVOURS = list(KERNELS) + list(STOCK)

# Source packages from a newer release than the machine's.  They are
# "Architecture: all" tarballs, downloaded with a private apt state into
# the cache and unpacked there, never installed: the machine's package set
# (libc, toolchain) must not move.  The others are installed by setup.sh.
FOREIGN_SOURCES = {'linux-source-7.3': 'trixie-backports'}

# Selftest programs that test whatever VM type (backend) $KVMMU_VM_TYPE
# names: init runs each once per type the module offers, as "prog[type]".
# Every other selftest (device_test, module_test, shadow_test, ...) runs once.
PER_TYPE_SELFTESTS = ('vm_api_test', 'coherency_test', 'lifecycle_test',
                      'stress_test')

# Module sources copied into each flavour's private build directory, so
# builds for different kernels never share object files.
MODULE_TREE = ['Kbuild', 'include', 'dev', 'mmu', 'notifier', 'memslots',
               'arch', os.path.join('tests', 'kunit'),
               os.path.join('tests', 'bench')]


def log(msg):
    print(f'[harness] {msg}', file=sys.stderr, flush=True)


class HarnessError(Exception):
    pass


def run(cmd, logfile=None, **kw):
    """Run @cmd; on failure raise with the tail of its output."""
    if logfile:
        with open(logfile, 'w') as f:
            r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, **kw)
        if r.returncode:
            with open(logfile, errors='replace') as f:
                tail = ''.join(f.readlines()[-30:])
            raise HarnessError(f'{" ".join(cmd)} failed ({r.returncode}), '
                               f'log {logfile}:\n{tail}')
        return r
    r = subprocess.run(cmd, **kw)
    if r.returncode:
        raise HarnessError(f'{" ".join(cmd)} failed ({r.returncode})')
    return r


def capture(cmd):
    return subprocess.run(cmd, check=True, capture_output=True,
                          text=True).stdout.strip()


class Lock:
    """An flock on a file in the cache, so concurrent runs don't race."""

    def __init__(self, name):
        os.makedirs(os.path.join(CACHE, 'locks'), exist_ok=True)
        self.path = os.path.join(CACHE, 'locks', name)

    def __enter__(self):
        self.f = open(self.path, 'w')
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *a):
        fcntl.flock(self.f, fcntl.LOCK_UN)
        self.f.close()


def setup():
    """Install missing packages (tests/setup.sh is idempotent)."""
    run(['bash', os.path.join(REPO, 'tests', 'setup.sh')])


# ---------------------------------------------------------------- kernels

def foreign_apt(suite):
    """apt options for a private apt state that sees only @suite.

    The machine's sources, lists and preferences stay untouched, so this
    can only download; nothing the machine installs can come from @suite.
    """
    root = os.path.join(CACHE, 'apt', suite)
    etc = os.path.join(root, 'etc')
    os.makedirs(os.path.join(root, 'lists', 'partial'), exist_ok=True)
    os.makedirs(os.path.join(etc, 'preferences.d'), exist_ok=True)
    sources = os.path.join(etc, f'{suite}.sources')
    with open(sources, 'w') as f:
        f.write('Types: deb\nURIs: http://deb.debian.org/debian\n'
                f'Suites: {suite}\nComponents: main\n'
                'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n')
    return ['-o', f'Dir::Etc::SourceList={sources}',
            '-o', 'Dir::Etc::SourceParts=-',
            '-o', f'Dir::Etc::PreferencesParts={etc}/preferences.d',
            '-o', 'Dir::Etc::Preferences=/dev/null',
            '-o', f'Dir::State::Lists={root}/lists',
            '-o', f'Dir::Cache={root}', '-o', 'Acquire::Languages=none']


def fetch_debs(pkgs, dest, apt_opts=()):
    """apt-get download @pkgs into @dest; return {package: .deb path}."""
    os.makedirs(dest, exist_ok=True)
    run(['apt-get', *apt_opts, 'download', '-q', *pkgs], cwd=dest,
        logfile=os.path.join(dest, 'download.log'))
    debs = {}
    for f in os.listdir(dest):
        if f.endswith('.deb'):
            debs[f.split('_', 1)[0]] = os.path.join(dest, f)
    return debs


def foreign_source(pkg):
    """The .deb of @pkg from its FOREIGN_SOURCES suite, fetched once.

    A cached .deb is reused without asking the network: delete
    $KVMMU_CACHE/deb/<pkg> to pick up a newer version.
    """
    dest = os.path.join(CACHE, 'deb', pkg)
    with Lock(f'deb-{pkg}'):
        debs = [f for f in os.listdir(dest)
                if f.endswith('.deb')] if os.path.isdir(dest) else []
        if debs:
            return os.path.join(dest, debs[0])
        suite = FOREIGN_SOURCES[pkg]
        log(f'fetching {pkg} from {suite}')
        opts = foreign_apt(suite)
        run(['apt-get', *opts, 'update', '-q'],
            logfile=os.path.join(CACHE, 'apt', suite, 'update.log'))
        return fetch_debs([pkg], dest, opts)[pkg]


def source_tree(pkg):
    """Extract Debian's linux-source tarball once per package version."""
    if pkg in FOREIGN_SOURCES:
        deb = foreign_source(pkg)
        version = capture(['dpkg-deb', '-f', deb, 'Version'])
    else:
        deb = None
        version = capture(['dpkg-query', '-W', '-f=${Version}', pkg])
    dest = os.path.join(CACHE, 'src', f'{pkg}_{version}')
    tree = os.path.join(dest, pkg)
    with Lock(f'src-{pkg}'):
        if not os.path.exists(os.path.join(dest, '.extracted')):
            log(f'extracting {pkg} {version}')
            shutil.rmtree(dest, ignore_errors=True)
            os.makedirs(dest)
            if deb:
                # The tarball straight out of the package, never on disk.
                run(['bash', '-c', 'set -o pipefail; dpkg-deb --fsys-tarfile '
                     '"$1" | tar -xO "./usr/src/$2.tar.xz" | tar -C "$3" -xJ',
                     '-', deb, pkg, dest])
            else:
                run(['tar', '-C', dest, '-xf', f'/usr/src/{pkg}.tar.xz'])
            open(os.path.join(dest, '.extracted'), 'w').close()
            # Older versions of the same series are dead weight.
            for old in os.listdir(os.path.join(CACHE, 'src')):
                if old.startswith(f'{pkg}_') and old != os.path.basename(dest):
                    shutil.rmtree(os.path.join(CACHE, 'src', old), True)
    return tree, version


def parse_fragment(text):
    """Map CONFIG_X -> wanted value ('n' for '# CONFIG_X is not set')."""
    want = {}
    for line in text.splitlines():
        line = line.strip()
        m = re.match(r'^# (CONFIG_\w+) is not set$', line)
        if m:
            want[m.group(1)] = 'n'
            continue
        if not line or line.startswith('#'):
            continue
        k, _, v = line.partition('=')
        want[k] = v
    return want


def missing_options(want, dotconfig):
    have = parse_fragment(dotconfig)
    bad = []
    for k, v in want.items():
        got = have.get(k, 'n')
        if got != v:
            bad.append(f'{k}={v} (got {got})')
    return bad


def kernel(flavour):
    """Build (or reuse) the test kernel for @flavour; return (build, tree).

    The cache key covers the source package version, the fragment contents
    and the compiler: the same key reuses the build, a new one rebuilds.  A
    changed fragment rebuilds incrementally in the same directory (kbuild
    tracks config changes per object); a new source version or compiler
    starts from an empty one.
    """
    pkg, frags = KERNELS[flavour]
    tree, version = source_tree(pkg)
    fragment = ''.join(open(os.path.join(CONFIG_DIR, f)).read() for f in frags)
    gcc = capture(['gcc', '--version']).splitlines()[0]
    base = f'{pkg}\0{version}\0{gcc}'
    key = hashlib.sha256(f'{base}\0{fragment}'.encode()).hexdigest()[:16]
    base_key = hashlib.sha256(base.encode()).hexdigest()[:16]
    build = os.path.join(CACHE, 'kernels', flavour)
    stamp = os.path.join(build, '.kvmmu-built')
    with Lock(f'kernel-{flavour}'):
        old = open(stamp).read().split() if os.path.exists(stamp) else []
        if old[:2] == [base_key, key]:
            log(f'kernel {flavour}: cached ({pkg} {version}, key {key})')
            return build, tree
        if old[:1] != [base_key]:
            shutil.rmtree(build, ignore_errors=True)
        how = 'incrementally' if os.path.isdir(build) else 'from scratch'
        log(f'kernel {flavour}: building {pkg} {version} {how} (key {key}); '
            f'log {build}/build.log')
        os.makedirs(build, exist_ok=True)
        if os.path.exists(stamp):
            os.unlink(stamp)
        frag_path = os.path.join(build, 'kvmmu.fragment')
        with open(frag_path, 'w') as f:
            f.write(fragment)
        make = ['make', '-C', tree, f'O={build}', 'ARCH=x86_64']
        t0 = time.time()
        run(make + [f'KCONFIG_ALLCONFIG={frag_path}', 'allnoconfig'],
            logfile=os.path.join(build, 'config.log'))
        with open(os.path.join(build, '.config')) as f:
            bad = missing_options(parse_fragment(fragment), f.read())
        if bad:
            raise HarnessError(f'kernel {flavour}: requested options did not '
                               f'survive olddefconfig:\n  ' + '\n  '.join(bad))
        run(make + [f'-j{JOBS}', 'bzImage', 'modules'],
            logfile=os.path.join(build, 'build.log'))
        with open(stamp, 'w') as f:
            f.write(f'{base_key} {key} {time.time() - t0:.0f}\n')
        log(f'kernel {flavour}: built in {time.time() - t0:.0f}s')
    return build, tree


def apt_depends(pkg, suite):
    """The Depends of @pkg as installed (@suite None) or in @suite."""
    if suite is None:
        return capture(['dpkg-query', '-W', '-f=${Depends}', pkg])
    out = capture(['apt-cache', 'show', f'{pkg}/{suite}'])
    return re.search(r'^Depends: (.*)$', out, re.M).group(1)


def stock_kernel(flavour='stock'):
    """Debian's own kernel: headers to build against, vmlinuz to boot.

    linux-headers-amd64 names the ABI.  The image is downloaded and
    unpacked into the cache, never installed on the host.  So are the
    headers of a stock flavour from another suite: installing them would
    pull in their image, in /boot.  Debian's headers Makefile includes the
    common half by absolute path, which is rewritten to the cache.
    """
    suite = STOCK[flavour]
    deps = apt_depends('linux-headers-amd64', suite)
    m = re.search(r'linux-headers-(\S+-amd64)', deps)
    if not m:
        raise HarnessError(f'cannot find the stock ABI in "{deps}"')
    abi = m.group(1)
    dest = os.path.join(CACHE, 'stock', abi)
    kdir = f'/usr/src/linux-headers-{abi}'
    if suite:
        kdir = dest + kdir
    vmlinuz = os.path.join(dest, 'boot', f'vmlinuz-{abi}')
    with Lock('stock'):
        if not os.path.exists(vmlinuz):
            pkgs = [f'linux-image-{abi}']
            if suite:
                pkgs.append(f'linux-headers-{abi}')
                pkgs += re.findall(r'\b(linux-(?:headers|kbuild)-[^\s,]+)',
                                   apt_depends(f'linux-headers-{abi}', suite))
            log(f'{flavour}: fetching {" ".join(pkgs)}')
            # Unpacked aside and renamed: an interrupted fetch leaves no
            # half tree behind.
            tmp = dest + '.tmp'
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(dest, ignore_errors=True)
            for deb in fetch_debs(pkgs, os.path.join(tmp, 'deb')).values():
                run(['dpkg-deb', '-x', deb, tmp])
            shutil.rmtree(os.path.join(tmp, 'deb'))
            if suite:
                mk = tmp + kdir[len(dest):] + '/Makefile'
                with open(mk) as f:
                    text = f.read()
                with open(mk, 'w') as f:
                    f.write(text.replace(' /usr/src/', f' {dest}/usr/src/'))
            os.rename(tmp, dest)
    return abi, kdir, vmlinuz


def stock_modules(vmlinuz, names, outdir):
    """Modules of a stock image (and what they depend on) for the
    initramfs, uncompressed (the selftests load them by finit_module
    without flags).  Returns (paths, dependencies in load order)."""
    root = os.path.dirname(os.path.dirname(vmlinuz))
    moddir = os.path.join(root, 'lib', 'modules',
                          os.path.basename(vmlinuz)[len('vmlinuz-'):])
    dep = {}
    with Lock('stock'):
        # The image's modules were unpacked, not installed: no depmod ran.
        if not os.path.exists(os.path.join(moddir, 'modules.dep')):
            run(['depmod', '-b', root, os.path.basename(moddir)])
    with open(os.path.join(moddir, 'modules.dep')) as f:
        for line in f:
            mod, _, deps = line.partition(':')
            dep[mod] = deps.split()
    by_name = {re.sub(r'\.ko(\.xz)?$', '', os.path.basename(m)): m
               for m in dep}
    want = []
    for name in names:
        if name in by_name:
            # modules.dep lists a module's dependencies last-loaded first.
            want += [d for d in reversed(dep[by_name[name]]) if d not in want]
            want.append(by_name[name])
    os.makedirs(outdir, exist_ok=True)
    paths = []
    for m in want:
        out = os.path.join(outdir, re.sub(r'\.xz$', '', os.path.basename(m)))
        if m.endswith('.xz'):
            with open(out, 'wb') as f:
                run(['xz', '-dc', os.path.join(moddir, m)], stdout=f)
        else:
            shutil.copy2(os.path.join(moddir, m), out)
        paths.append(out)
    deps = [os.path.basename(p) for p in paths
            if os.path.basename(p)[:-3] not in names]
    return paths, deps


# ---------------------------------------------------------------- builds

def copy_tree(dest, entries):
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(dest)
    for e in entries:
        src = os.path.join(REPO, e)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(dest, e))
        elif os.path.exists(src):
            os.makedirs(os.path.dirname(os.path.join(dest, e)), exist_ok=True)
            shutil.copy2(src, os.path.join(dest, e))


def build_modules(kdir, outdir, src=None, extra=()):
    """Build kvmmu (or the module in @src) against @kdir in a private copy;
    @extra: more make variables (KVMMU_BENCH=1)."""
    if src is None:
        copy_tree(outdir, MODULE_TREE)
    else:
        shutil.rmtree(outdir, ignore_errors=True)
        shutil.copytree(src, outdir)
    run(['make', '-C', kdir, f'M={outdir}', f'-j{JOBS}', 'KVMMU_TEST=1',
         *extra, 'modules'], logfile=outdir + '.log')
    return sorted(f for f in os.listdir(outdir) if f.endswith('.ko'))


def build_vm_types(outdir):
    """tests/qemu/vm_types.c, static: /bin/kvmmu-vm-types in the guest."""
    os.makedirs(outdir, exist_ok=True)
    binary = os.path.join(outdir, 'kvmmu-vm-types')
    run(['gcc', '-O2', '-Wall', '-Werror', '-static',
         f'-I{os.path.join(REPO, "include", "uapi")}', '-o', binary,
         os.path.join(QEMU_DIR, 'vm_types.c')], logfile=binary + '.log')
    return binary


def ksft_dir():
    """kselftest_harness.h comes from the 6.12 tree: it can select tests."""
    tree, _ = source_tree('linux-source-6.12')
    return os.path.join(tree, 'tools', 'testing', 'selftests')


def build_selftests():
    out = os.path.join(OUT, 'selftests')
    os.makedirs(out, exist_ok=True)
    run(['make', '-C', os.path.join(REPO, 'tests', 'selftests'),
         f'KSFT_DIR={ksft_dir()}', f'OUTPUT={out}', f'-j{JOBS}'],
        logfile=out + '.log')
    return out


# ---------------------------------------------------------------- boot

SPLAT = re.compile(
    r'WARNING:|BUG:|kernel BUG at|\bOops\b|\[#\d+\]|Kernel panic|'
    r'general protection fault|Call Trace:|KASAN:|UBSAN:|'
    r'sleeping function called from invalid context|'
    r'possible (circular|recursive) locking|inconsistent lock state|'
    r'trying to register non-static key|suspicious RCU usage|rcu: INFO:|'
    r'self-detected stall|kmemleak: \d+ new suspected|unreferenced object 0x|'
    r'INFO: task \S+ blocked for more than|soft lockup|hard LOCKUP|'
    r'list_(add|del) corruption')
MARK = re.compile(r'kvmmu-harness: begin (.*)$')
TAP = re.compile(r'^(not ok|ok) \d+ (?:- )?(\S+)(.*)$')
STAMP = re.compile(r'^\[\s*\d+\.\d+\] ')
# Taint flags that mean the kernel itself went wrong: B (bad page),
# D (died), W (warned), L (soft lockup).
TAINT_BAD = {5: 'B bad page', 7: 'D oops/BUG', 9: 'W warning',
             14: 'L soft lockup'}


class Result:
    def __init__(self):
        self.items = []   # (status, name, detail)

    def add(self, status, name, detail=''):
        self.items.append((status, name, detail))

    def count(self, status):
        return sum(1 for s, _, _ in self.items if s == status)


def vm_type_names():
    """The VM type names in KVMMU_VM_* number order, from the uapi header:
    KVMMU_VM_X86_SHADOW (1) is "x86_shadow", names[1]."""
    with open(os.path.join(REPO, 'include', 'uapi', 'linux', 'kvmmu.h')) as f:
        found = dict((int(n), name.lower()) for name, n in re.findall(
            r'^#define\s+KVMMU_VM_(\w+)\s+(\d+)\b', f.read(), re.M))
    if sorted(found) != list(range(len(found))):
        raise HarnessError(f'KVMMU_VM_* numbers are not 0..n: {found}')
    return [found[n] for n in range(len(found))]


def suite_matches(name, glob):
    """--suite: a glob over KUnit suite, selftest program and per-type run
    names ("coherency_test[x86_shadow]").  "[" and "]" match themselves
    (no character classes), so a run's own name selects it.  A per-type
    run is also selected by its program's name."""
    glob = glob.replace('[', '[[]')
    return (fnmatch.fnmatchcase(name, glob) or
            fnmatch.fnmatchcase(name.split('[', 1)[0], glob))


def selftest_runs(tests, suite_glob, type_names):
    """The selftest runs --suite selects: "prog", or "prog[type]" for each
    VM type of a per-type program (init runs those the module offers)."""
    runs = []
    for t in tests:
        if t in PER_TYPE_SELFTESTS:
            runs += [f'{t}[{n}]' for n in type_names
                     if suite_matches(f'{t}[{n}]', suite_glob)]
        elif suite_matches(t, suite_glob):
            runs.append(t)
    return runs


def tap_status(ok, rest):
    if re.search(r'#\s*SKIP', rest, re.I):
        return 'skip'
    return 'pass' if ok == 'ok' else 'fail'


def indent(line):
    return len(line) - len(line.lstrip(' '))


def ktap_suites(lines):
    """Split a KUnit module's KTAP into suites: name, plan, cases, result.

    A suite's cases are the results at the indentation of its "# Subtest:"
    line; deeper lines (parameters of a parametrised case) are folded into
    their case's own result line.
    """
    suites, cur = [], None
    for line in lines:
        ind, body = indent(line), line.strip()
        m = re.match(r'# Subtest: (\S+)', body)
        if m and (cur is None or ind <= cur['indent']):
            cur = {'name': m.group(1), 'indent': ind, 'plan': None,
                   'cases': [], 'result': None}
            suites.append(cur)
            continue
        if cur is None or ind > cur['indent']:
            continue
        t = TAP.match(body)
        if ind == cur['indent']:
            pm = re.match(r'^1\.\.(\d+)', body)
            if pm and cur['plan'] is None:
                cur['plan'] = int(pm.group(1))
            elif t:
                cur['cases'].append((t.group(2),
                                     tap_status(t.group(1), t.group(3)),
                                     t.group(3).strip()))
        elif t and t.group(2) == cur['name']:
            cur['result'] = tap_status(t.group(1), t.group(3))
    return suites


def tap_cases(lines):
    """Top-level results and plan of a kselftest binary's TAP."""
    cases, plan, skip_all = [], None, False
    for line in lines:
        if line.startswith(' '):
            continue
        t = TAP.match(line)
        if t:
            cases.append((t.group(2), tap_status(t.group(1), t.group(3)),
                          t.group(3).strip()))
        pm = re.match(r'^1\.\.(\d+)(.*)', line)
        if pm:
            plan = int(pm.group(1))
            skip_all = plan == 0 and 'SKIP' in pm.group(2).upper()
    return cases, plan, skip_all


def add_cases(res, prefix, cases, test_glob):
    n = 0
    for name, st, rest in cases:
        if fnmatch.fnmatch(name, test_glob):
            res.add(st, f'{prefix}.{name}', rest)
            n += 1
    return n


def parse_suite(res, kind, suite, lines, rc, suite_glob, test_glob):
    """Turn one SUITE block into results; return how many were selected.

    Structural failures (missing results, crashes, bad exit codes) count
    whatever the test filter says: a filter selects what is reported, it
    never hides a broken run.
    """
    if kind == 'demo':
        # kvmmu-demo (make demo / make bench): its exit status is the verdict.
        said = [l for l in lines if re.match(r'(coherency|accessed):', l)]
        res.add('pass' if rc == 0 else 'fail', f'demo {suite}',
                f'exit {rc}' + ''.join(f'; {l}' for l in said))
        return 1
    if kind == 'kunit':
        # --suite names the module or one of its KTAP suites.
        whole = suite_matches(suite, suite_glob)
        suites = ktap_suites(lines)
        if not suites:
            if whole:
                res.add('fail', f'kunit {suite}', 'module ran no KUnit '
                        'suite (KUnit disabled, or the module failed to '
                        'load)')
            return 0
        n = 0
        for s in suites:
            if not whole and not suite_matches(s['name'], suite_glob):
                continue
            n += add_cases(res, f'kunit {s["name"]}', s['cases'], test_glob)
            if s['plan'] is None or len(s['cases']) < s['plan']:
                res.add('fail', f'kunit {s["name"]}',
                        f'{len(s["cases"])} of {s["plan"]} results: '
                        'crashed or hung mid-suite')
            elif s['result'] is None:
                res.add('fail', f'kunit {s["name"]}', 'no suite result')
            elif s['result'] == 'fail' and not any(
                    st == 'fail' for _, st, _ in s['cases']):
                res.add('fail', f'kunit {s["name"]}', 'suite failed')
        return n
    cases, plan, skip_all = tap_cases(lines)
    n = add_cases(res, f'selftest {suite}', cases, test_glob)
    if skip_all and rc == 4:
        res.add('skip', f'selftest {suite}', 'skipped as a whole')
        return 1
    if plan is None:
        said = [l for l in lines if l.strip()]
        res.add('fail', f'selftest {suite}', f'no TAP plan (exit {rc})' +
                (f': {said[-1]}' if said else ''))
    elif len(cases) < plan:
        res.add('fail', f'selftest {suite}', f'{plan - len(cases)} of '
                f'{plan} results missing: crashed or hung mid-run')
    if rc not in (0, 4) and not any(st == 'fail' for _, st, _ in cases):
        res.add('fail', f'selftest {suite}', f'exited {rc}')
    return n


def parse_results(res, text, suite_glob, test_glob, runs=()):
    """Parse the verdict channel; anything malformed is a failure.

    @runs: the selftest runs init was asked for (selftest_runs()).  Each
    must have produced a block, except a "prog[type]" run of a VM type the
    module does not offer (init's VMTYPES line says which it does).
    """
    begun = ended = False
    selected = 0
    block = None   # [kind, name, payload lines]
    seen, vm_types = set(), None
    for line in text.splitlines():
        if line.startswith('| '):
            if block is None:
                res.add('fail', 'verdict', f'payload outside a suite: {line}')
            else:
                block[2].append(line[2:])
            continue
        if line == '|':
            if block is not None:
                block[2].append('')
            continue
        word = line.split(' ', 1)[0]
        parts = line.split(' ')
        if word == 'KVMMU-BEGIN':
            begun = True
        elif line == 'KVMMU-END':
            ended = True
        elif word == 'CHECK' and len(parts) >= 3 and parts[2] in (
                'pass', 'fail', 'skip'):
            res.add(parts[2], f'check {parts[1]}', ' '.join(parts[3:]))
        elif word == 'SUITE' and len(parts) == 3 and block is None:
            block = [parts[1], parts[2], []]
        elif word == 'ENDSUITE' and block is not None and re.fullmatch(
                r'ENDSUITE rc=\d+', line):
            kind, name, body = block
            block = None
            seen.add(name)
            if kind == 'kunit' or suite_matches(name, suite_glob):
                selected += parse_suite(res, kind, name, body,
                                        int(line.split('=')[1]),
                                        suite_glob, test_glob)
        elif word == 'VMTYPES' and vm_types is None and all(
                re.fullmatch(r'\w+', p) for p in parts[1:]):
            vm_types = parts[1:]
            res.add('pass', 'vm types', ' '.join(vm_types) or 'none')
        elif word == 'TAINT' and len(parts) == 2 and parts[1].isdigit():
            bad = [v for b, v in TAINT_BAD.items() if int(parts[1]) >> b & 1]
            if bad:
                res.add('fail', 'kernel taint', ', '.join(bad))
            else:
                res.add('pass', 'kernel taint', parts[1])
        else:
            res.add('fail', 'verdict', f'malformed line: {line[:200]!r}')
    if block is not None:
        res.add('fail', f'{block[0]} {block[1]}',
                'did not finish (panic or hang)')
    if not begun:
        res.add('fail', 'boot', 'init never reported: the kernel did not boot')
    elif not ended:
        res.add('fail', 'verdict', 'result stream incomplete: the kernel '
                'panicked, hung or crashed (see the console log)')
    else:
        res.add('pass', 'verdict', 'complete')
        missing_runs(res, runs, seen, vm_types)
    if (suite_glob != '*' or test_glob != '*') and not selected:
        res.add('fail', 'selection', f'--suite {suite_glob!r} --test '
                f'{test_glob!r} matched no test')
    return ended


def missing_runs(res, runs, seen, vm_types):
    """A selftest run init was asked for but never reported is a failure:
    e.g. a shared suite that produced nothing on one of the VM types."""
    per_type = [r for r in runs if '[' in r]
    if per_type and vm_types is None:
        res.add('fail', 'vm types', 'init never reported the VM types the '
                'module offers: the per-type selftest runs are unchecked')
        vm_types = []
    for r in runs:
        if r in seen:
            continue
        if '[' in r and r.split('[', 1)[1].rstrip(']') not in vm_types:
            continue    # a VM type this module does not offer
        res.add('fail', f'selftest {r}', 'no results: it never ran')


def scan_console(res, text):
    """Any splat in the kernel log fails the run, named by the test it hit.

    The name is the last marker init wrote; inside a KUnit module it is
    refined to the case whose result line follows the splat.  Matching
    lines close together (a WARNING and its Call Trace) are one report.
    """
    current, last = 'boot', -100
    splats, pending = [], []
    for i, raw in enumerate(text.splitlines()):
        line = STAMP.sub('', raw)
        m = MARK.search(line)
        if m:
            splats += [(current, l) for l in pending]
            pending, current, last = [], m.group(1).strip(), -100
            continue
        in_kunit = current.startswith('kunit ')
        t = TAP.match(line.strip())
        if in_kunit and t and indent(line) > 0 and pending:
            splats += [(f'{current}: {t.group(2)}', l) for l in pending]
            pending = []
        if not SPLAT.search(line):
            continue
        if i - last > 40:
            if in_kunit:
                pending.append(line.strip())
            else:
                splats.append((current, line.strip()))
        last = i
    splats += [(current, l) for l in pending]
    for where, line in splats:
        res.add('fail', f'kernel log during "{where}"', line)
    if not splats:
        res.add('pass', 'kernel log', 'no warnings, BUGs, lockdep, KASAN, '
                'RCU stall or kmemleak reports')


def initramfs(outdir, modules, selftests, conf, bins=()):
    root = os.path.join(outdir, 'initramfs')
    shutil.rmtree(root, ignore_errors=True)
    for d in ('bin', 'etc', 'lib/kvmmu', 'selftests', 'proc', 'sys', 'dev',
              'tmp'):
        os.makedirs(os.path.join(root, d))
    shutil.copy2('/bin/busybox', os.path.join(root, 'bin', 'busybox'))
    shutil.copy2(os.path.join(QEMU_DIR, 'init'), os.path.join(root, 'init'))
    for ko in modules:
        shutil.copy2(ko, os.path.join(root, 'lib', 'kvmmu'))
    for t in selftests:
        shutil.copy2(t, os.path.join(root, 'selftests'))
    for b in bins:
        shutil.copy2(b, os.path.join(root, 'bin'))
    with open(os.path.join(root, 'etc', 'kvmmu-test.conf'), 'w') as f:
        for k, v in conf.items():
            f.write(f"{k}='{v}'\n")
    cpio = os.path.join(outdir, 'initramfs.cpio')
    files = subprocess.run(['find', '.'], cwd=root, check=True,
                           capture_output=True).stdout
    with open(cpio, 'wb') as f:
        subprocess.run(['cpio', '--quiet', '-o', '-H', 'newc', '-R', '0:0'],
                       cwd=root, input=files, stdout=f, check=True)
    return cpio


def boot_following(cmd, results, follow):
    """Run qemu as boot() does, calling @follow with each line of the
    verdict channel as it arrives."""
    with open(os.path.join(os.path.dirname(results), 'qemu.stderr'),
              'w+b') as err, open(results, 'rb') as f:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=err)
        buf = b''
        while True:
            done = p.poll() is not None
            chunk = f.read()
            *lines, buf = (buf + chunk).split(b'\n')
            for line in lines:
                follow(line.decode(errors='replace').rstrip('\r'))
            if done:
                break
            if not chunk:
                time.sleep(0.2)
        if buf:
            follow(buf.decode(errors='replace').rstrip('\r'))
        err.seek(0)
        return subprocess.CompletedProcess(cmd, p.returncode, None,
                                           err.read())


def boot(outdir, bzimage, cpio, timeout, extra_cmdline='', follow=None):
    console = os.path.join(outdir, 'console.log')
    results = os.path.join(outdir, 'results.log')
    for f in (console, results):
        open(f, 'w').close()
    node_mem = '1536M'
    cmd = ['timeout', '-k', '10', str(timeout),
           'qemu-system-x86_64', '-nodefaults', '-no-user-config',
           '-machine', 'q35', '-accel', 'tcg', '-cpu', 'max', '-smp', '2,sockets=2,cores=1,threads=1',
           '-m', '3G',
           '-object', f'memory-backend-ram,id=m0,size={node_mem}',
           '-object', f'memory-backend-ram,id=m1,size={node_mem}',
           '-numa', 'node,nodeid=0,cpus=0,memdev=m0',
           '-numa', 'node,nodeid=1,cpus=1,memdev=m1',
           '-display', 'none', '-no-reboot',
           '-serial', f'file:{console}', '-serial', f'file:{results}',
           '-kernel', bzimage, '-initrd', cpio,
           '-append', 'console=ttyS0,115200 panic=-1 printk.devkmsg=on '
           f'{extra_cmdline}'.strip()]
    t0 = time.time()
    if follow:
        r = boot_following(cmd, results, follow)
    else:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.time() - t0
    with open(console, errors='replace') as f:
        con = f.read()
    with open(results, errors='replace') as f:
        resl = f.read()
    timed_out = r.returncode in (124, 137)
    qemu_err = r.stderr.decode(errors='replace').strip() if (
        r.returncode and not timed_out) else ''
    return con, resl, timed_out, took, qemu_err


# ---------------------------------------------------------------- one flavour

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


# ---------------------------------------------------------------- static checks

def our_c_files():
    """Tracked and not-yet-tracked C sources, never build output."""
    files = capture(['git', '-C', REPO, 'ls-files', '--cached', '--others',
                     '--exclude-standard', '*.c', '*.h']).split()
    files = [os.path.join(REPO, f) for f in files]
    if not files:
        raise HarnessError('no C files found to check')
    return files


def style(res):
    """checkpatch.pl --strict from Debian's 6.1 source tree on our C files."""
    tree, _ = source_tree('linux-source-6.1')
    cp = os.path.join(tree, 'scripts', 'checkpatch.pl')
    r = subprocess.run(['perl', cp, '--strict', '--no-tree', '--terse',
                        '--show-types', '--no-summary', '-f'] + our_c_files(),
                       capture_output=True, text=True)
    out = r.stdout.strip()
    if r.returncode or out:
        res.add('fail', 'style checkpatch --strict', out)
    else:
        res.add('pass', 'style checkpatch --strict',
                f'{len(our_c_files())} files clean')


def stock_kdir():
    return stock_kernel()[1]


def sparse(res, kdir):
    """sparse (C=2) against @kdir; anything it says about our files fails."""
    outdir = os.path.join(OUT, 'sparse')
    copy_tree(outdir, MODULE_TREE)
    r = subprocess.run(['make', '-C', kdir, f'M={outdir}', 'C=2',
                        'CHECK=sparse', 'KVMMU_TEST=1', 'modules'],
                       capture_output=True, text=True)
    ours = [l for l in (r.stdout + r.stderr).splitlines()
            if l.startswith(outdir) and re.search(r': (warning|error):', l)]
    name = f'sparse C=2 ({os.path.basename(kdir.rstrip("/"))})'
    if r.returncode or ours:
        res.add('fail', name, '\n'.join(ours) or r.stderr[-2000:])
    else:
        res.add('pass', name, f'clean against {kdir}')


def stock_build(res, kdir):
    try:
        build_modules(kdir, os.path.join(OUT, 'stock-headers'))
        res.add('pass', 'build against stock headers', kdir)
    except HarnessError as e:
        res.add('fail', 'build against stock headers', str(e))


def dkms_build(res, abi):
    """make dkms-install into a staging root, then dkms add/build/remove."""
    version = re.search(r'PACKAGE_VERSION="(.*)"',
                        open(os.path.join(REPO, 'dkms.conf')).read()).group(1)
    stage = os.path.join(OUT, 'dkms')
    shutil.rmtree(stage, ignore_errors=True)
    name = f'kvmmu/{version}'
    try:
        run(['make', '-C', REPO, 'dkms-install', f'DESTDIR={stage}'],
            logfile=stage + '-install.log')
        subprocess.run(['dkms', 'remove', name, '--all'],
                       capture_output=True)
        run(['dkms', 'add', os.path.join(stage, 'usr', 'src',
                                         f'kvmmu-{version}')],
            logfile=stage + '-add.log')
        try:
            run(['dkms', 'build', name, '-k', abi],
                logfile=stage + '-build.log')
        finally:
            subprocess.run(['dkms', 'remove', name, '--all'],
                           capture_output=True)
            shutil.rmtree(f'/usr/src/kvmmu-{version}', ignore_errors=True)
        res.add('pass', 'dkms add/build/remove', f'{name} for {abi}')
    except HarnessError as e:
        res.add('fail', 'dkms add/build/remove', str(e))


# ---------------------------------------------------------------- reporting

def report(results):
    """Print every result, a per-flavour table and the closing count line."""
    total = {'pass': 0, 'fail': 0, 'skip': 0}
    for group, res in results:
        for st, name, detail in res.items:
            tag = {'pass': 'PASS', 'fail': 'FAIL', 'skip': 'SKIP'}[st]
            line = f'{tag} [{group}] {name}'
            if st != 'pass' and detail:
                line += ': ' + detail.replace('\n', '\n        ')
            print(line)
    print()
    print(f'{"":12} {"passed":>7} {"failed":>7} {"skipped":>7}')
    for group, res in results:
        c = {k: res.count(k) for k in total}
        for k in total:
            total[k] += c[k]
        print(f'{group:12} {c["pass"]:7} {c["fail"]:7} {c["skip"]:7}')
    print(f'{total["pass"]} passed, {total["fail"]} failed, '
          f'{total["skip"]} skipped')
    return total['fail'] == 0 and total['pass'] > 0


def check(flavours, suite_glob, test_glob, static=True):
    setup()
    results = []
    t0 = time.time()
    if static:
        res = Result()
        abi, kdir, _ = stock_kernel()
        style(res)
        stock_build(res, kdir)
        sparse(res, kdir)
        # The fast kernel has KUnit: sparse sees the test module too.
        try:
            sparse(res, kernel('fast')[0])
        except HarnessError as e:
            res.add('fail', 'sparse C=2 (fast)', str(e))
        dkms_build(res, abi)
        results.append(('static', res))
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


def build_demo(outdir):
    """tools/kvmmu-demo, static, into @outdir."""
    run(['make', '-C', os.path.join(REPO, 'tools', 'kvmmu-demo'),
         f'OUTPUT={outdir}'], logfile=os.path.join(outdir, 'build.log'))
    return os.path.join(outdir, 'kvmmu-demo')


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
    sub.add_parser('style', help='checkpatch --strict on our C files')
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
        res = Result()
        if args.cmd == 'style':
            style(res)
        elif args.cmd == 'sparse':
            sparse(res, args.kdir or stock_kdir())
        return 0 if report([(args.cmd, res)]) else 1
    except HarnessError as e:
        log(f'error: {e}')
        return 1


if __name__ == '__main__':
    sys.exit(main())
