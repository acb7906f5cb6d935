# SPDX-License-Identifier: GPL-2.0
"""The parts of tests/qemu/harness.py, one module per stage of a run."""
