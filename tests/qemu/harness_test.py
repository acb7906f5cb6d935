#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Offline tests of the harness's verdict parsers, on saved logs.

The parsers decide what a boot reported; a parser that misses a crash or
a splat turns a broken kernel into a pass.  So most of these feed a good
log with one thing broken (the stream cut short, a suite cut short, a
forged line, a splat) and assert that the breakage is reported.  No
kernel, no qemu: make check runs them in its static group, or
python3 tests/qemu/harness_test.py.
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from kvmmu_harness.report import Result  # noqa: E402
from kvmmu_harness.verdict import (parse_results, scan_console,  # noqa: E402
                                   selftest_runs, suite_matches)

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'testdata')
RUNS = ['coherency_test[x86_ept]', 'coherency_test[x86_shadow]',
        'device_test']


def saved(name):
    with open(os.path.join(DATA, name)) as f:
        return f.read()


def parse(text, runs=RUNS, suite='*', test='*'):
    res = Result()
    parse_results(res, text, suite, test, runs)
    return res


def failures(res):
    return [f'{n}: {d}' for s, n, d in res.items if s == 'fail']


class VerdictTest(unittest.TestCase):
    def assertFailure(self, res, pattern):
        fails = failures(res)
        self.assertTrue(any(re.search(pattern, f) for f in fails),
                        f'no failure matching {pattern!r} in {fails}')

    def test_complete_stream(self):
        res = parse(saved('results-pass.log'))
        self.assertEqual(failures(res), [])
        # 2 + 2 KUnit cases (the parametrised one folded into its
        # case), 2 + 2 + 1 selftest cases, then load, unload, VM types,
        # taint and the complete stream.
        self.assertEqual(res.count('pass'), 14)
        self.assertEqual(res.count('skip'), 3)

    def test_saved_7_3_stream(self):
        """A real result stream, from the 7.3 flavour (three of its runs)."""
        res = parse(saved('results-7.3.log'),
                    runs=['coherency_test[x86_ept]', 'device_test'])
        self.assertEqual(failures(res), [])
        self.assertEqual(len([n for _, n, _ in res.items
                              if n.startswith('kunit ')]), 54)
        self.assertEqual(res.count('pass'), 77)

    def test_stream_without_end(self):
        """A panic: the stream stops; the open block and the stream fail."""
        text = saved('results-pass.log')
        cut = text[:text.index('| ok 2 coh.ksm')]
        res = parse(cut)
        self.assertFailure(res, r'^selftest coherency_test\[x86_ept\]: '
                           r'did not finish')
        self.assertFailure(res, r'^verdict: result stream incomplete')

    def test_no_boot(self):
        self.assertFailure(parse(''), r'^boot: init never reported')

    def test_kunit_suite_cut_short(self):
        """A KUnit suite whose plan promises more results than it printed."""
        text = saved('results-pass.log').replace(
            '|     ok 3 ept_gpa_bits # SKIP not on this kernel\n', '')
        self.assertFailure(parse(text), r'^kunit kvmmu_ept: 2 of 3 results')

    def test_kunit_suite_without_result(self):
        text = saved('results-pass.log').replace('| ok 2 kvmmu_ept\n', '')
        self.assertFailure(parse(text), r'^kunit kvmmu_ept: no suite result')

    def test_kunit_module_ran_nothing(self):
        text = re.sub(r'SUITE kunit kvmmu_test\n.*?ENDSUITE rc=0\n',
                      'SUITE kunit kvmmu_test\nENDSUITE rc=0\n',
                      saved('results-pass.log'), flags=re.S)
        self.assertFailure(parse(text), r'^kunit kvmmu_test: module ran no')

    def test_failing_case(self):
        text = saved('results-pass.log').replace(
            '| ok 2 coh.ksm', '| not ok 2 coh.ksm', 1)
        self.assertEqual(failures(parse(text)),
                         ['selftest coherency_test[x86_ept].coh.ksm: '])

    def test_selftest_crash_mid_run(self):
        """A selftest binary killed after its first result."""
        text = saved('results-pass.log').replace(
            '| ok 1 dev.api_version\nENDSUITE rc=0',
            'ENDSUITE rc=139')
        res = parse(text)
        self.assertFailure(res, r'^selftest device_test: 1 of 1 results '
                           r'missing')
        self.assertFailure(res, r'^selftest device_test: exited 139')

    def test_selftest_without_plan(self):
        text = saved('results-pass.log').replace(
            '| TAP version 13\n| 1..1\n| ok 1 dev.api_version\n',
            '| Segmentation fault\n')
        self.assertFailure(parse(text), r'^selftest device_test: no TAP plan')

    def test_requested_run_missing(self):
        """A shared suite the module offers a VM type for never ran."""
        text = re.sub(r'SUITE selftest coherency_test\[x86_shadow\]\n.*?'
                      r'ENDSUITE rc=0\n', '', saved('results-pass.log'),
                      flags=re.S)
        self.assertFailure(parse(text), r'^selftest coherency_test'
                           r'\[x86_shadow\]: no results: it never ran')

    def test_run_of_type_not_offered_is_not_missing(self):
        res = parse(saved('results-pass.log'),
                    runs=RUNS + ['coherency_test[mips]'])
        self.assertEqual(failures(res), [])

    def test_missing_vm_types(self):
        text = saved('results-pass.log').replace(
            'VMTYPES x86_ept x86_shadow\n', '')
        self.assertFailure(parse(text), r'^vm types: init never reported')

    def test_forged_control_line(self):
        """Only init writes control lines; anything else is malformed."""
        text = saved('results-pass.log').replace(
            'CHECK unload pass', 'CHECK unload pass\nPASS everything')
        self.assertFailure(parse(text), r"^verdict: malformed line: "
                           r"'PASS everything'")

    def test_taint(self):
        text = saved('results-pass.log').replace('TAINT 12288',
                                                 'TAINT 12800')
        self.assertFailure(parse(text), r'^kernel taint: W warning')

    def test_selection_matching_nothing(self):
        self.assertFailure(parse(saved('results-pass.log'),
                                 suite='no_such_test'),
                           r'^selection: .* matched no test')

    def test_suite_selection(self):
        res = parse(saved('results-pass.log'),
                    suite='coherency_test[x86_shadow]')
        names = [n for s, n, _ in res.items if n.startswith('selftest ')]
        self.assertEqual(names, [
            'selftest coherency_test[x86_shadow].coh.munmap',
            'selftest coherency_test[x86_shadow].coh.ksm',
            'selftest coherency_test[x86_shadow].coh.page_idle'])


