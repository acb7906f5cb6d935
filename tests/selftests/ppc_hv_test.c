// SPDX-License-Identifier: GPL-2.0
/*
 * PowerPC Book3S HV (KVMMU_VM_PPC_HV): the hashed page table as the guest
 * drives it through hypervisor calls, and as the hypervisor keeps it
 * coherent with the host.
 *
 * The test computes what the guest kernel would: the hash of an effective
 * address (1 TiB segments, VSID = EA >> 40, 4 KiB pages), its primary and
 * secondary PTEG, and the HPTE words in the Power ISA 2.07 format.  The
 * hypervisor must find the guest's entries where the hardware would, and
 * nowhere else.
 *
 * Covered: KVMMU_PPC_ALLOCATE_HTAB, KVMMU_PPC_GET/SET_MSR and the hcall
 * ABI (H_ENTER, H_REMOVE, H_READ, H_CLEAR_REF, H_CLEAR_MOD, bad inputs
 * that change nothing, full PTEGs); data storage interrupts and their
 * DSISR (no HPTE, protection, store); pp permissions for the supervisor
 * and problem state (MSR.PR or a user access), and N for fetches; DR and
 * IR separately; R and C as the guest sees them; idle page tracking;
 * VRMA entries evicted from full groups in real mode, never the guest's;
 * several effective addresses on one guest real page under DONTNEED,
 * KSM, migration, swap, fork and mprotect; and a multi-vCPU stress of
 * hcall remaps and host invalidations against checked reads.
 *
 * Runs as root (pfns, swap, KSM).  The whole program skips if the module
 * offers no PPC HV VMs; a test whose host feature is absent skips.
 */
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

/* What the VMM puts in the qword at guest real address @gra. */
static __u64 val(unsigned int tag, __u64 gra)
{
	return 0x5bULL << 56 | (__u64)tag << 32 | gra;
}

/* ------------------------------------------------------------------ */
/* The hashed page table, as the guest computes it */

static __u64 npteg(unsigned int order)
{
	return 1ULL << (order - 7);
}

#define SEG_OFF		((1ULL << 40) - 1)

/* The hash of the page at offset @off of the segment with @vsid. */
static __u64 hash(__u64 vsid, __u64 off)
{
	return vsid ^ (vsid << 25) ^ ((off & SEG_OFF) >> 12);
}

/* The first HPTE index of @ea's primary (or secondary) PTEG. */
static __u64 pteg_of(__u64 ea, unsigned int order, bool secondary)
{
	__u64 h = hash(ea >> 40, ea);

	return ((secondary ? ~h : h) & (npteg(order) - 1)) * 8;
}

/* The same for a real-mode access to @gra, through the VRMA. */
static __u64 vrma_pteg(__u64 gra, unsigned int order, bool secondary)
{
	__u64 h = hash(KVMMU_PPC_VRMA_VSID + (gra >> 40), gra);

	return ((secondary ? ~h : h) & (npteg(order) - 1)) * 8;
}

/* v of an HPTE for @off in segment @vsid: AVPN = VPN >> 11, B = 1 TiB. */
static __u64 hpte_v_vsid(__u64 vsid, __u64 off, bool secondary)
{
	__u64 vpn = vsid << 28 | (off & SEG_OFF) >> 12;

	return ((vpn >> 11) << 7 & V_AVPN) | V_1TB | V_VALID |
	       (secondary ? V_SECONDARY : 0);
}

static __u64 hpte_v(__u64 ea, bool secondary)
{
	return hpte_v_vsid(ea >> 40, ea, secondary);
}

static __u64 hpte_r(__u64 gra, __u64 pp)
{
	return (gra & R_RPN) | R_M | pp;
}

/* ------------------------------------------------------------------ */
/* vCPU helpers */

static int set_msr(int vcpu, __u64 msr)
{
	return kvmmu_ioctl(vcpu, KVMMU_PPC_SET_MSR, &msr);
}

static __u64 get_msr(struct __test_metadata *_metadata, int vcpu)
{
	__u64 msr = 0xa5a5a5a5a5a5a5a5ULL;

	EXPECT_EQ(0, kvmmu_ioctl(vcpu, KVMMU_PPC_GET_MSR, &msr));
	return msr;
}

/* An hcall; returns the ioctl's error, or 0 with @h filled in. */
static int hcall(int vcpu, struct kvmmu_ppc_hcall *h, __u64 nr, __u64 a0,
		 __u64 a1, __u64 a2, __u64 a3)
{
	memset(h, 0, sizeof(*h));
	h->nr = nr;
	h->args[0] = a0;
	h->args[1] = a1;
	h->args[2] = a2;
	h->args[3] = a3;
	h->ret = 0x7777;	/* the kernel must overwrite it */
	return kvmmu_ioctl(vcpu, KVMMU_PPC_HCALL, h);
}

/* An hcall's H_* status (or the ioctl's -errno, which is never one). */
static long hc(int vcpu, __u64 nr, __u64 a0, __u64 a1, __u64 a2, __u64 a3,
	       __u64 *rets)
{
	struct kvmmu_ppc_hcall h;
	int r = hcall(vcpu, &h, nr, a0, a1, a2, a3);

	/* On an ioctl error, what the hcall never returned reads as ~0. */
	if (rets) {
		rets[0] = r ? ~0ULL : h.rets[0];
		rets[1] = r ? ~0ULL : h.rets[1];
	}
	if (r)
		return 1000 + r;
	return h.ret;
}

static long h_enter(int vcpu, __u64 flags, __u64 idx, __u64 v, __u64 r,
		    __u64 *used)
{
	__u64 rets[2] = { ~0ULL, ~0ULL };
	long ret = hc(vcpu, KVMMU_PPC_H_ENTER, flags, idx, v, r, rets);

	if (used)
		*used = rets[0];
	return ret;
}

static long h_read(int vcpu, __u64 idx, __u64 *v, __u64 *r)
{
	__u64 rets[2] = { ~0ULL, ~0ULL };
	long ret = hc(vcpu, KVMMU_PPC_H_READ, 0, idx, 0, 0, rets);

	*v = rets[0];
	*r = rets[1];
	return ret;
}

static long h_remove(int vcpu, __u64 idx, __u64 *rets)
{
	return hc(vcpu, KVMMU_PPC_H_REMOVE, 0, idx, 0, 0, rets);
}

/*
 * The guest maps @ea onto @gra with @pp (and @rflags): H_ENTER into any
 * free slot of the primary PTEG, else of the secondary one, as Linux's
 * hash fault handler does.  Returns the HPTE index.
 */
static __u64 map_ea(struct __test_metadata *_metadata, int vcpu,
		    unsigned int order, __u64 ea, __u64 gra, __u64 pp,
		    __u64 rflags)
{
	__u64 idx = ~0ULL;
	long ret;

	ret = h_enter(vcpu, 0, pteg_of(ea, order, false), hpte_v(ea, false),
		      hpte_r(gra, pp) | rflags, &idx);
	if (ret == KVMMU_PPC_H_PTEG_FULL)
		ret = h_enter(vcpu, 0, pteg_of(ea, order, true),
			      hpte_v(ea, true), hpte_r(gra, pp) | rflags,
			      &idx);
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, ret)
		TH_LOG("H_ENTER of ea %#llx -> %#llx: %ld",
		       (unsigned long long)ea, (unsigned long long)gra, ret);
	return idx;
}

/* An access that must end in a storage interrupt with @dsisr. */
static bool dsi_is(struct __test_metadata *_metadata, int vcpu, int type,
		   __u64 addr, __u64 dsisr)
{
	struct kvmmu_access a = kvmmu_access_one(vcpu, type, addr, 8, 0x77);

	if (a.result == PF && a.data == dsisr)
		return true;
	TH_LOG("%s of %#llx: result %d data %#llx, expected a storage interrupt (%d) with %#llx",
	       kvmmu_access_name(type), (unsigned long long)addr, a.result,
	       (unsigned long long)a.data, PF, (unsigned long long)dsisr);
	return false;
}

static struct kvmmu_translation xlate(struct __test_metadata *_metadata,
				      int vcpu, __u64 addr)
{
	struct kvmmu_translation t;

	EXPECT_EQ(0, kvmmu_translate(vcpu, addr, &t));
	return t;
}

/* @addr translates, as an access would now, to host frame @pfn. */
static bool maps_pfn(struct __test_metadata *_metadata, int vcpu, __u64 addr,
		     __u64 pfn)
{
	struct kvmmu_translation t;
	int r = kvmmu_translate(vcpu, addr, &t);

	if (!r && (t.flags & KVMMU_TR_PRESENT) && t.level == 1 &&
	    t.memtype == WIMG_M && t.pfn == pfn && pfn)
		return true;
	TH_LOG("translate %#llx: %d, flags %#x level %u memtype %u pfn %#llx, expected pfn %#llx",
	       (unsigned long long)addr, r, t.flags, t.level, t.memtype,
	       (unsigned long long)t.pfn, (unsigned long long)pfn);
	return false;
}

/* ------------------------------------------------------------------ */
/* The fixture: a PPC HV VM, one vCPU, 256 MiB of guest real memory */

struct guest {
	char *ram;
	__u64 next_data;
};

FIXTURE(hv) {
	int vm;
	int vcpu;
	struct guest g;
	struct kvmmu_host_state hs;
};

static __u64 *gmem(struct guest *g, __u64 gra)
{
	return (__u64 *)(g->ram + gra);
}

/* Fill the page at @p, guest real address @gra, with @tag. */
static void fill_ram(char *p, __u64 gra, unsigned int tag)
{
	unsigned long i;

	for (i = 0; i < QWORDS; i++)
		kvmmu_poke(p + i * 8, val(tag, gra + i * 8));
}

static void fill(struct guest *g, __u64 gra, unsigned int tag)
{
	fill_ram(g->ram + gra, gra, tag);
}

static __u64 data_page(struct __test_metadata *_metadata, struct guest *g,
		       unsigned int tag)
{
	__u64 gra = g->next_data;

	ASSERT_GT(DATA_END, gra) TH_LOG("out of data pages");
	g->next_data += PG;
	fill(g, gra, tag);
	return gra;
}

