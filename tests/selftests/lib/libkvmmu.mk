# SPDX-License-Identifier: GPL-2.0
#
# libkvmmu.a, the selftest library, compiled once into $(OUTPUT) with the
# includer's CFLAGS.  Included by tests/selftests/Makefile and by
# tools/kvmmu-demo/Makefile, which reuses its VM and host-event helpers.
# The includer sets TOP (the repository) and OUTPUT; this defines
# LIBKVMMU (the archive), LIBKVMMU_INC (its headers' directory),
# LIBKVMMU_HDRS and LIBKVMMU_OBJS.

LIBKVMMU_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
LIBKVMMU_INC := $(abspath $(LIBKVMMU_DIR)/../include)
LIBKVMMU_HDRS := $(wildcard $(LIBKVMMU_INC)/*.h) $(TOP)/include/uapi/linux/kvmmu.h
LIBKVMMU_OBJS := $(patsubst $(LIBKVMMU_DIR)/%.c,$(OUTPUT)/libkvmmu-%.o,$(wildcard $(LIBKVMMU_DIR)/*.c))
LIBKVMMU := $(OUTPUT)/libkvmmu.a

$(OUTPUT)/libkvmmu-%.o: $(LIBKVMMU_DIR)/%.c $(LIBKVMMU_HDRS)
	$(CC) $(CFLAGS) -I$(LIBKVMMU_INC) -c -o $@ $<

$(LIBKVMMU): $(LIBKVMMU_OBJS)
	rm -f $@
	$(AR) rcs $@ $^