class ConsoleTest(unittest.TestCase):
    def scan(self, name):
        res = Result()
        scan_console(res, saved(name))
        return res

    def test_clean(self):
        res = self.scan('console-clean.log')
        self.assertEqual(failures(res), [])
        self.assertEqual(res.count('pass'), 1)

    def test_warning_named_by_test(self):
        """One report for the WARNING and its Call Trace, on the test
        whose marker precedes it."""
        self.assertEqual(failures(self.scan('console-warning.log')), [
            'kernel log during "selftest coherency_test[x86_ept] coh.ksm": '
            'WARNING: CPU: 1 PID: 211 at notifier/notifier.c:120 '
            'kvmmu_mn_invalidate_range_start+0x9c/0x1a0 [kvmmu]'])

    def test_kunit_oops_named_by_case(self):
        """Inside a KUnit module, the case whose result follows the oops."""
        fails = failures(self.scan('console-kunit-oops.log'))
        self.assertEqual(len(fails), 1)
        self.assertTrue(fails[0].startswith(
            'kernel log during "kunit kvmmu_test.ko: ept_walk": BUG: kernel '
            'NULL pointer dereference'), fails)


class SelectionTest(unittest.TestCase):
    def test_brackets_match_themselves(self):
        self.assertTrue(suite_matches('coherency_test[mips]',
                                      'coherency_test[mips]'))
        self.assertFalse(suite_matches('coherency_test[mips]',
                                       'coherency_test[x86_ept]'))
        self.assertTrue(suite_matches('coherency_test[mips]', '*[mips]'))

    def test_runs_per_type(self):
        self.assertEqual(
            selftest_runs(['coherency_test', 'device_test'], '*',
                          ['x86_ept', 'mips']),
            ['coherency_test[x86_ept]', 'coherency_test[mips]',
             'device_test'])


if __name__ == '__main__':
    unittest.main()