static __u64 pfn_of_hva(const void *p)
{
	__u64 e = kvmmu_pagemap_raw(p);

	return e & KVMMU_PM_PRESENT ? e & KVMMU_PM_PFN : 0;
}

/* The host frame behind guest real address @gra (0 if none). */
static __u64 hpfn(struct guest *g, __u64 gra)
{
	return pfn_of_hva(g->ram + gra);
}

FIXTURE_SETUP(hv)
{
	kvmmu_setup_vm(_metadata, KVMMU_VM_PPC_HV, 0, RAM_SIZE, &self->vm,
		       &self->vcpu, &self->g.ram);
	self->g.next_data = DATA_GRA;
}

FIXTURE_TEARDOWN(hv)
{
	kvmmu_host_restore(&self->hs);
	close(self->vcpu);
	close(self->vm);
	munmap(self->g.ram, RAM_SIZE);
}

/* ------------------------------------------------------------------ */
/* 1. The ABI */

/*
 * Capabilities of a PPC HV VM; the PPC ioctls on an EPT VM and the x86
 * shadow ioctls on a PPC VM are ENOTTY.
 */
TEST(vm_types)
{
	struct kvmmu_ppc_hcall h;
	struct kvmmu_paging p;
	struct kvmmu_vm_stats st;
	int vm, ept, vcpu;
	__u32 order = 0;
	__u64 msr = 0;

	vm = kvmmu_create_vm(KVMMU_VM_PPC_HV);
	ASSERT_LE(0, vm) TH_LOG("KVMMU_CREATE_VM(PPC_HV): %s", strerror(-vm));
	EXPECT_TRUE(ioctl(vm, KVMMU_CHECK_EXTENSION, KVMMU_CAP_VM_TYPES) &
		    1 << KVMMU_VM_PPC_HV);
	EXPECT_EQ(48, ioctl(vm, KVMMU_CHECK_EXTENSION, KVMMU_CAP_GPA_BITS));
	EXPECT_EQ(1, ioctl(vm, KVMMU_CHECK_EXTENSION, KVMMU_CAP_READONLY_MEM));
	vcpu = kvmmu_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_GET_PAGING, &p));
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_MMU_RESET, NULL));
	EXPECT_EQ(0, kvmmu_vm_stats(vm, &st));
	EXPECT_EQ(0, st.fast_faults + st.shadow_pages + st.pt_writes);
	close(vcpu);
	close(vm);

	ept = kvmmu_create_vm(KVMMU_VM_X86_EPT);
	ASSERT_LE(0, ept);
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(ept, KVMMU_PPC_ALLOCATE_HTAB, &order));
	vcpu = kvmmu_create_vcpu(ept, 0);
	ASSERT_LE(0, vcpu);
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_PPC_GET_MSR, &msr));
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_PPC_SET_MSR, &msr));
	EXPECT_EQ(-ENOTTY, hcall(vcpu, &h, KVMMU_PPC_H_READ, 0, 0, 0, 0));
	EXPECT_EQ(0, kvmmu_vm_stats(ept, &st));
	EXPECT_EQ(0, st.hpte_evictions);
	close(vcpu);
	close(ept);
}

/* The HPTE index limit of the table in effect is 2^order / 16. */
static void expect_order(struct __test_metadata *_metadata, int vcpu,
			 unsigned int order)
{
	__u64 last = (1ULL << (order - 4)) - 1, v, r, ea = EA(0);

	EXPECT_EQ(KVMMU_PPC_H_PARAMETER, h_read(vcpu, last + 1, &v, &r))
		TH_LOG("order %u: index %#llx", order,
		       (unsigned long long)last + 1);
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, last, &v, &r))
		TH_LOG("order %u: index %#llx", order,
		       (unsigned long long)last);
	EXPECT_EQ(0, v & V_VALID);
	/* An HPTE entered at the right PTEG of this order is found. */
	EXPECT_EQ(0, set_msr(vcpu, MSR_DR));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, pteg_of(ea, order, false), hpte_v(ea, false),
			  hpte_r(DATA_GRA, PP_RW_RW), NULL));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, RD, ea + 8, 0x0123));
}

/*
 * ALLOCATE_HTAB: 0 is the default order, [18, 24] are taken, anything
 * else is EINVAL and leaves the order as it was; once a vCPU exists the
 * table can no longer be replaced (EBUSY).  The order in effect decides
 * the index range and the hash mask.
 */
TEST(allocate_htab)
{
	static const __u32 bad[] = { 1, 12, 17, 25, 26, 64, 0x80000012 };
	unsigned int i, k;
	__u32 order;
	char *mem;
	int vm, vcpu;

	mem = kvmmu_alloc_anon(DATA_END);
	ASSERT_NE(MAP_FAILED, mem);
	kvmmu_poke(mem + DATA_GRA + 8, 0x0123);
	for (k = 0; k < 3; k++) {
		static const __u32 want[] = { 18, 19, 24 };

		vm = kvmmu_create_vm(KVMMU_VM_PPC_HV);
		ASSERT_LE(0, vm);
		ASSERT_EQ(0, kvmmu_set_region(vm, 0, 0, 0, DATA_END, mem));
		order = 0;
		EXPECT_EQ(0, kvmmu_ioctl(vm, KVMMU_PPC_ALLOCATE_HTAB, &order));
		EXPECT_EQ(KVMMU_PPC_HPT_ORDER_DEFAULT, order);
		order = want[k];
		EXPECT_EQ(0, kvmmu_ioctl(vm, KVMMU_PPC_ALLOCATE_HTAB, &order));
		EXPECT_EQ(want[k], order);
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			order = bad[i];
			EXPECT_EQ(-EINVAL, kvmmu_ioctl(vm, KVMMU_PPC_ALLOCATE_HTAB,
						       &order))
				TH_LOG("order %u", bad[i]);
		}
		EXPECT_EQ(-EFAULT, kvmmu_ioctl(vm, KVMMU_PPC_ALLOCATE_HTAB,
					       (void *)8));
		vcpu = kvmmu_create_vcpu(vm, 0);
		ASSERT_LE(0, vcpu);
		order = want[k];
		EXPECT_EQ(-EBUSY, kvmmu_ioctl(vm, KVMMU_PPC_ALLOCATE_HTAB,
					      &order));
		order = 0;
		EXPECT_EQ(-EBUSY, kvmmu_ioctl(vm, KVMMU_PPC_ALLOCATE_HTAB,
					      &order));
		expect_order(_metadata, vcpu, want[k]);
		close(vcpu);
		close(vm);
	}

	/* Without ALLOCATE_HTAB, the default. */
	vm = kvmmu_create_vm(KVMMU_VM_PPC_HV);
	ASSERT_LE(0, vm);
	ASSERT_EQ(0, kvmmu_set_region(vm, 0, 0, 0, DATA_END, mem));
	vcpu = kvmmu_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	expect_order(_metadata, vcpu, KVMMU_PPC_HPT_ORDER_DEFAULT);
	close(vcpu);
	close(vm);
	munmap(mem, DATA_END);
}

/* MSR: 0 at first; DR, IR and PR are settable, every other bit EINVAL. */
TEST_F(hv, msr)
{
	static const __u64 good[] = {
		MSR_DR, MSR_IR, MSR_PR, MSR_DR | MSR_IR,
		MSR_DR | MSR_IR | MSR_PR, MSR_PR | MSR_DR, 0,
	};
	const __u64 cur = MSR_DR | MSR_PR;
	int vcpu = self->vcpu, vcpu1;
	unsigned int i;

	EXPECT_EQ(0, get_msr(_metadata, vcpu));
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		EXPECT_EQ(0, set_msr(vcpu, good[i]));
		EXPECT_EQ(good[i], get_msr(_metadata, vcpu));
	}
	ASSERT_EQ(0, set_msr(vcpu, cur));
	for (i = 0; i < 64; i++) {
		if (_BITULL(i) & (MSR_DR | MSR_IR | MSR_PR))
			continue;
		EXPECT_EQ(-EINVAL, set_msr(vcpu, cur | _BITULL(i)))
			TH_LOG("MSR bit %u", i);
		EXPECT_EQ(cur, get_msr(_metadata, vcpu));
	}
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(vcpu, KVMMU_PPC_SET_MSR, (void *)8));
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(vcpu, KVMMU_PPC_GET_MSR, (void *)8));
	EXPECT_EQ(cur, get_msr(_metadata, vcpu));

	/* Per vCPU. */
	vcpu1 = kvmmu_create_vcpu(self->vm, 1);
	ASSERT_LE(0, vcpu1);
	EXPECT_EQ(0, get_msr(_metadata, vcpu1));
	close(vcpu1);
}

/*
 * The hcall ioctl: unknown hcalls are H_FUNCTION (the ioctl succeeds),
 * non-zero reserved words EINVAL, a bad pointer EFAULT.
 */
TEST_F(hv, hcall_abi)
{
	static const __u64 unknown[] = {
		0, 0x1c, 0x20, 0x28, 0x34, 0x40, 0x400, 0xf000, ~0ULL,
	};
	struct kvmmu_ppc_hcall h;
	__u64 v, r, idx;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		EXPECT_EQ(0, hcall(self->vcpu, &h, unknown[i], 0, 0, 0, 0));
		EXPECT_EQ(KVMMU_PPC_H_FUNCTION, h.ret)
			TH_LOG("hcall %#llx", (unsigned long long)unknown[i]);
	}
	memset(&h, 0, sizeof(h));
	h.nr = KVMMU_PPC_H_ENTER;
	h.args[1] = pteg_of(EA(0), 18, false);
	h.args[2] = hpte_v(EA(0), false);
	h.args[3] = hpte_r(DATA_GRA, PP_RW_RW);
	h.reserved[1] = 1;
	EXPECT_EQ(-EINVAL, kvmmu_ioctl(self->vcpu, KVMMU_PPC_HCALL, &h));
	h.reserved[1] = 0;
	h.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, kvmmu_ioctl(self->vcpu, KVMMU_PPC_HCALL, &h));
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_PPC_HCALL, (void *)8));
	/* Neither entered anything. */
	for (idx = pteg_of(EA(0), 18, false), i = 0; i < 8; i++) {
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(self->vcpu, idx + i, &v, &r));
		EXPECT_EQ(0, v & V_VALID);
	}
}

