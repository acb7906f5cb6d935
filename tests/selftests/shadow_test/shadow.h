/* SPDX-License-Identifier: GPL-2.0 */
/*
 * shadow_test: the guest-physical and guest-virtual layouts, the x86
 * paging-structure bits and the guest whose tables the tests build.
 */
#ifndef _SHADOW_H
#define _SHADOW_H

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvmmu_stress.h"
#include "kvmmu_test.h"

#define PG		PAGE_SIZE_4K
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL
#define QWORDS		(PG / 8)

/*
 * Guest-physical layout: 32 MiB of RAM at gpa 0.  Page tables come from
 * [1 MiB, 4 MiB), 4 KiB data pages from [4 MiB, 16 MiB), and [16 MiB,
 * 32 MiB) is 2 MiB-aligned data for large pages.
 */
#define RAM_SIZE	(32ULL << 20)
#define TABLE_GPA	0x100000ULL
#define TABLE_END	0x400000ULL
#define DATA_GPA	0x400000ULL
#define DATA_END	0x1000000ULL
#define HUGE_GPA	0x1000000ULL

/*
 * Guest-virtual layout (all below the canonical hole): all RAM at
 * DMAP_GVA (PML4 slot 1); test mappings in 1 GiB regions from 4 GiB
 * (PML4 slot 0), or in PML4 slots of their own (PML4_GVA()).
 */
#define DMAP_GVA	0x0000008000000000ULL
#define REGION(n)	(0x100000000ULL + (__u64)(n) * SZ_1G)
#define PML4_GVA(i)	((__u64)(i) << 39)
#define MANY_GVA	REGION(64)

/* x86 paging-structure entries */
#define PTE_P		_BITULL(0)
#define PTE_RW		_BITULL(1)
#define PTE_US		_BITULL(2)
#define PTE_A		_BITULL(5)
#define PTE_D		_BITULL(6)
#define PTE_PS		_BITULL(7)
#define PTE_XD		_BITULL(63)
#define PTE_ADDR	0x000ffffffffff000ULL
#define URW		(PTE_P | PTE_RW | PTE_US)

#define CR0_ON		(KVMMU_X86_CR0_PE | KVMMU_X86_CR0_WP | KVMMU_X86_CR0_PG)
#define CR4_LA57	_BITULL(12)
#define CR4_SMEP	_BITULL(20)
#define CR4_SMAP	_BITULL(21)
#define CR4_PKE		_BITULL(22)

#define RD		KVMMU_ACCESS_READ
#define WR		KVMMU_ACCESS_WRITE
#define FE		KVMMU_ACCESS_FETCH
#define USR		KVMMU_ACCESS_USER
#define PF		KVMMU_RESULT_PAGE_FAULT
#define PF_P		KVMMU_PF_PRESENT
#define PF_W		KVMMU_PF_WRITE
#define PF_U		KVMMU_PF_USER
#define PF_R		KVMMU_PF_RSVD
#define PF_I		KVMMU_PF_FETCH

#define EPT_MT_WB	6

struct guest {
	char *ram;
	__u64 next_table;
	__u64 next_data;
};

#endif /* _SHADOW_H */
