# SPDX-License-Identifier: GPL-2.0
"""The kernels: test kernels built from Debian's linux-source packages
(allnoconfig + config fragments, cached), and Debian's stock kernels."""

import hashlib
import os
import re
import shutil
import time

from .common import (CACHE, CONFIG_DIR, JOBS, HarnessError, Lock, capture,
                     log, run)


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


def foreign_apt(suite, kind='deb'):
    """apt options for a private apt state that sees only @suite (@kind
    deb: binary packages, deb-src: sources).

    The machine's sources, lists and preferences stay untouched, so this
    can only download; nothing the machine installs can come from @suite.
    """
    root = os.path.join(CACHE, 'apt', f'{suite}-{kind}')
    etc = os.path.join(root, 'etc')
    os.makedirs(os.path.join(root, 'lists', 'partial'), exist_ok=True)
    os.makedirs(os.path.join(etc, 'preferences.d'), exist_ok=True)
    sources = os.path.join(etc, f'{suite}.sources')
    with open(sources, 'w') as f:
        f.write(f'Types: {kind}\nURIs: http://deb.debian.org/debian\n'
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
            logfile=os.path.join(CACHE, 'apt', f'{suite}-deb', 'update.log'))
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