/*
 * H_ENTER into any free slot, H_EXACT, a full PTEG, H_READ of what was
 * entered (the guest's own words, its real page number), H_REMOVE (the
 * old words; a second time H_NOT_FOUND), and indexes past the table.
 */
TEST_F(hv, hpte_lifecycle)
{
	const __u64 base = pteg_of(EA(0), 18, false), nptes = 1ULL << 14;
	int vcpu = self->vcpu;
	__u64 v, r, idx, rets[2], gra[9], ea[9];
	unsigned int i;
	long ret;

	for (i = 0; i < 9; i++) {
		gra[i] = data_page(_metadata, &self->g, i + 1);
		/* Nine EAs with one primary PTEG: segments 1 + 2048 k. */
		ea[i] = EA(0) + ((__u64)i * 2048 << 40);
		ASSERT_EQ(base, pteg_of(ea[i], 18, false));
	}

	/* Exact slot 5 first, then any free slot: 0-4, 6, 7. */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, H_EXACT, base + 5, hpte_v(ea[0], false),
			  hpte_r(gra[0], PP_RW_RW), &idx));
	EXPECT_EQ(base + 5, idx);
	for (i = 1; i < 8; i++) {
		ret = h_enter(vcpu, 0, base + (i & 7), hpte_v(ea[i], false),
			      hpte_r(gra[i], PP_RW_RW), &idx);
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS, ret) TH_LOG("entry %u", i);
		EXPECT_EQ(base + (i < 6 ? i - 1 : i), idx) TH_LOG("entry %u", i);
	}
	/* Full: neither any slot nor an exact one. */
	EXPECT_EQ(KVMMU_PPC_H_PTEG_FULL,
		  h_enter(vcpu, 0, base, hpte_v(ea[8], false),
			  hpte_r(gra[8], PP_RW_RW), NULL));
	EXPECT_EQ(KVMMU_PPC_H_PTEG_FULL,
		  h_enter(vcpu, H_EXACT, base + 2, hpte_v(ea[8], false),
			  hpte_r(gra[8], PP_RW_RW), NULL));

	/* Everything as entered, and the guest reaches each page. */
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	for (i = 0; i < 8; i++) {
		idx = base + (i == 0 ? 5 : i < 6 ? i - 1 : i);
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, idx, &v, &r));
		EXPECT_EQ(hpte_v(ea[i], false), v) TH_LOG("entry %u", i);
		EXPECT_EQ(hpte_r(gra[i], PP_RW_RW), r & ~(R_R | R_C))
			TH_LOG("entry %u", i);
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea[i] + 16,
					val(i + 1, gra[i] + 16)));
	}
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, ea[8], DSISR_NOHPTE));

	/* The ninth goes to the secondary PTEG, with H set. */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, pteg_of(ea[8], 18, true), hpte_v(ea[8], true),
			  hpte_r(gra[8], PP_RW_RW), &idx));
	EXPECT_EQ(pteg_of(ea[8], 18, true), idx & ~7ULL);
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea[8] + 24, val(9, gra[8] + 24)));

	/* H_REMOVE: the old words; the EA faults; again: H_NOT_FOUND. */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_remove(vcpu, base + 3, rets));
	EXPECT_EQ(hpte_v(ea[4], false), rets[0]);
	EXPECT_EQ(hpte_r(gra[4], PP_RW_RW), rets[1] & ~(R_R | R_C));
	EXPECT_TRUE(rets[1] & R_R);	/* the guest read it */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, base + 3, &v, &r));
	EXPECT_EQ(0, v & V_VALID);
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, ea[4], DSISR_NOHPTE));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, WR, ea[4] + 8,
			   DSISR_NOHPTE | DSISR_STORE));
	EXPECT_EQ(KVMMU_PPC_H_NOT_FOUND, h_remove(vcpu, base + 3, rets));
	EXPECT_EQ(KVMMU_PPC_H_NOT_FOUND, h_remove(vcpu, base + 64, rets));
	/* The freed slot is the one "any slot" takes. */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, base, hpte_v(ea[4], false),
			  hpte_r(gra[5], PP_RW_RW), &idx));
	EXPECT_EQ(base + 3, idx);
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea[4] + 8, val(6, gra[5] + 8)));

	/* Past the table: H_PARAMETER, nothing changed. */
	EXPECT_EQ(KVMMU_PPC_H_PARAMETER,
		  h_enter(vcpu, H_EXACT, nptes, hpte_v(EA(1), false),
			  hpte_r(gra[0], PP_RW_RW), NULL));
	EXPECT_EQ(KVMMU_PPC_H_PARAMETER,
		  h_enter(vcpu, 0, nptes + 8, hpte_v(EA(1), false),
			  hpte_r(gra[0], PP_RW_RW), NULL));
	EXPECT_EQ(KVMMU_PPC_H_PARAMETER, h_read(vcpu, nptes, &v, &r));
	EXPECT_EQ(KVMMU_PPC_H_PARAMETER, h_read(vcpu, ~0ULL, &v, &r));
	EXPECT_EQ(KVMMU_PPC_H_PARAMETER, h_remove(vcpu, nptes, rets));
	EXPECT_EQ(KVMMU_PPC_H_PARAMETER,
		  hc(vcpu, KVMMU_PPC_H_CLEAR_REF, 0, nptes, 0, 0, rets));
	EXPECT_EQ(KVMMU_PPC_H_PARAMETER,
		  hc(vcpu, KVMMU_PPC_H_CLEAR_MOD, 0, nptes + 7, 0, 0, rets));
	for (i = 0; i < 8; i++)
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea[i] + 16,
					i == 4 ? val(6, gra[5] + 16) :
				  val(i + 1, gra[i] + 16)));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, EA(1), DSISR_NOHPTE));
}

/*
 * Bad HPTE words: H_ENTER refuses (H_PARAMETER) a large page, a segment
 * size other than 1 TiB, a VSID no effective address has (the VRMA's),
 * reserved r bits and reserved pp0||pp values, and enters nothing.
 * H_REMOVE with H_AVPN removes only a matching HPTE, with H_ANDCOND only
 * one without the given bits; H_CLEAR_* of a free HPTE is H_NOT_FOUND.
 */
TEST_F(hv, hcall_bad_input)
{
	const __u64 ea = EA(0x20), grp = pteg_of(ea, 18, false);
	struct guest *g = &self->g;
	__u64 p = data_page(_metadata, g, 1), v0 = hpte_v(ea, false);
	__u64 r0 = hpte_r(p, PP_RW_RW), v, r, idx, rets[2];
	const struct {
		__u64 v, r;
		const char *what;
	} bad[] = {
		{ v0 | V_LARGE, r0, "L" },
		{ v0 & ~V_1TB, r0, "B = 0 (256 MiB)" },
		{ (v0 & ~V_1TB) | _BITULL(63), r0, "B = 2" },
		{ v0 | V_1TB | _BITULL(63), r0, "B = 3" },
		{ hpte_v_vsid(KVMMU_PPC_VRMA_VSID, ea, false), r0,
		  "the VRMA's VSID" },
		{ hpte_v_vsid(1ULL << 24, ea, false), r0, "VSID 2^24" },
		{ v0, r0 | _BITULL(9), "r bit 9 (key)" },
		{ v0, r0 | _BITULL(60), "r bit 60" },
		{ v0, hpte_r(p, R_PP0 | 0), "pp0||pp 100" },
		{ v0, hpte_r(p, R_PP0 | 1), "pp0||pp 101" },
		{ v0, hpte_r(p, R_PP0 | 3), "pp0||pp 111" },
	};
	int vcpu = self->vcpu;
	unsigned int i, k;

	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(KVMMU_PPC_H_PARAMETER,
			  h_enter(vcpu, 0, grp, bad[i].v, bad[i].r, NULL))
			TH_LOG("%s", bad[i].what);
		EXPECT_EQ(KVMMU_PPC_H_PARAMETER,
			  h_enter(vcpu, H_EXACT, grp + 3, bad[i].v, bad[i].r,
				  NULL))
			TH_LOG("%s", bad[i].what);
	}
	for (k = 0; k < 8; k++) {
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, grp + k, &v, &r));
		EXPECT_EQ(0, v) TH_LOG("slot %u", k);
		EXPECT_EQ(KVMMU_PPC_H_NOT_FOUND,
			  hc(vcpu, KVMMU_PPC_H_CLEAR_REF, 0, grp + k, 0, 0, rets));
		EXPECT_EQ(KVMMU_PPC_H_NOT_FOUND,
			  hc(vcpu, KVMMU_PPC_H_CLEAR_MOD, 0, grp + k, 0, 0, rets));
	}
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, ea, DSISR_NOHPTE));

	/* H_REMOVE's conditions. */
	ASSERT_EQ(KVMMU_PPC_H_SUCCESS, h_enter(vcpu, 0, grp, v0, r0, &idx));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, ea + 8, 0x88));
	EXPECT_EQ(KVMMU_PPC_H_NOT_FOUND,
		  hc(vcpu, KVMMU_PPC_H_REMOVE, H_AVPN, idx,
		     hpte_v(ea + SEG(1), false) & ~0x7fULL, 0, rets));
	EXPECT_EQ(KVMMU_PPC_H_NOT_FOUND,
		  hc(vcpu, KVMMU_PPC_H_REMOVE, H_ANDCOND, idx, V_1TB, 0, rets));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea + 8, 0x88));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, idx, &v, &r));
	EXPECT_EQ(v0, v);
	EXPECT_EQ(r0 | R_R | R_C, r);
	EXPECT_EQ(KVMMU_PPC_H_NOT_FOUND,
		  hc(vcpu, KVMMU_PPC_H_REMOVE, H_AVPN | H_ANDCOND, idx,
		     v0 & ~0x7fULL, 0, rets))
		TH_LOG("H_AVPN matches, but H_ANDCOND finds the bits set");
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  hc(vcpu, KVMMU_PPC_H_REMOVE, H_AVPN, idx, v0 & ~0x7fULL, 0,
		     rets));
	EXPECT_EQ(v0, rets[0]);
	EXPECT_EQ(r0 | R_R | R_C, rets[1]);
	EXPECT_TRUE(dsi_is(_metadata, vcpu, WR, ea, DSISR_NOHPTE | DSISR_STORE));
	EXPECT_EQ(0x88, kvmmu_peek(gmem(g, p + 8)));
}

