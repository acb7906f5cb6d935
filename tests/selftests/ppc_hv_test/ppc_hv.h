/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ppc_hv_test: the segment, HPTE, MSR and DSISR definitions, the guest
 * real memory layout, and the guest whose memory the tests use.
 */
#ifndef _PPC_HV_H
#define _PPC_HV_H

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
#define QWORDS		(PG / 8)

/*
 * Guest real memory: 256 MiB at 0 (only the pages a test uses are ever
 * touched).  Data pages come from [4 MiB, 5 MiB): their VRMA entries hash
 * to PTEGs 0x300-0x4ff of the default table, which the guest's own
 * mappings (segment 1, pages 0x10-0xff: PTEGs 0x10-0xff and 0x700-0x7ef)
 * never use.
 */
#define RAM_SIZE	(256ULL << 20)
#define DATA_GRA	0x400000ULL
#define DATA_END	0x500000ULL

/* Effective addresses of the guest's own mappings. */
#define SEG(n)		((__u64)(n) << 40)
#define EA(n)		(SEG(1) + ((0x10ULL + (n)) << 12))

/* HPTE first doubleword (v) */
#define V_VALID		_BITULL(0)
#define V_SECONDARY	_BITULL(1)
#define V_LARGE		_BITULL(2)
#define V_BOLTED	_BITULL(4)
#define V_AVPN		0x3fffffffffffff80ULL
#define V_1TB		_BITULL(62)
/* HPTE second doubleword (r) */
#define R_PP		3ULL
#define R_N		_BITULL(2)
#define R_M		_BITULL(4)
#define R_I		_BITULL(5)
#define R_C		_BITULL(7)
#define R_R		_BITULL(8)
#define R_RPN		0x0ffffffffffff000ULL
#define PP_RW_NONE	0ULL	/* supervisor read-write, user none */
#define PP_RW_RO	1ULL	/* supervisor read-write, user read-only */
#define PP_RW_RW	2ULL
#define PP_RO_RO	3ULL
#define R_PP0		_BITULL(63)
#define PP_RO_NONE	(R_PP0 | 2)	/* pp0||pp 110: supervisor RO, user none */

#define H_EXACT		_BITULL(63 - 56)
#define H_AVPN		_BITULL(63 - 32)
#define H_ANDCOND	_BITULL(63 - 33)

#define DSISR_NOHPTE	0x40000000ULL
#define DSISR_PROT	0x08000000ULL
#define DSISR_STORE	0x02000000ULL

#define MSR_DR		KVMMU_PPC_MSR_DR
#define MSR_IR		KVMMU_PPC_MSR_IR
#define MSR_PR		KVMMU_PPC_MSR_PR

#define RD		KVMMU_ACCESS_READ
#define WR		KVMMU_ACCESS_WRITE
#define FE		KVMMU_ACCESS_FETCH
#define USR		KVMMU_ACCESS_USER
#define PF		KVMMU_RESULT_PAGE_FAULT

#define WIMG_M		2	/* TRANSLATE memtype: memory coherence */

#define SEG_OFF		((1ULL << 40) - 1)

struct guest {
	char *ram;
	__u64 next_data;
};

#endif /* _PPC_HV_H */
