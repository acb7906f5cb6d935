# SPDX-License-Identifier: GPL-2.0
"""Results and the report: every result, a table per group and the
closing "N passed, N failed, N skipped" line."""


class Result:
    def __init__(self):
        self.items = []   # (status, name, detail)

    def add(self, status, name, detail=''):
        self.items.append((status, name, detail))

    def count(self, status):
        return sum(1 for s, _, _ in self.items if s == status)


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