/*
 * Lookups as the hardware does them: an entry in the wrong PTEG, or with
 * another AVPN, or with H set in the primary group, is not found; an
 * entry in the secondary group without H neither.  An HPTE for guest real
 * memory no slot covers faults the access with -ENOENT.
 */
TEST_F(hv, hash_lookup)
{
	struct guest *g = &self->g;
	__u64 p = data_page(_metadata, g, 1), idx, v, r;
	/* (EA(0x31) would have @ea's AVPN: it drops the low 11 VPN bits) */
	const __u64 ea = EA(0x30), other = EA(0x30) + SEG(1);
	int vcpu = self->vcpu;

	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	/* In the PTEG of another EA. */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, pteg_of(other, 18, false), hpte_v(ea, false),
			  hpte_r(p, PP_RW_RW), &idx));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, ea, DSISR_NOHPTE));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, other, DSISR_NOHPTE));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_remove(vcpu, idx, NULL));
	/* In its secondary PTEG without H, in its primary with H. */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, pteg_of(ea, 18, true), hpte_v(ea, false),
			  hpte_r(p, PP_RW_RW), &idx));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, ea, DSISR_NOHPTE));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_remove(vcpu, idx, NULL));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, pteg_of(ea, 18, false), hpte_v(ea, true),
			  hpte_r(p, PP_RW_RW), &idx));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, ea, DSISR_NOHPTE));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_remove(vcpu, idx, NULL));
	/*
	 * Another segment whose VPN differs from @ea's only in bits the AVPN
	 * keeps (2048 segments up: same hash, other AVPN).
	 */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, pteg_of(ea, 18, false),
			  hpte_v(ea + SEG(2048), false), hpte_r(p, PP_RW_RW),
			  &idx));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, ea, DSISR_NOHPTE));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea + SEG(2048) + 8, val(1, p + 8)));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_remove(vcpu, idx, NULL));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, ea + SEG(2048), DSISR_NOHPTE));

	/* Right: primary, then secondary. */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, pteg_of(ea, 18, false), hpte_v(ea, false),
			  hpte_r(p, PP_RW_RW), &idx));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea + 0xff8, val(1, p + 0xff8)));
	EXPECT_TRUE(maps_pfn(_metadata, vcpu, ea, hpfn(g, p)));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_remove(vcpu, idx, NULL));
	EXPECT_FALSE(xlate(_metadata, vcpu, ea).flags & KVMMU_TR_PRESENT);
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, pteg_of(ea, 18, true), hpte_v(ea, true),
			  hpte_r(p, PP_RW_RW), &idx));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, ea + 0x800, 0xabc));
	EXPECT_EQ(0xabc, kvmmu_peek(gmem(g, p + 0x800)));
	EXPECT_TRUE(maps_pfn(_metadata, vcpu, ea, hpfn(g, p)));

	/* Guest real memory outside every slot. */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_enter(vcpu, 0, pteg_of(other, 18, false),
			  hpte_v(other, false), hpte_r(RAM_SIZE + PG, PP_RW_RW),
			  &idx));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, other, -ENOENT));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, idx, &v, &r));
	EXPECT_EQ(hpte_v(other, false), v);
	EXPECT_EQ(RAM_SIZE + PG, r & R_RPN);
}

/*
 * Real mode and relocation: with MSR 0 addresses are guest real; DR turns
 * data accesses, IR fetches to effective addresses, each on its own.
 * TRANSLATE follows the same mode.
 */
TEST_F(hv, relocation)
{
	struct guest *g = &self->g;
	__u64 p = data_page(_metadata, g, 1), q = data_page(_metadata, g, 2);
	const __u64 ea = EA(0x40);
	int vcpu = self->vcpu;

	map_ea(_metadata, vcpu, 18, ea, q, PP_RW_RW, 0);
	/* Real mode: ea is no guest real address; p is. */
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, p + 8, val(1, p + 8)));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE, p + 16, val(1, p + 16)));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, ea, -ENOENT));
	EXPECT_TRUE(maps_pfn(_metadata, vcpu, p, hpfn(g, p)));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, p + 24, 0x24));
	EXPECT_EQ(0x24, kvmmu_peek(gmem(g, p + 24)));
	/* Problem state means nothing to real-mode accesses. */
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, WR | USR, p + 32, 0x32));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, RD | USR, p + 32, 0x32));

	/* DR: data relocated, fetches real. */
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea + 8, val(2, q + 8)));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, RD, p + 8, DSISR_NOHPTE));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE, p + 16, val(1, p + 16)));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, FE, ea, -ENOENT));
	EXPECT_TRUE(maps_pfn(_metadata, vcpu, ea, hpfn(g, q)));

	/* IR: fetches relocated, data real. */
	ASSERT_EQ(0, set_msr(vcpu, MSR_IR));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE, ea + 32, val(2, q + 32)));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, p + 40, val(1, p + 40)));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, ea, -ENOENT));

	/* Both, and back to real mode. */
	ASSERT_EQ(0, set_msr(vcpu, MSR_IR | MSR_DR));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE, ea + 40, val(2, q + 40)));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, ea + 48, 0x48));
	EXPECT_EQ(0x48, kvmmu_peek(gmem(g, q + 48)));
	ASSERT_EQ(0, set_msr(vcpu, 0));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, q + 48, 0x48));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, WR, ea, -ENOENT));
}

/*
 * A read-only slot: through an HPTE the guest made read-write, and in real
 * mode, reads work and writes fail with -EACCES (the host refuses, not
 * the guest's pp: no DSI), setting no C; the memory is unchanged.
 */
TEST_F(hv, readonly_slot)
{
	const __u64 rom_gra = 0x20000000ULL, ea = EA(0x48);
	int vcpu = self->vcpu, k;
	struct kvmmu_translation t;
	__u64 idx, v, r;
	char *rom;

	rom = kvmmu_alloc_anon(PG);
	ASSERT_NE(MAP_FAILED, rom);
	fill_ram(rom, rom_gra, 0x70);
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 1, KVMMU_MEM_READONLY, rom_gra,
				      PG, rom));
	idx = map_ea(_metadata, vcpu, 18, ea, rom_gra, PP_RW_RW, 0);
	for (k = 0; k < 2; k++) {
		__u64 a = k ? rom_gra : ea;

		ASSERT_EQ(0, set_msr(vcpu, k ? 0 : MSR_DR));
		EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, WR, a + 8, -EACCES));
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, a + 8, val(0x70, rom_gra + 8)));
		EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, WR, a + 8, -EACCES));
		t = xlate(_metadata, vcpu, a);
		EXPECT_EQ(KVMMU_TR_PRESENT,
			  t.flags & (KVMMU_TR_PRESENT | KVMMU_TR_WRITABLE));
	}
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, idx, &v, &r));
	EXPECT_EQ(R_R, r & (R_R | R_C));
	EXPECT_EQ(val(0x70, rom_gra + 8), kvmmu_peek(rom + 8));
	munmap(rom, PG);
}

/*
 * Memslot changes behind the guest's HPTEs: deleting the slot takes every
 * mapping of its pages away (EAs and real mode: -ENOENT, as MMIO) while
 * the guest's HPTEs stay as entered; the slot registered again on other
 * memory is what the same HPTEs then reach.
 */
TEST_F(hv, memslot_change)
{
	const __u64 gra = 0x20000000ULL, e1 = EA(0x49), e2 = EA(0x4a) + SEG(2);
	int vcpu = self->vcpu;
	__u64 i1, v, r;
	char *a, *b;

	a = kvmmu_alloc_anon(2 * PG);
	b = kvmmu_alloc_anon(2 * PG);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_NE(MAP_FAILED, b);
	fill_ram(a, gra, 0xa);
	fill_ram(a + PG, gra + PG, 0xa);
	fill_ram(b, gra, 0xb);
	fill_ram(b + PG, gra + PG, 0xb);
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 1, 0, gra, 2 * PG, a));
	EXPECT_FALSE(xlate(_metadata, vcpu, gra).flags & KVMMU_TR_PRESENT)
		TH_LOG("present before any access");
	i1 = map_ea(_metadata, vcpu, 18, e1, gra, PP_RW_RW, 0);
	map_ea(_metadata, vcpu, 18, e2, gra + PG, PP_RW_RW, 0);
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, gra + 8, val(0xa, gra + 8)));
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, e1 + 16, 0xa16));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, e2 + 8, val(0xa, gra + PG + 8)));

	ASSERT_EQ(0, kvmmu_set_region(self->vm, 1, 0, gra, 0, a));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, e1 + 16, -ENOENT));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, WR, e2, -ENOENT));
	EXPECT_FALSE(xlate(_metadata, vcpu, e1).flags & KVMMU_TR_PRESENT);
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, i1, &v, &r));
	EXPECT_EQ(hpte_v(e1, i1 / 8 != pteg_of(e1, 18, false) / 8), v);
	EXPECT_EQ(hpte_r(gra, PP_RW_RW) | R_R | R_C, r);
	ASSERT_EQ(0, set_msr(vcpu, 0));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, gra + 8, -ENOENT));

	ASSERT_EQ(0, kvmmu_set_region(self->vm, 1, 0, gra, 2 * PG, b));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, gra + 8, val(0xb, gra + 8)));
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, e1 + 16, val(0xb, gra + 16)));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, e2 + 24, 0xb24));
	EXPECT_EQ(0xb24, kvmmu_peek(b + PG + 24));
	EXPECT_EQ(val(0xa, gra + PG + 24), kvmmu_peek(a + PG + 24));
	EXPECT_EQ(0xa16, kvmmu_peek(a + 16));
	EXPECT_TRUE(maps_pfn(_metadata, vcpu, e1, pfn_of_hva(b)));
	munmap(a, 2 * PG);
	munmap(b, 2 * PG);
}

