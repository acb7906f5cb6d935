# SPDX-License-Identifier: GPL-2.0
#
# Wrapper around kbuild plus the targets users of an out-of-tree module
# expect.  The module itself is described by Kbuild.

KDIR ?= /lib/modules/$(shell uname -r)/build
PREFIX ?= /usr
DESTDIR ?=
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
HARNESS := tests/qemu/harness.py
PYTHON ?= python3

# Quick loops: make check FLAVOUR=fast SUITE=device_test TEST='dev.api_*'
HARNESS_ARGS := $(foreach f,$(FLAVOUR),--flavour $(f)) \
	$(if $(SUITE),--suite '$(SUITE)') $(if $(TEST),--test '$(TEST)')

all: module

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf out

# modules_install runs depmod for KDIR's release.
install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

DKMS_SOURCES := Kbuild Makefile dkms.conf include dev mmu notifier memslots arch tests/kunit

dkms-install: dkms.conf
	install -d $(DESTDIR)$(PREFIX)/src/kvmmu-$(VERSION)
	cp -r --parents $(wildcard $(DKMS_SOURCES)) $(DESTDIR)$(PREFIX)/src/kvmmu-$(VERSION)/
	@echo "now: dkms install kvmmu/$(VERSION)"

# Debian's tooling, installed (as root) by tests/setup.sh when missing.
deps:
	bash tests/setup.sh

# checkpatch --strict and kernel-doc -none on our C files.
style: deps
	$(PYTHON) $(HARNESS) style

# kernel-doc alone (style runs it too).
kernel-doc: deps
	$(PYTHON) $(HARNESS) kernel-doc

# make check's static group (no DKMS) with the tools already there: the
# harness's parser tests, checkpatch, the -Werror build and sparse.
check-static:
	$(PYTHON) $(HARNESS) static

sparse: deps
	$(PYTHON) $(HARNESS) sparse $(if $(filter command line environment,$(origin KDIR)),--kdir $(KDIR))

check: deps
	$(PYTHON) $(HARNESS) check $(HARNESS_ARGS)

harness-selftest: deps
	$(PYTHON) $(HARNESS) harness-selftest $(MODES)

kernels: deps
	$(PYTHON) $(HARNESS) kernel $(FLAVOUR)

# The demo VMM in a booted kernel (fast unless FLAVOUR=...), streaming its
# output: make demo [ARGS='--size 128 --duration 60'];
# make bench [ARGS='--sizes 16,64 --reps 5'].  Not part of make check.
DEMO_ARGS := $(foreach f,$(firstword $(FLAVOUR)),--flavour $(f)) \
	$(if $(ARGS),-- $(ARGS))

demo: deps
	$(PYTHON) $(HARNESS) demo $(DEMO_ARGS)

bench: deps
	$(PYTHON) $(HARNESS) bench $(DEMO_ARGS)

.PHONY: all module clean install dkms-install deps style sparse check harness-selftest kernels
.PHONY: kernel-doc check-static
.PHONY: demo bench
