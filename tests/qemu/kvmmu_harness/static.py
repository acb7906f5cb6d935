# SPDX-License-Identifier: GPL-2.0
"""The static checks: checkpatch, kernel-doc, sparse, the -Werror build
against stock headers, DKMS, and the harness's own parser tests."""

import os
import re
import shutil
import subprocess
import sys
import unittest

from .builds import MODULE_TREE, build_modules, copy_tree
from .common import (CACHE, JOBS, OUT, QEMU_DIR, REPO, HarnessError, Lock,
                     capture, log, run)
from .kernels import foreign_apt, source_tree, stock_kernel


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


def kernel_doc(res):
    """scripts/kernel-doc -none (6.1's) on our C files: every comment
    opened with "/**" must describe what it documents."""
    tree, _ = source_tree('linux-source-6.1')
    r = subprocess.run(['perl', os.path.join(tree, 'scripts', 'kernel-doc'),
                        '-none'] + our_c_files(), capture_output=True,
                       text=True)
    out = (r.stdout + r.stderr).replace(REPO + '/', '').strip()
    if r.returncode or out:
        res.add('fail', 'kernel-doc', out)
    else:
        res.add('pass', 'kernel-doc', f'{len(our_c_files())} files clean')


class _Collect(unittest.TestResult):
    """A unittest result that files each test as a harness result."""

    def __init__(self, res):
        super().__init__()
        self.res = res

    @staticmethod
    def name(test):
        return 'harness_test ' + test.id().split('.', 1)[1]

    def addSuccess(self, test):
        self.res.add('pass', self.name(test))

    def addFailure(self, test, err):
        self.res.add('fail', self.name(test),
                     self._exc_info_to_string(err, test))

    addError = addFailure

    def addSkip(self, test, reason):
        self.res.add('skip', self.name(test), reason)


def parser_tests(res):
    """tests/qemu/harness_test.py: the verdict parsers on saved logs."""
    if QEMU_DIR not in sys.path:
        sys.path.insert(0, QEMU_DIR)
    suite = unittest.defaultTestLoader.loadTestsFromName('harness_test')
    if not suite.countTestCases():
        res.add('fail', 'harness parser tests', 'none found')
    suite.run(_Collect(res))


def stock_kdir():
    return stock_kernel()[1]


def sparse_for(kdir):
    """The sparse binary to check against @kdir.

    Debian 12's sparse (0.6.4) unless the kernel's own test
    (scripts/checker-valid.sh, 6.15+) rejects it: 7.x headers use
    __typeof_unqual__.  Then sparse is built from sid's source package into
    the cache, once; the machine's sparse stays.
    """
    valid = os.path.join(kdir, 'source', 'scripts', 'checker-valid.sh')
    if not os.path.exists(valid) or capture(
            ['sh', valid, 'sparse', '-m64']) == '1':
        return 'sparse'
    dest = os.path.join(CACHE, 'tools', 'sparse')
    binary = os.path.join(dest, 'sparse')
    with Lock('tool-sparse'):
        if os.path.exists(binary):
            return binary
        log('building sparse from sid\'s source package')
        shutil.rmtree(dest, ignore_errors=True)
        os.makedirs(dest)
        opts = foreign_apt('sid', 'deb-src')
        run(['apt-get', *opts, 'update', '-q'],
            logfile=os.path.join(dest, 'update.log'))
        run(['apt-get', *opts, 'source', '--download-only', '-q', 'sparse'],
            cwd=dest, logfile=os.path.join(dest, 'download.log'))
        dsc = [f for f in os.listdir(dest) if f.endswith('.dsc')][0]
        run(['dpkg-source', '--no-check', '-x', dsc, 'src'], cwd=dest,
            logfile=os.path.join(dest, 'unpack.log'))
        # Debian's patches ask for sid's compiler by name.
        run(['make', '-C', os.path.join(dest, 'src'), f'-j{JOBS}', 'CC=gcc',
             'sparse'],
            logfile=os.path.join(dest, 'build.log'))
        shutil.copy2(os.path.join(dest, 'src', 'sparse'), binary + '.new')
        os.rename(binary + '.new', binary)
    return binary


def sparse(res, kdir):
    """sparse (C=2) against @kdir; anything it says about our files fails,
    and so does a kernel that would not run it."""
    outdir = os.path.join(OUT, 'sparse')
    copy_tree(outdir, MODULE_TREE)
    r = subprocess.run(['make', '-C', kdir, f'M={outdir}', 'C=2',
                        f'CHECK={sparse_for(kdir)}', 'KVMMU_TEST=1',
                        'modules'], capture_output=True, text=True)
    out = r.stdout + r.stderr
    ours = [l for l in out.splitlines()
            if l.startswith(outdir) and re.search(r': (warning|error):', l)]
    ours += re.findall(r'^.*C=2 specified, but .*$', out, re.M)
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