/*
 * pp for the supervisor and the problem state, the latter both by
 * MSR.PR and by KVMMU_ACCESS_USER; denied accesses raise a DSI with
 * PROTFAULT (and ISSTORE for stores) and change neither memory nor C.
 * N forbids fetches only.
 */
TEST_F(hv, protection)
{
	/* [pp][supervisor read, write, user read, write]: allowed? */
	static const bool allow[5][4] = {
		{ 1, 1, 0, 0 },
		{ 1, 1, 1, 0 },
		{ 1, 1, 1, 1 },
		{ 1, 0, 1, 0 },
		{ 1, 0, 0, 0 },	/* pp0||pp 110 */
	};
	static const __u64 ppv[5] = {
		PP_RW_NONE, PP_RW_RO, PP_RW_RW, PP_RO_RO, PP_RO_NONE,
	};
	struct guest *g = &self->g;
	int vcpu = self->vcpu, pr, k, type;
	__u64 pg[5], idx[5], ea, v, r, want, fx;
	unsigned int pp, n = 0;

	for (pp = 0; pp < 5; pp++) {
		pg[pp] = data_page(_metadata, g, pp + 1);
		idx[pp] = map_ea(_metadata, vcpu, 18, EA(0x50 + pp), pg[pp],
				 ppv[pp], 0);
	}
	for (pr = 0; pr < 2; pr++) {
		ASSERT_EQ(0, set_msr(vcpu, MSR_DR | (pr ? MSR_PR : 0)));
		for (pp = 0; pp < 5; pp++) {
			ea = EA(0x50 + pp);
			for (k = 0; k < 4; k++) {
				bool user = pr || k >= 2, w = k & 1;
				__u64 off = 8 * (1 + n++ % 500);

				/* PR set: a supervisor access is a user one. */
				if (pr && k < 2)
					continue;
				type = (w ? WR : RD) | (k >= 2 && !pr ? USR : 0);
				want = w ? 0xc0de0000ULL + n : val(pp + 1, pg[pp] + off);
				if (allow[pp][user * 2 + w]) {
					EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, type,
								 ea + off, want))
						TH_LOG("pp %u pr %d", pp, pr);
					if (w)
						fill(g, pg[pp], pp + 1);
					continue;
				}
				EXPECT_TRUE(dsi_is(_metadata, vcpu, type, ea + off,
						   DSISR_PROT | (w ? DSISR_STORE : 0)))
					TH_LOG("pp %u pr %d", pp, pr);
				EXPECT_EQ(val(pp + 1, pg[pp] + off),
					  kvmmu_peek(gmem(g, pg[pp] + off)));
			}
		}
	}
	/* pp 11 and 110 were never written: no C; pp 10 was. */
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, idx[PP_RO_RO], &v, &r));
	EXPECT_EQ(R_R, r & (R_R | R_C));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, idx[4], &v, &r));
	EXPECT_EQ(R_R, r & (R_R | R_C));
	EXPECT_EQ(hpte_r(pg[4], PP_RO_NONE), r & ~(R_R | R_C));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, idx[PP_RW_RW], &v, &r));
	EXPECT_EQ(R_R | R_C, r & (R_R | R_C));

	/*
	 * N: data accesses go, fetches fault (a protection fault: kvmmu
	 * reports fetches with the DSISR bits too); without N they go.
	 */
	fx = data_page(_metadata, g, 7);
	map_ea(_metadata, vcpu, 18, EA(0x60), fx, PP_RW_RW, R_N);
	map_ea(_metadata, vcpu, 18, EA(0x61), fx, PP_RW_RW, 0);
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR | MSR_IR));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, EA(0x60) + 8, val(7, fx + 8)));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, FE, EA(0x60) + 8, DSISR_PROT));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE, EA(0x61) + 8, val(7, fx + 8)));
	EXPECT_TRUE(dsi_is(_metadata, vcpu, FE, EA(0x62), DSISR_NOHPTE));
	/* A user fetch of a pp 00 page is a protection fault. */
	EXPECT_TRUE(dsi_is(_metadata, vcpu, FE | USR, EA(0x50), DSISR_PROT));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE | USR, EA(0x52) + 8,
				 val(3, pg[2] + 8)));
	/* N applies to the EA, not the page: without IR the fetch is real. */
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE, fx + 8, val(7, fx + 8)));
}

/* The R and C bits of the HPTE used, as H_READ and H_CLEAR_* show them. */
static __u64 rc_of(struct __test_metadata *_metadata, int vcpu, __u64 idx)
{
	__u64 v = 0, r = 0;

	EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, idx, &v, &r));
	EXPECT_TRUE(v & V_VALID);
	return r & (R_R | R_C);
}

/*
 * R is set by any access through the HPTE, C by writes; H_CLEAR_REF and
 * H_CLEAR_MOD return the old second word and clear them, and the next
 * access sets them again (the hypervisor must not let a mapping it keeps
 * skip that).  A host invalidation loses neither.
 */
TEST_F(hv, ref_change)
{
	struct guest *g = &self->g;
	__u64 p = data_page(_metadata, g, 1), ea = EA(0x70), ea2 = EA(0x71);
	int vcpu = self->vcpu;
	__u64 idx, idx2, rets[2];

	idx = map_ea(_metadata, vcpu, 18, ea, p, PP_RW_RW, 0);
	idx2 = map_ea(_metadata, vcpu, 18, ea2, p, PP_RW_RW, 0);
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	EXPECT_EQ(0, rc_of(_metadata, vcpu, idx));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea + 8, val(1, p + 8)));
	EXPECT_EQ(R_R, rc_of(_metadata, vcpu, idx));
	EXPECT_EQ(0, rc_of(_metadata, vcpu, idx2));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, ea + 16, 0x16));
	EXPECT_EQ(R_R | R_C, rc_of(_metadata, vcpu, idx));
	EXPECT_EQ(0, rc_of(_metadata, vcpu, idx2));

	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  hc(vcpu, KVMMU_PPC_H_CLEAR_REF, 0, idx, 0, 0, rets));
	EXPECT_EQ(hpte_r(p, PP_RW_RW) | R_R | R_C, rets[0]);
	EXPECT_EQ(R_C, rc_of(_metadata, vcpu, idx));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea + 8, val(1, p + 8)));
	EXPECT_EQ(R_R | R_C, rc_of(_metadata, vcpu, idx));

	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  hc(vcpu, KVMMU_PPC_H_CLEAR_MOD, 0, idx, 0, 0, rets));
	EXPECT_EQ(hpte_r(p, PP_RW_RW) | R_R | R_C, rets[0]);
	EXPECT_EQ(R_R, rc_of(_metadata, vcpu, idx));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea + 16, 0x16));
	EXPECT_EQ(R_R, rc_of(_metadata, vcpu, idx)) TH_LOG("a read set C");
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, ea + 24, 0x24));
	EXPECT_EQ(R_R | R_C, rc_of(_metadata, vcpu, idx))
		TH_LOG("a write after H_CLEAR_MOD did not set C");

	/* Both clear, then one write: both set. */
	hc(vcpu, KVMMU_PPC_H_CLEAR_MOD, 0, idx, 0, 0, rets);
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  hc(vcpu, KVMMU_PPC_H_CLEAR_REF, 0, idx, 0, 0, rets));
	EXPECT_EQ(hpte_r(p, PP_RW_RW) | R_R, rets[0]);
	EXPECT_EQ(0, rc_of(_metadata, vcpu, idx));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, ea + 32, 0x32));
	EXPECT_EQ(R_R | R_C, rc_of(_metadata, vcpu, idx));

	/* The other HPTE of the page: its own bits. */
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea2 + 32, 0x32));
	EXPECT_EQ(R_R, rc_of(_metadata, vcpu, idx2));

	/* Invalidated by the host: the guest's view keeps R and C. */
	ASSERT_EQ(0, madvise(g->ram + p, PG, MADV_DONTNEED));
	EXPECT_FALSE(xlate(_metadata, vcpu, ea).flags & KVMMU_TR_PRESENT);
	EXPECT_EQ(R_R | R_C, rc_of(_metadata, vcpu, idx));
	EXPECT_EQ(R_R, rc_of(_metadata, vcpu, idx2));
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  hc(vcpu, KVMMU_PPC_H_CLEAR_MOD, 0, idx, 0, 0, rets));
	EXPECT_EQ(hpte_r(p, PP_RW_RW) | R_R | R_C, rets[0]);
	EXPECT_EQ(R_R, rc_of(_metadata, vcpu, idx));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea + 32, 0));
	EXPECT_EQ(R_R, rc_of(_metadata, vcpu, idx));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, ea2 + 40, 0x40));
	EXPECT_EQ(R_R | R_C, rc_of(_metadata, vcpu, idx2));
	EXPECT_EQ(0x40, kvmmu_peek(gmem(g, p + 40)));
}

/*
 * Host aging through idle page tracking: after the pages are marked idle,
 * those the guest then accesses (through its HPTEs, or in real mode
 * through the VRMA) read as not idle, the others as idle, twice over.
 */
