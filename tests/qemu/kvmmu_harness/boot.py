# SPDX-License-Identifier: GPL-2.0
"""The initramfs and the qemu boot that runs it."""

import os
import shutil
import subprocess
import time

from .common import QEMU_DIR


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
           '-machine', 'q35', '-accel', 'tcg', '-cpu', 'max',
           '-smp', '2,sockets=2,cores=1,threads=1',
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
