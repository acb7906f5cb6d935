# SPDX-License-Identifier: GPL-2.0
"""Builds against a kernel: kvmmu.ko and the KUnit module in a private
copy, the static selftests and the guest-side tools."""

import os
import shutil

from .common import JOBS, OUT, QEMU_DIR, REPO, run
from .kernels import source_tree


# Module sources copied into each flavour's private build directory, so
# builds for different kernels never share object files.
MODULE_TREE = ['Kbuild', 'include', 'dev', 'mmu', 'notifier', 'memslots',
               'arch', os.path.join('tests', 'kunit'),
               os.path.join('tests', 'bench')]


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


def build_demo(outdir):
    """tools/kvmmu-demo, static, into @outdir."""
    run(['make', '-C', os.path.join(REPO, 'tools', 'kvmmu-demo'),
         f'OUTPUT={outdir}'], logfile=os.path.join(outdir, 'build.log'))
    return os.path.join(outdir, 'kvmmu-demo')