TEST_F(hv, page_idle)
{
	const unsigned int n = 12;
	struct guest *g = &self->g;
	__u64 p[12], pfn[12];
	int vcpu = self->vcpu, fd, idle, round;
	unsigned int i, bad;

	fd = open(KVMMU_PAGE_IDLE, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "no idle page tracking: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		p[i] = data_page(_metadata, g, i + 1);
		map_ea(_metadata, vcpu, 18, EA(0x80 + i), p[i], PP_RW_RW, 0);
		map_ea(_metadata, vcpu, 18, EA(0xa0 + i), p[i], PP_RW_RW, 0);
	}
	kvmmu_lru_drain_all(g->ram + p[0]);
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, EA(0x80 + i), val(i + 1, p[i])));
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, EA(0xa0 + i), val(i + 1, p[i])));
		pfn[i] = hpfn(g, p[i]);
		ASSERT_NE(0, pfn[i]);
	}

	for (round = 0; round < 2; round++) {
		ASSERT_EQ(0, kvmmu_idle_mark(fd, pfn, n));
		/*
		 * Round 0: pages 0 mod 3 through the first EA, 1 mod 3
		 * through the second, written; round 1 in real mode.
		 */
		ASSERT_EQ(0, set_msr(vcpu, round ? 0 : MSR_DR));
		for (i = 0; i < n; i++) {
			__u64 a = round ? p[i] : EA((i % 3 ? 0xa0 : 0x80) + i);

			if (i % 3 == 2)
				continue;
			if (i % 3) {
				EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, a + 8, i));
			} else {
				EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, a,
							val(i + 1, p[i])));
			}
		}
		for (bad = 0, i = 0; i < n; i++) {
			idle = kvmmu_idle_test(fd, pfn[i]);
			ASSERT_LE(0, idle) TH_LOG("page_idle read: %s",
						  strerror(-idle));
			if (idle == (i % 3 != 2))
				TH_LOG("round %d page %u: %s", round, i,
				       idle ? "idle, but the guest accessed it"
					    : "not idle, nobody touched it");
			bad += idle == (i % 3 != 2);
		}
		EXPECT_EQ(0, bad);
	}
	close(fd);
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	for (i = 0; i < n; i++)
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, EA(0xa0 + i) + 8,
					i % 3 == 1 ? i : val(i + 1, p[i] + 8)));
}

/* ------------------------------------------------------------------ */
/* 2. Full groups and the VRMA */

/*
 * Real mode at the minimum order: 24 guest real pages whose VRMA entries
 * all hash to one PTEG pair (16 slots).  Every access is right; the
 * hypervisor evicts its own entries to make room (hpte_evictions) and
 * never keeps more than 16 of them present; evicted pages come back on
 * the next access, with the data written before.
 */
TEST_F(hv, vrma_eviction)
{
	const unsigned int n = 24;
	struct guest *g = &self->g;
	const __u64 p0 = 0x1230000ULL;	/* every 8 MiB from here */
	struct kvmmu_vm_stats st0, st1;
	unsigned int i, pass, present;
	int vcpu = self->vcpu;
	__u64 p[24];

	for (i = 0; i < n; i++) {
		p[i] = p0 + (__u64)i * 2048 * PG;
		ASSERT_GT(RAM_SIZE, p[i]);
		ASSERT_EQ(vrma_pteg(p0, 18, false), vrma_pteg(p[i], 18, false));
		ASSERT_EQ(vrma_pteg(p0, 18, true), vrma_pteg(p[i], 18, true));
		fill(g, p[i], i + 1);
	}
	st0 = kvmmu_stats(_metadata, self->vm);
	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < n; i++) {
			__u64 off = 8 * (1 + pass);

			EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, p[i] + off,
						pass == 2 ? 0x100 + i :
					  val(i + 1, p[i] + off)))
				TH_LOG("pass %u page %u", pass, i);
			if (pass == 1)
				EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu,
							p[i] + 8 * 3, 0x100 + i));
		}
		for (present = 0, i = 0; i < n; i++)
			present += !!(xlate(_metadata, vcpu, p[i]).flags &
				      KVMMU_TR_PRESENT);
		EXPECT_GE(16, present) TH_LOG("pass %u", pass);
		EXPECT_LT(0, present);
	}
	st1 = kvmmu_stats(_metadata, self->vm);
	TH_LOG("hpte_evictions %llu -> %llu",
	       (unsigned long long)st0.hpte_evictions,
	       (unsigned long long)st1.hpte_evictions);
	EXPECT_LE(st0.hpte_evictions + 3 * (n - 16), st1.hpte_evictions);
	for (i = 0; i < n; i++)
		EXPECT_EQ(0x100 + i, kvmmu_peek(gmem(g, p[i] + 8 * 3)));
}

/*
 * The guest fills the primary PTEG of a run of real pages with its own
 * entries: the VRMA entries of those pages use the secondary group, and
 * evictions there never touch a guest HPTE.
 */
TEST_F(hv, vrma_spares_guest)
{
	const unsigned int n = 12;
	struct guest *g = &self->g;
	const __u64 p0 = 0x2340000ULL;
	const __u64 grp = vrma_pteg(p0, 18, false);
	__u64 p[12], d, ea[8], v, r;
	int vcpu = self->vcpu;
	unsigned int i, k;

	d = data_page(_metadata, g, 9);
	/* Eight EAs with primary PTEG grp: segment s, page (grp / 8) ^ s. */
	for (k = 0; k < 8; k++) {
		ea[k] = SEG(k + 1) | ((grp / 8) ^ (k + 1)) << 12;
		ASSERT_EQ(grp, pteg_of(ea[k], 18, false));
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
			  h_enter(vcpu, H_EXACT, grp + k, hpte_v(ea[k], false),
				  hpte_r(d, PP_RW_RW), NULL));
	}
	for (i = 0; i < n; i++) {
		p[i] = p0 + (__u64)i * 2048 * PG;
		fill(g, p[i], i + 1);
	}
	for (k = 0; k < 2; k++)
		for (i = 0; i < n; i++)
			EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, p[i] + 8,
						val(i + 1, p[i] + 8)));
	EXPECT_LE(n - 8, kvmmu_stats(_metadata, self->vm).hpte_evictions);
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	for (k = 0; k < 8; k++) {
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_read(vcpu, grp + k, &v, &r));
		EXPECT_EQ(hpte_v(ea[k], false), v) TH_LOG("guest HPTE %u", k);
		EXPECT_EQ(hpte_r(d, PP_RW_RW), r & ~(R_R | R_C));
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea[k] + 16, val(9, d + 16)));
	}
}

/*
 * The other way round: both groups full of VRMA entries, and the guest
 * enters HPTEs there (any slot, and exact ones): the hypervisor makes room
 * by evicting its own; real-mode accesses go on working in what is left.
 */
TEST_F(hv, guest_evicts_vrma)
{
	const unsigned int n = 16;
	struct guest *g = &self->g;
	const __u64 p0 = 0x3450000ULL;
	const __u64 pri = vrma_pteg(p0, 18, false), sec = vrma_pteg(p0, 18, true);
	__u64 p[16], d, ea[9], v, r, idx, ev0;
	int vcpu = self->vcpu;
	unsigned int i, k;

	for (i = 0; i < n; i++) {
		p[i] = p0 + (__u64)i * 2048 * PG;
		fill(g, p[i], i + 1);
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, p[i] + 8, val(i + 1, p[i] + 8)));
	}
	ev0 = kvmmu_stats(_metadata, self->vm).hpte_evictions;
	d = data_page(_metadata, g, 9);
	for (k = 0; k < 9; k++) {
		__u64 grp = k < 8 ? pri : sec;

		ea[k] = SEG(k + 1) | ((grp / 8) ^ (k + 1)) << 12;
		ASSERT_EQ(grp, pteg_of(ea[k], 18, false));
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
			  h_enter(vcpu, k < 8 ? 0 : H_EXACT, k < 8 ? grp : grp + 3,
				  hpte_v(ea[k], false), hpte_r(d, PP_RW_RW), &idx))
			TH_LOG("guest HPTE %u", k);
		EXPECT_EQ(k < 8 ? grp : grp + 3, idx & (k < 8 ? ~7ULL : ~0ULL));
	}
	EXPECT_LE(ev0 + 9, kvmmu_stats(_metadata, self->vm).hpte_evictions);
	/* 7 slots left for 16 real pages, twice over. */
	for (k = 0; k < 2; k++)
		for (i = 0; i < n; i++)
			EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, p[i] + 16,
						val(i + 1, p[i] + 16)));
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
	for (k = 0; k < 9; k++) {
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ea[k] + 24, val(9, d + 24)));
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
			  h_read(vcpu, k < 8 ? pri + k : sec + 3, &v, &r));
		EXPECT_TRUE(v & V_VALID);
	}
}

/* ------------------------------------------------------------------ */
/* 3. Several effective addresses on one guest real page */

#define NEA	48

struct many {
	__u64 gra;
	__u64 ea[NEA];
	__u64 idx[NEA];		/* their HPTEs */
	__u64 model[QWORDS];
};

/*
 * NEA EAs in segments 1-4 onto @gra (and the real-mode view of it, which
 * makes a VRMA HPTE one more mapping of the page).
 */
static void many_map(struct __test_metadata *_metadata, int vcpu,
		     struct guest *g, struct many *m, __u64 gra)
{
	unsigned int i;

	m->gra = gra;
	for (i = 0; i < QWORDS; i++)
		m->model[i] = kvmmu_peek(gmem(g, gra) + i);
	for (i = 0; i < NEA; i++) {
		m->ea[i] = SEG(1 + i % 4) + ((0x10ULL + i) << 12);
		m->idx[i] = map_ea(_metadata, vcpu, 18, m->ea[i], gra,
				   PP_RW_RW, 0);
	}
	ASSERT_EQ(0, set_msr(vcpu, MSR_DR));
}

/*
 * Every EA reads (a qword of its own) what the model and the process
 * hold, and so does the real-mode view; returns how many did not.
 */
static unsigned int many_check(struct __test_metadata *_metadata, int vcpu,
			       struct guest *g, struct many *m)
{
	struct kvmmu_access a[NEA];
	unsigned int i, q, bad = 0;
	__u64 proc;

