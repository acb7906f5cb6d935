# SPDX-License-Identifier: GPL-2.0
"""Verdict parsing: the result stream init writes on the second serial
port, and the kernel console scanned for splats.  Offline: these take
the logs as text (tests/qemu/harness_test.py feeds them saved ones)."""

import fnmatch
import os
import re

from .common import REPO, HarnessError


# Selftest programs that test whatever VM type (backend) $KVMMU_VM_TYPE
# names: init runs each once per type the module offers, as "prog[type]".
# Every other selftest (device_test, module_test, shadow_test, ...) runs once.
PER_TYPE_SELFTESTS = ('vm_api_test', 'coherency_test', 'lifecycle_test',
                      'stress_test')

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