	memset(a, 0, sizeof(a));
	for (i = 0; i < NEA; i++) {
		a[i].gpa = m->ea[i] + (i * 7 % QWORDS) * 8;
		a[i].type = RD;
		a[i].size = 8;
		a[i].result = 1;
	}
	EXPECT_EQ(0, kvmmu_access_batch(vcpu, a, NEA));
	for (i = 0; i < NEA; i++) {
		q = i * 7 % QWORDS;
		proc = kvmmu_peek(gmem(g, m->gra) + q);
		if (!a[i].result && a[i].data == proc && proc == m->model[q])
			continue;
		if (bad++ < 4)
			TH_LOG("ea %#llx: result %d data %#llx, process %#llx, expected %#llx",
			       (unsigned long long)a[i].gpa, a[i].result,
			       (unsigned long long)a[i].data,
			       (unsigned long long)proc,
			       (unsigned long long)m->model[q]);
	}
	EXPECT_EQ(0, set_msr(vcpu, 0));
	if (!kvmmu_rd_is(_metadata, vcpu, m->gra + 8 * 5, m->model[5]))
		bad++;
	EXPECT_EQ(0, set_msr(vcpu, MSR_DR));
	return bad;
}

/* EAs (and the real address) still translating; if @pfn, to another. */
static unsigned int many_present(struct __test_metadata *_metadata,
				 int vcpu, struct many *m, __u64 pfn)
{
	struct kvmmu_translation t;
	unsigned int i, n = 0;

	for (i = 0; i <= NEA; i++) {
		if (i == NEA)
			EXPECT_EQ(0, set_msr(vcpu, 0));
		t = xlate(_metadata, vcpu, i == NEA ? m->gra : m->ea[i]);
		if (!(t.flags & KVMMU_TR_PRESENT) || (pfn && t.pfn == pfn))
			continue;
		if (n++ < 2)
			TH_LOG("%s %u: pfn %#llx flags %#x",
			       i == NEA ? "real" : "ea", i,
			       (unsigned long long)t.pfn, t.flags);
	}
	EXPECT_EQ(0, set_msr(vcpu, MSR_DR));
	return n;
}

/* EAs not translating to @pfn right now. */
static unsigned int many_pfn_bad(struct __test_metadata *_metadata,
				 int vcpu, struct many *m, __u64 pfn)
{
	struct kvmmu_translation t;
	unsigned int i, bad = 0;

	for (i = 0; i < NEA; i++) {
		t = xlate(_metadata, vcpu, m->ea[i]);
		if ((t.flags & KVMMU_TR_PRESENT) && t.pfn == pfn && pfn &&
		    t.memtype == WIMG_M && t.level == 1)
			continue;
		if (bad++ < 2)
			TH_LOG("ea %u: flags %#x level %u mt %u pfn %#llx, expected %#llx",
			       i, t.flags, t.level, t.memtype,
			       (unsigned long long)t.pfn,
			       (unsigned long long)pfn);
	}
	return bad;
}

static void many_write(struct __test_metadata *_metadata, int vcpu,
		       struct many *m, unsigned int i, unsigned int q, __u64 v)
{
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, m->ea[i] + q * 8, v));
	m->model[q] = v;
}

/*
 * MADV_DONTNEED of the page makes every HPTE of it absent at once: none
 * translates, all read zero (the process's view), a write through one is
 * read through all; the guest's H_READ still shows every HPTE valid.
 */
TEST_F(hv, many_eas_dontneed)
{
	struct guest *g = &self->g;
	__u64 gra = data_page(_metadata, g, 3), v, r;
	int vcpu = self->vcpu;
	struct many m;

	many_map(_metadata, vcpu, g, &m, gra);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, hpfn(g, gra)));

	ASSERT_EQ(0, madvise(g->ram + gra, PG, MADV_DONTNEED));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, 0))
		TH_LOG("HPTEs survived MADV_DONTNEED");
	EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
		  h_read(vcpu, m.idx[0], &v, &r));
	EXPECT_EQ(hpte_v(m.ea[0], false), v) TH_LOG("absent shown to the guest");
	EXPECT_EQ(hpte_r(gra, PP_RW_RW), r & ~(R_R | R_C));
	memset(m.model, 0, sizeof(m.model));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));

	many_write(_metadata, vcpu, &m, 17, 3, 0x17);
	EXPECT_EQ(0x17, kvmmu_peek(gmem(g, gra) + 3));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, hpfn(g, gra)));
	kvmmu_poke(gmem(g, gra) + 4, 0x44);
	m.model[4] = 0x44;
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));

	/* Twice in a row, with a real-mode access in between. */
	ASSERT_EQ(0, madvise(g->ram + gra, PG, MADV_DONTNEED));
	memset(m.model, 0, sizeof(m.model));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	ASSERT_EQ(0, madvise(g->ram + gra, PG, MADV_DONTNEED));
	many_write(_metadata, vcpu, &m, 40, 5, 0x40);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
}

/*
 * KSM merges the page with a twin: every HPTE follows to the merged
 * frame; a guest write through one EA breaks COW for this page only and
 * every EA follows to the new copy.
 */
TEST_F_TIMEOUT(hv, many_eas_ksm, 90)
{
	struct guest *g = &self->g;
	__u64 gra = data_page(_metadata, g, 0), twin = data_page(_metadata, g, 0);
	__u64 old, merged = 0, now;
	char shared[32] = "?";
	int vcpu = self->vcpu, i;
	struct many m;

	if (access(KVMMU_KSM_DIR "run", W_OK))
		SKIP(return, "no KSM in this kernel");
	many_map(_metadata, vcpu, g, &m, gra);
	memcpy(g->ram + twin, g->ram + gra, PG);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	old = hpfn(g, gra);

	ASSERT_EQ(0, madvise(g->ram + gra, PG, MADV_MERGEABLE));
	ASSERT_EQ(0, madvise(g->ram + twin, PG, MADV_MERGEABLE));
	ASSERT_EQ(0, kvmmu_ksm_start(&self->hs, 1000, 5));
	for (i = 0; i < 3000 && !merged; i++) {
		now = hpfn(g, gra);
		if (now && now == hpfn(g, twin))
			merged = now;
		else
			kvmmu_sleep_ms(10);
	}
	kvmmu_write_file(KVMMU_KSM_DIR "run", "0");
	kvmmu_read_file(KVMMU_KSM_DIR "pages_sharing", shared, sizeof(shared));
	ASSERT_NE(0, merged) TH_LOG("not merged after 30 s (pages_sharing %s)",
				    shared);
	TH_LOG("merged %#llx -> %#llx after %d ms", (unsigned long long)old,
	       (unsigned long long)merged, i * 10);

	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, merged))
		TH_LOG("HPTEs kept a frame other than the merged one");
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, merged));

	many_write(_metadata, vcpu, &m, 5, 8, 0x5555);
	now = hpfn(g, gra);
	EXPECT_NE(merged, now);
	EXPECT_EQ(merged, hpfn(g, twin));
	EXPECT_EQ(val(0, gra + 64), kvmmu_peek(gmem(g, twin) + 8));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, now))
		TH_LOG("HPTEs kept the merged frame after COW");
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, now));
}

/* kvmmu_move_pages() to the other node: every HPTE follows. */
TEST_F(hv, many_eas_migrate)
{
	struct guest *g = &self->g;
	__u64 gra = data_page(_metadata, g, 4), old, now;
	void *pages[1] = { g->ram + gra };
	int vcpu = self->vcpu, node = -1, status = -1, k;
	struct many m;

	if (access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "one NUMA node");
	many_map(_metadata, vcpu, g, &m, gra);
	for (k = 0; k < 2; k++) {
		EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
		old = hpfn(g, gra);
		EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, old));
		ASSERT_EQ(0, kvmmu_move_pages(1, pages, NULL, &node, 0));
		ASSERT_LE(0, node);
		node = !node;
		ASSERT_EQ(0, kvmmu_move_pages(1, pages, &node, &status, MPOL_MF_MOVE));
		ASSERT_EQ(node, status);
		now = hpfn(g, gra);
		ASSERT_NE(old, now);
		EXPECT_EQ(0, many_present(_metadata, vcpu, &m, now))
			TH_LOG("HPTEs survived the migration");
		EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
		EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, now));
		many_write(_metadata, vcpu, &m, NEA - 1 - k, 9, 0x599 + k);
		EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	}
}

/* MADV_PAGEOUT the page until it is swapped out; true if it is. */
static bool page_out(struct guest *g, __u64 gra)
{
	int pass;

	for (pass = 0; pass < 10; pass++) {
		kvmmu_lru_drain_all(g->ram + gra);
		madvise(g->ram + gra, PG, MADV_PAGEOUT);
		if (kvmmu_pagemap_raw(g->ram + gra) & KVMMU_PM_SWAP)
			return true;
	}
	return false;
}

/* Swap-out to zram and back in, by the guest and by the process. */
TEST_F_TIMEOUT(hv, many_eas_swap, 60)
{
	struct guest *g = &self->g;
	__u64 gra = data_page(_metadata, g, 5);
	int vcpu = self->vcpu, err;
	struct many m;

	err = kvmmu_swap_on(_metadata, &self->hs);
	if (err == -ENODEV)
		SKIP(return, "no zram in this kernel or the initramfs");
	many_map(_metadata, vcpu, g, &m, gra);
	many_write(_metadata, vcpu, &m, 10, 10, 0x100);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));

	ASSERT_TRUE(page_out(g, gra));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, 0))
		TH_LOG("HPTEs survived the swap-out");
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, hpfn(g, gra)));

	many_write(_metadata, vcpu, &m, 20, 11, 0x200);
	ASSERT_TRUE(page_out(g, gra));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, 0));
	EXPECT_EQ(0x200, kvmmu_peek(gmem(g, gra) + 11));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, hpfn(g, gra)));
}

/*
 * fork(): the page becomes copy-on-write.  A guest write through one EA
 * goes to the parent's new copy, and every other EA of the page reads
 * that copy (not the frame the child keeps); the child's memory is
 * unchanged.
 */
TEST_F(hv, many_eas_fork)
{
	struct guest *g = &self->g;
	__u64 gra = data_page(_metadata, g, 6), before;
	int vcpu = self->vcpu, p2c[2], status;
	struct many m;
	pid_t pid;
	char c;

	many_map(_metadata, vcpu, g, &m, gra);
	many_write(_metadata, vcpu, &m, 0, 1, 0x1111);	/* writable HPTEs */
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	before = hpfn(g, gra);
	ASSERT_EQ(0, pipe(p2c));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (read(p2c[0], &c, 1) != 1)
			_exit(10);
		if (kvmmu_peek(gmem(g, gra) + 1) != 0x1111 ||
		    kvmmu_peek(gmem(g, gra) + 2) != val(6, gra + 16))
			_exit(11);
		_exit(0);
	}
	many_write(_metadata, vcpu, &m, 30, 2, 0x2222);
	EXPECT_NE(before, hpfn(g, gra));
	EXPECT_EQ(0x2222, kvmmu_peek(gmem(g, gra) + 2));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, hpfn(g, gra)))
		TH_LOG("HPTEs kept the frame the child shares");
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	many_write(_metadata, vcpu, &m, 31, 1, 0x3333);
	EXPECT_EQ(1, write(p2c[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("11: the child's page changed");
	close(p2c[0]);
	close(p2c[1]);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
}

/*
 * mprotect(PROT_READ): writes through every EA fail with -EACCES (not a
 * guest DSI: the host denies it), reads work and set no C; read-write
 * again lets writes through every EA.  munmap: -EFAULT through all.
 */
TEST_F(hv, many_eas_mprotect)
{
	struct guest *g = &self->g;
	__u64 gra = data_page(_metadata, g, 7), rets[2];
	int vcpu = self->vcpu;
	unsigned int i, bad;
	struct many m;

	many_map(_metadata, vcpu, g, &m, gra);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	many_write(_metadata, vcpu, &m, 2, 2, 0x22);
	ASSERT_EQ(0, mprotect(g->ram + gra, PG, PROT_READ));
	for (bad = 0, i = 0; i < NEA; i++) {
		hc(vcpu, KVMMU_PPC_H_CLEAR_MOD, 0, m.idx[i], 0, 0, rets);
		bad += !kvmmu_err_is(_metadata, vcpu, WR, m.ea[i] + 8, -EACCES);
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, rc_of(_metadata, vcpu, m.idx[7]) & R_C)
		TH_LOG("a denied write set C");
	ASSERT_EQ(0, mprotect(g->ram + gra, PG, PROT_READ | PROT_WRITE));
	many_write(_metadata, vcpu, &m, 7, 9, 0x99);
	many_write(_metadata, vcpu, &m, 8, 10, 0xaa);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));

	ASSERT_EQ(0, munmap(g->ram + gra, PG));
	for (bad = 0, i = 0; i < NEA; i++)
		bad += !kvmmu_err_is(_metadata, vcpu, RD, m.ea[i], -EFAULT);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, 0));
}

/* ------------------------------------------------------------------ */
/* 4. Multi-vCPU stress */

#define NR_REMAP	16
#define NR_DROP		16
#define STRESS_MS	3000
#define STRESS_MAX_MS	30000
#define STRESS_ROUNDS	50
#define STRESS_REMAPS	400
#define W_GRA		0x800000ULL	/* the real-mode workload's 1 MiB */
#define W_SIZE		0x100000ULL
#define W_STRIDE	(PG + 8)

/*
 * Remap slots (0 to NR_REMAP - 1): EA R(i) maps a[i] (even generations)
 * or b[i] (odd), by H_REMOVE + H_ENTER from the main thread.  Drop slots
 * (NR_REMAP + j): EAs D(j) and D2(j) map q[j], whose first qword the
 * process rewrites after each MADV_DONTNEED.
 */
#define R_EA(i)		(SEG(1) + ((0x10ULL + (i)) << 12))
#define D_EA(j)		(SEG(2) + ((0x40ULL + (j)) << 12))
#define D2_EA(j)	(SEG(3) + ((0x80ULL + (j)) << 12))

/*
 * Two vCPUs read every slot through their EAs, a third runs the verified
 * workload in real mode, while the main thread remaps slots by hcalls on
 * a fourth vCPU, drops and rewrites pages, migrates workload pages (when
 * there are two nodes) and ages everything through page_idle.
 */
TEST_F_TIMEOUT(hv, stress, 90)
{
	struct guest *g = &self->g;
	struct kvmmu_stress s;
	struct kvmmu_stress_vcpu *th[3];
	__u64 a[NR_REMAP], b[NR_REMAP], q[NR_DROP];
	__u64 idx[NR_REMAP], pfn;
	unsigned long remaps = 0, drops = 0, moves = 0;
	unsigned int i, j, gen, rnd;
	int ctl, idle_fd, fd;
	bool numa = kvmmu_nr_nodes() > 1;

	kvmmu_stress_init(&s, STRESS_MS, STRESS_MAX_MS);
	/* Between H_REMOVE and H_ENTER, a remapped EA has no HPTE. */
	s.loose_fault = true;
	s.loose_result = PF;
	s.loose_data = DSISR_NOHPTE;
	ctl = kvmmu_create_vcpu(self->vm, 3);
	ASSERT_LE(0, ctl);
	for (i = 0; i < NR_REMAP; i++) {
		a[i] = data_page(_metadata, g, 1);
		b[i] = data_page(_metadata, g, 2);
		idx[i] = map_ea(_metadata, ctl, 18, R_EA(i), a[i], PP_RW_RW, 0);
		kvmmu_stress_add_remap(&s, val(1, a[i] + i * 8),
				       val(2, b[i] + i * 8));
		kvmmu_stress_add_read(&s, R_EA(i) + i * 8, i);
	}
	for (j = 0; j < NR_DROP; j++) {
		q[j] = data_page(_metadata, g, 0);
		memset(gmem(g, q[j]), 0, PG);
		kvmmu_poke(gmem(g, q[j]), kvmmu_stress_drop_val(j, 0));
		map_ea(_metadata, ctl, 18, D_EA(j), q[j], PP_RW_RW, 0);
		map_ea(_metadata, ctl, 18, D2_EA(j), q[j], PP_RW_RW, 0);
		kvmmu_stress_add_drop(&s, j);
		kvmmu_stress_add_read(&s, D_EA(j), NR_REMAP + j);
	}
	for (j = 0; j < NR_DROP; j++)
		kvmmu_stress_add_read(&s, D2_EA(j), NR_REMAP + j);
	idle_fd = open(KVMMU_PAGE_IDLE, O_RDWR | O_CLOEXEC);

	for (i = 0; i < 3; i++) {
		fd = i ? kvmmu_create_vcpu(self->vm, i) : self->vcpu;
		ASSERT_LE(0, fd);
		th[i] = kvmmu_stress_add_vcpu(&s, fd, i < 2,
					      i == 0 ? STRESS_ROUNDS :
					      i == 2 ? 10 : 0);
		ASSERT_EQ(0, set_msr(fd, i == 2 ? 0 : MSR_DR));
	}
	/* Real mode: every access through the VRMA. */
	th[2]->wl_gpa = W_GRA;
	th[2]->wl_size = W_SIZE;
	th[2]->wl_stride = W_STRIDE;
	ASSERT_EQ(0, kvmmu_stress_start(&s));

	while (kvmmu_stress_running(&s, remaps, STRESS_REMAPS)) {
		rnd = kvmmu_stress_rand(&s);
		i = rnd / 65536 % NR_REMAP;
		gen = kvmmu_stress_begin(&s, i);
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_remove(ctl, idx[i], NULL));
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
			  h_enter(ctl, H_EXACT, idx[i],
				  hpte_v(R_EA(i), idx[i] / 8 !=
					 pteg_of(R_EA(i), 18, false) / 8),
				  hpte_r(gen % 2 ? b[i] : a[i], PP_RW_RW),
				  NULL));
		kvmmu_stress_end(&s, i);
		remaps++;
		if (remaps % 2)
			continue;
		j = rnd / 4096 % NR_DROP;
		EXPECT_EQ(0, kvmmu_stress_drop(&s, NR_REMAP + j,
					       gmem(g, q[j])));
		drops++;
		if (numa && remaps % 16 == 0)
			moves += kvmmu_migrate_page(g->ram + W_GRA +
						    rnd / 256 % (W_SIZE / PG) * PG);
		if (idle_fd >= 0 && remaps % 64 == 0) {
			pfn = hpfn(g, q[j]);
			if (pfn)
				kvmmu_idle_mark(idle_fd, &pfn, 1);
			pfn = hpfn(g, W_GRA);
			if (pfn)
				kvmmu_idle_mark(idle_fd, &pfn, 1);
		}
	}
	kvmmu_stress_stop(&s);

	for (i = 0; i < 3; i++) {
		TH_LOG("vcpu %d: %lu rounds, %lu exact + %lu loose checks, %lu bad",
		       th[i]->fd, th[i]->rounds, th[i]->checked, th[i]->loose,
		       th[i]->bad);
		TH_LOG("vcpu %d: %lu workload runs, %lu bad", th[i]->fd,
		       th[i]->runs, th[i]->run_bad);
		EXPECT_EQ(0, th[i]->bad);
		EXPECT_EQ(0, th[i]->run_bad);
	}
	EXPECT_LE(10, th[0]->rounds);
	EXPECT_LE(10, th[1]->rounds);
	EXPECT_LT(0, th[0]->checked + th[1]->checked);
	EXPECT_LE(3, th[2]->runs);
	EXPECT_LE(100, remaps);
	TH_LOG("%lu remaps, %lu drops, %lu migrations in %ld ms", remaps,
	       drops, moves, kvmmu_ms_since(&s.t0));

	/* At rest, everything is exact. */
	th[0]->bad = 0;
	th[0]->loose = 0;
	kvmmu_stress_round(th[0]);
	EXPECT_EQ(0, th[0]->bad);
	EXPECT_EQ(0, th[0]->loose);
	if (idle_fd >= 0)
		close(idle_fd);
	close(th[1]->fd);
	close(th[2]->fd);
	close(ctl);
}

int main(int argc, char **argv)
{
	return kvmmu_backend_test_main(argc, argv, KVMMU_VM_PPC_HV, "PowerPC Book3S HV", false);
}
