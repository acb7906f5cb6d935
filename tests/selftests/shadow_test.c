// SPDX-License-Identifier: GPL-2.0
/*
 * x86 shadow paging (KVMMU_VM_X86_SHADOW): the guest's own 4-level page
 * tables, built in guest memory by a small page-table builder below, as a
 * guest kernel would have them.
 *
 * The VMM writes the tables through its own mapping before paging is first
 * enabled (no shadow state exists yet); from then on they change only
 * through guest writes (which the MMU must trap), or through the VMM
 * followed by KVMMU_MMU_RESET.  All guest RAM is also mapped at DMAP_GVA
 * (supervisor, 4 KiB pages), so the guest can edit its own tables.
 *
 * Covered: the KVMMU_GET/SET_PAGING ABI; gva -> gpa translation with 4 KiB,
 * 2 MiB and 1 GiB guest pages and the in-kernel workload on guest-virtual
 * addresses; guest page faults and their error codes (not present,
 * protection, user, XD, reserved bits); accessed and dirty bits in the
 * guest's entries; the guest editing its tables (leaf and non-leaf); CR3
 * switches between cached shadow roots; KVMMU_MMU_RESET; one gfn mapped by
 * hundreds of gvas under DONTNEED, KSM, migration and swap, and rmap chain
 * recycling; guest page-table pages swapped out and migrated; paging
 * switched off and on; and a multi-vCPU stress of remaps and host
 * invalidations against verified accesses.
 *
 * Runs as root (pfns in pagemap and KVMMU_TRANSLATE, swap, KSM).  The whole
 * program skips only if the module offers no shadow VMs; a test whose host
 * feature is absent (KSM, a second NUMA node, zram) skips.
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

/* What the VMM puts in the qword at @gpa of a page filled with @tag. */
static __u64 val(unsigned int tag, __u64 gpa)
{
	return 0x5aULL << 56 | (__u64)tag << 32 | gpa;
}

/* ------------------------------------------------------------------ */
/* The guest page-table builder */

struct guest {
	char *ram;
	__u64 next_table;
	__u64 next_data;
};

static __u64 *gmem(struct guest *g, __u64 gpa)
{
	return (__u64 *)(g->ram + gpa);
}

/* A zeroed page from the table pool. */
static __u64 table_page(struct __test_metadata *_metadata, struct guest *g)
{
	__u64 gpa = g->next_table;

	ASSERT_GT(TABLE_END, gpa) TH_LOG("out of page-table pages");
	g->next_table += PG;
	memset(g->ram + gpa, 0, PG);
	return gpa;
}

/* A data page, filled with @tag. */
static void fill(struct guest *g, __u64 gpa, unsigned int tag)
{
	unsigned long i;

	for (i = 0; i < QWORDS; i++)
		kvmmu_poke(gmem(g, gpa) + i, val(tag, gpa + i * 8));
}

static __u64 data_page(struct __test_metadata *_metadata, struct guest *g,
		       unsigned int tag)
{
	__u64 gpa = g->next_data;

	ASSERT_GT(DATA_END, gpa) TH_LOG("out of data pages");
	g->next_data += PG;
	fill(g, gpa, tag);
	return gpa;
}

static unsigned int pt_index(__u64 gva, int level)
{
	return gva >> (12 + 9 * (level - 1)) & 511;
}

/*
 * The entry for @gva at @level (4: PML4E, 3: PDPTE, 2: PDE, 1: PTE) of the
 * tables under @root; missing tables are created on the way, linked as
 * present, user, read-write (the leaf decides).
 */
static __u64 *entry(struct __test_metadata *_metadata, struct guest *g,
		    __u64 root, __u64 gva, int level)
{
	__u64 table = root, *e;
	int l;

	for (l = 4; ; l--) {
		e = gmem(g, table) + pt_index(gva, l);
		if (l == level)
			return e;
		if (!(*e & PTE_P))
			*e = table_page(_metadata, g) | URW;
		ASSERT_FALSE(*e & PTE_PS)
			TH_LOG("a large page above gva %#llx", gva);
		table = *e & PTE_ADDR;
	}
}

/* The guest-physical address of an entry, and where the guest finds it. */
static __u64 ent_gpa(struct guest *g, const __u64 *e)
{
	return (const char *)e - g->ram;
}

static __u64 ent_gva(struct guest *g, const __u64 *e)
{
	return DMAP_GVA + ent_gpa(g, e);
}

/* Map 4 KiB at @gva; @flags has PTE_P unless a test wants it absent. */
static __u64 *map(struct __test_metadata *_metadata, struct guest *g,
		  __u64 root, __u64 gva, __u64 gpa, __u64 flags)
{
	__u64 *e = entry(_metadata, g, root, gva, 1);

	*e = gpa | flags;
	return e;
}

/* A 2 MiB (@level 2) or 1 GiB (@level 3) page. */
static __u64 *map_large(struct __test_metadata *_metadata, struct guest *g,
			__u64 root, __u64 gva, __u64 gpa, int level,
			__u64 flags)
{
	__u64 *e = entry(_metadata, g, root, gva, level);

	*e = gpa | flags | PTE_PS;
	return e;
}

/* A PML4 mapping all RAM at DMAP_GVA: supervisor, read-write, 4 KiB. */
static __u64 new_root(struct __test_metadata *_metadata, struct guest *g)
{
	__u64 root = table_page(_metadata, g), gpa;

	for (gpa = 0; gpa < RAM_SIZE; gpa += PG)
		map(_metadata, g, root, DMAP_GVA + gpa, gpa, PTE_P | PTE_RW);
	return root;
}

/* A second PML4 sharing @root's direct map. */
static __u64 new_root_shared(struct __test_metadata *_metadata,
			     struct guest *g, __u64 root)
{
	__u64 r = table_page(_metadata, g);

	gmem(g, r)[pt_index(DMAP_GVA, 4)] = gmem(g, root)[pt_index(DMAP_GVA, 4)];
	return r;
}

/* ------------------------------------------------------------------ */
/* vCPU state and accesses */

static int set_paging(int vcpu, __u64 cr0, __u64 cr3, __u64 cr4, __u64 efer)
{
	struct kvmmu_paging p = {
		.cr0 = cr0, .cr3 = cr3, .cr4 = cr4, .efer = efer,
	};

	return kvmmu_ioctl(vcpu, KVMMU_SET_PAGING, &p);
}

static int paging_on(int vcpu, __u64 root, bool nxe)
{
	return set_paging(vcpu, CR0_ON, root, KVMMU_X86_CR4_PAE,
			  KVMMU_X86_EFER_LME | (nxe ? KVMMU_X86_EFER_NXE : 0));
}

static int paging_off(int vcpu)
{
	return set_paging(vcpu, 0, 0, 0, 0);
}

static int get_paging(int vcpu, struct kvmmu_paging *p)
{
	memset(p, 0xa5, sizeof(*p));	/* the kernel must overwrite it all */
	return kvmmu_ioctl(vcpu, KVMMU_GET_PAGING, p);
}

/* An 8-byte access that must end in a guest #PF with error code @err. */
static bool pf_is(struct __test_metadata *_metadata, int vcpu, int type,
		  __u64 addr, __u64 err)
{
	struct kvmmu_access a = kvmmu_access_one(vcpu, type, addr, 8, 0x77);

	if (a.result == PF && a.data == err)
		return true;
	TH_LOG("%s of %#llx: result %d data %#llx, expected #PF (%d) error code %#llx",
	       kvmmu_access_name(type), (unsigned long long)addr, a.result,
	       (unsigned long long)a.data, PF, (unsigned long long)err);
	return false;
}

/*
 * The guest page at @gva holds the page at @gpa filled with @tag (sampled
 * at both ends, the middle and a qword depending on the page).
 */
static bool page_is(struct __test_metadata *_metadata, int vcpu, __u64 gva,
		    __u64 gpa, unsigned int tag)
{
	unsigned long off[4] = { 0, PG / 2, PG - 8, (gpa / PG * 37 % 510 + 1) * 8 };
	struct kvmmu_access a[4];
	unsigned int i, bad = 0;
	int r;

	memset(a, 0, sizeof(a));
	for (i = 0; i < 4; i++) {
		a[i].gpa = gva + off[i];
		a[i].type = RD;
		a[i].size = 8;
		a[i].result = 1;
	}
	r = kvmmu_access_batch(vcpu, a, 4);
	if (r) {
		TH_LOG("GUEST_ACCESS at %#llx: %s", (unsigned long long)gva,
		       strerror(-r));
		return false;
	}
	for (i = 0; i < 4; i++) {
		if (!a[i].result && a[i].data == val(tag, gpa + off[i]))
			continue;
		if (!bad++)
			TH_LOG("gva %#llx +%#lx: %d %#llx, expected %#llx (gpa %#llx tag %u)",
			       (unsigned long long)gva, off[i], a[i].result,
			       (unsigned long long)a[i].data,
			       (unsigned long long)val(tag, gpa + off[i]),
			       (unsigned long long)gpa, tag);
	}
	return !bad;
}

/* A guest (supervisor) write of an entry of its own page tables. */
static int guest_set(int vcpu, struct guest *g, const __u64 *e, __u64 v)
{
	return kvmmu_access_one(vcpu, WR, ent_gva(g, e), 8, v).result;
}

/* The host frame behind guest-physical @gpa (0 if none). */
static __u64 hpfn(struct guest *g, __u64 gpa)
{
	__u64 e = kvmmu_pagemap_raw(g->ram + gpa);

	return e & KVMMU_PM_PRESENT ? e & KVMMU_PM_PFN : 0;
}

/*
 * @gva has a present 4 KiB write-back shadow mapping of host frame @pfn,
 * with at least @flags.
 */
static bool maps_pfn(struct __test_metadata *_metadata, int vcpu, __u64 gva,
		     __u64 pfn, unsigned int flags)
{
	struct kvmmu_translation t;
	int r = kvmmu_translate(vcpu, gva, &t);

	flags |= KVMMU_TR_PRESENT;
	if (!r && (t.flags & flags) == flags && t.level == 1 &&
	    t.memtype == EPT_MT_WB && t.pfn == pfn && pfn)
		return true;
	TH_LOG("translate %#llx: %d, flags %#x level %u memtype %u pfn %#llx",
	       (unsigned long long)gva, r, t.flags, t.level, t.memtype,
	       (unsigned long long)t.pfn);
	TH_LOG("... expected flags %#x level 1 memtype %d pfn %#llx", flags,
	       EPT_MT_WB, (unsigned long long)pfn);
	return false;
}

/* The shadow mapping of @gva right now, without faulting anything in. */
static struct kvmmu_translation xlate(struct __test_metadata *_metadata,
				      int vcpu, __u64 gva)
{
	struct kvmmu_translation t;

	EXPECT_EQ(0, kvmmu_translate(vcpu, gva, &t));
	return t;
}

/*
 * MADV_PAGEOUT the guest pages at @gpas until all are swapped out, or give
 * up; returns how many are.  Pages the guest used are young until a first
 * pass has aged them.
 */
static unsigned int page_out(struct guest *g, const __u64 *gpas,
			     unsigned int n)
{
	unsigned int i, out = 0;
	int pass;

	for (pass = 0; pass < 10 && out < n; pass++) {
		kvmmu_lru_drain_all(g->ram + gpas[0]);
		for (i = 0; i < n; i++)
			madvise(g->ram + gpas[i], PG, MADV_PAGEOUT);
		for (out = 0, i = 0; i < n; i++)
			out += !!(kvmmu_pagemap_raw(g->ram + gpas[i]) & KVMMU_PM_SWAP);
	}
	return out;
}

/* ------------------------------------------------------------------ */
/* The fixture: a shadow VM, one vCPU, 32 MiB of RAM with a direct map */

FIXTURE(sp) {
	int vm;
	int vcpu;
	struct guest g;
	__u64 root;
	struct kvmmu_host_state hs;
};

FIXTURE_SETUP(sp)
{
	kvmmu_setup_vm(_metadata, KVMMU_VM_X86_SHADOW, 0, RAM_SIZE, &self->vm,
		       &self->vcpu, &self->g.ram);
	self->g.next_table = TABLE_GPA;
	self->g.next_data = DATA_GPA;
	self->root = new_root(_metadata, &self->g);
}

FIXTURE_TEARDOWN(sp)
{
	kvmmu_host_restore(&self->hs);
	close(self->vcpu);
	close(self->vm);
}

/* ------------------------------------------------------------------ */
/* 1. The paging-state ABI */

/*
 * Capabilities of a shadow VM (52 guest-physical bits, usable with paging
 * off), and the shadow-only ioctls on an EPT VM.
 */
TEST(vm_types)
{
	struct kvmmu_vm_stats st;
	struct kvmmu_paging p;
	int vm, ept, vcpu;
	__u64 v = 0;
	char *mem;

	vm = kvmmu_create_vm(KVMMU_VM_X86_SHADOW);
	ASSERT_LE(0, vm) TH_LOG("KVMMU_CREATE_VM(SHADOW): %s", strerror(-vm));
	EXPECT_EQ(3, ioctl(vm, KVMMU_CHECK_EXTENSION, KVMMU_CAP_VM_TYPES) & 3);
	EXPECT_EQ(48, ioctl(vm, KVMMU_CHECK_EXTENSION, KVMMU_CAP_GPA_BITS));

	/*
	 * Paging off: the direct root maps 48 bits, so a slot just below
	 * 2^48 works and one reaching past it does not.
	 */
	mem = kvmmu_alloc_anon(PG);
	ASSERT_NE(MAP_FAILED, mem);
	kvmmu_poke(mem, 0x1234567);
	vcpu = kvmmu_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	EXPECT_EQ(0, kvmmu_set_region(vm, 0, 0, (1ULL << 48) - PG, PG, mem));
	EXPECT_EQ(0, kvmmu_read64(vcpu, (1ULL << 48) - PG, &v));
	EXPECT_EQ(0x1234567, v);
	EXPECT_EQ(-EINVAL, kvmmu_set_region(vm, 1, 0, (1ULL << 48) - PG,
					    2 * PG, mem));
	close(vcpu);
	close(vm);

	ept = kvmmu_create_vm(KVMMU_VM_X86_EPT);
	ASSERT_LE(0, ept);
	EXPECT_EQ(48, ioctl(ept, KVMMU_CHECK_EXTENSION, KVMMU_CAP_GPA_BITS));
	vcpu = kvmmu_create_vcpu(ept, 0);
	ASSERT_LE(0, vcpu);
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_GET_PAGING, &p));
	memset(&p, 0, sizeof(p));
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_SET_PAGING, &p));
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_MMU_RESET, NULL));
	/* The shadow counters stay 0 on EPT. */
	EXPECT_EQ(0, kvmmu_set_region(ept, 0, 0, 0, PG, mem));
	EXPECT_EQ(0, kvmmu_read64(vcpu, 0, &v));
	EXPECT_EQ(0, kvmmu_vm_stats(ept, &st));
	EXPECT_EQ(0, st.shadow_pages + st.shadow_zapped + st.pt_writes +
		     st.guest_faults + st.rmap_recycled);
	close(vcpu);
	close(ept);
	munmap(mem, PG);
}

/*
 * A new vCPU has paging off: addresses are guest-physical, as on EPT
 * (also for KVMMU_ACCESS_USER accesses), and TRANSLATE reports the frame.
 */
TEST_F(sp, paging_off_default)
{
	struct guest *g = &self->g;
	__u64 p = data_page(_metadata, g, 1);
	struct kvmmu_paging s;
	int vcpu1;

	ASSERT_EQ(0, get_paging(self->vcpu, &s));
	EXPECT_EQ(0, s.cr0);
	EXPECT_EQ(0, s.cr3);
	EXPECT_EQ(0, s.cr4);
	EXPECT_EQ(0, s.efer);
	EXPECT_EQ(0, s.flags);
	EXPECT_EQ(0, s.reserved[0] | s.reserved[1] | s.reserved[2]);

	EXPECT_TRUE(page_is(_metadata, self->vcpu, p, p, 1));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, self->vcpu, RD | USR, p + 8,
				 val(1, p + 8)));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, self->vcpu, FE, p + 16, val(1, p + 16)));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, self->vcpu, p + 24, 0xabcdef));
	EXPECT_EQ(0xabcdef, kvmmu_peek(gmem(g, p) + 3));
	EXPECT_TRUE(maps_pfn(_metadata, self->vcpu, p, hpfn(g, p),
			     KVMMU_TR_WRITABLE | KVMMU_TR_DIRTY));
	EXPECT_TRUE(kvmmu_err_is(_metadata, self->vcpu, RD, RAM_SIZE, -ENOENT));
	EXPECT_TRUE(kvmmu_err_is(_metadata, self->vcpu, RD, DMAP_GVA, -ENOENT));
	EXPECT_EQ(0, kvmmu_stats(_metadata, self->vm).guest_faults);

	/* MMU_RESET with paging off is harmless. */
	EXPECT_EQ(0, kvmmu_ioctl(self->vcpu, KVMMU_MMU_RESET, NULL));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, self->vcpu, p + 8, val(1, p + 8)));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, self->vcpu, p + 24, 0xabcdef));

	/* A second vCPU starts the same. */
	vcpu1 = kvmmu_create_vcpu(self->vm, 1);
	ASSERT_LE(0, vcpu1);
	ASSERT_EQ(0, get_paging(vcpu1, &s));
	EXPECT_EQ(0, s.cr0 | s.cr3 | s.cr4 | s.efer | s.flags);
	close(vcpu1);
}

static void expect_state(struct __test_metadata *_metadata, int vcpu,
			 __u64 cr0, __u64 cr3, __u64 cr4, __u64 efer)
{
	struct kvmmu_paging s;

	ASSERT_EQ(0, get_paging(vcpu, &s));
	EXPECT_EQ(cr0, s.cr0);
	EXPECT_EQ(cr3, s.cr3);
	EXPECT_EQ(cr4, s.cr4);
	EXPECT_EQ(efer, s.efer);
	EXPECT_EQ(0, s.flags);
	EXPECT_EQ(0, s.reserved[0] | s.reserved[1] | s.reserved[2]);
}

/*
 * SET/GET round trips, EFER.LMA while paging is on, per-vCPU state, and a
 * saved state (LMA included) restored as it is.
 */
TEST_F(sp, paging_roundtrip)
{
	const __u64 pae = KVMMU_X86_CR4_PAE, lme = KVMMU_X86_EFER_LME;
	const __u64 lma = KVMMU_X86_EFER_LMA, nxe = KVMMU_X86_EFER_NXE;
	const __u64 cr4_all = pae | KVMMU_X86_CR4_PSE | KVMMU_X86_CR4_PGE;
	struct guest *g = &self->g;
	__u64 root = self->root, gva = REGION(0);
	__u64 p = data_page(_metadata, g, 1);
	struct kvmmu_paging s;
	int vcpu1;

	map(_metadata, g, root, gva, p, URW);
	vcpu1 = kvmmu_create_vcpu(self->vm, 1);
	ASSERT_LE(0, vcpu1);

	ASSERT_EQ(0, paging_on(self->vcpu, root, false));
	expect_state(_metadata, self->vcpu, CR0_ON, root, pae, lme | lma);
	expect_state(_metadata, vcpu1, 0, 0, 0, 0);
	EXPECT_TRUE(page_is(_metadata, self->vcpu, gva, p, 1));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu1, RD, gva, -ENOENT));

	ASSERT_EQ(0, paging_on(self->vcpu, root, true));
	expect_state(_metadata, self->vcpu, CR0_ON, root, pae, lme | nxe | lma);
	ASSERT_EQ(0, set_paging(self->vcpu, CR0_ON, root, cr4_all, lme | nxe));
	expect_state(_metadata, self->vcpu, CR0_ON, root, cr4_all,
		     lme | nxe | lma);
	EXPECT_TRUE(page_is(_metadata, self->vcpu, gva, p, 1));

	/* Save and restore, as a VMM migrating the vCPU would. */
	ASSERT_EQ(0, get_paging(self->vcpu, &s));
	ASSERT_EQ(0, paging_off(self->vcpu));
	expect_state(_metadata, self->vcpu, 0, 0, 0, 0);
	EXPECT_TRUE(page_is(_metadata, self->vcpu, p, p, 1));
	EXPECT_EQ(0, kvmmu_ioctl(self->vcpu, KVMMU_SET_PAGING, &s))
		TH_LOG("SET_PAGING of what GET_PAGING returned (EFER %#llx)",
		       (unsigned long long)s.efer);
	expect_state(_metadata, self->vcpu, CR0_ON, root, cr4_all,
		     lme | nxe | lma);
	EXPECT_TRUE(page_is(_metadata, self->vcpu, gva, p, 1));

	/* The same state on the other vCPU. */
	ASSERT_EQ(0, paging_on(vcpu1, root, true));
	expect_state(_metadata, vcpu1, CR0_ON, root, pae, lme | nxe | lma);
	EXPECT_TRUE(page_is(_metadata, vcpu1, gva, p, 1));
	ASSERT_EQ(0, paging_off(vcpu1));
	expect_state(_metadata, vcpu1, 0, 0, 0, 0);
	EXPECT_TRUE(page_is(_metadata, self->vcpu, gva, p, 1));
	close(vcpu1);
}

#define F_OFF(field)	offsetof(struct kvmmu_paging, field)
#define ON_STATE	1	/* mutation of the paging-on state */
#define OFF_STATE	2	/* ... of the all-zero state */

struct bad_paging {
	const char *what;
	size_t off;
	__u64 set;
	__u64 clear;
	int base;
};

static const struct bad_paging bad_paging[] = {
	{ "PG without PE", F_OFF(cr0), 0, KVMMU_X86_CR0_PE, ON_STATE },
	{ "PG without WP", F_OFF(cr0), 0, KVMMU_X86_CR0_WP, ON_STATE },
	{ "PG without PAE", F_OFF(cr4), 0, KVMMU_X86_CR4_PAE, ON_STATE },
	{ "PG without LME", F_OFF(efer), 0, KVMMU_X86_EFER_LME, ON_STATE },
	{ "PG alone", F_OFF(cr0), KVMMU_X86_CR0_PG, 0, OFF_STATE },
	{ "PG|PE|WP without PAE, LME", F_OFF(cr0), CR0_ON, 0, OFF_STATE },
	{ "CR4.LA57", F_OFF(cr4), CR4_LA57, 0, ON_STATE | OFF_STATE },
	{ "CR4.SMEP", F_OFF(cr4), CR4_SMEP, 0, ON_STATE | OFF_STATE },
	{ "CR4.SMAP", F_OFF(cr4), CR4_SMAP, 0, ON_STATE | OFF_STATE },
	{ "CR4.PKE", F_OFF(cr4), CR4_PKE, 0, ON_STATE | OFF_STATE },
	{ "CR3 bit 52", F_OFF(cr3), _BITULL(52), 0, ON_STATE | OFF_STATE },
	{ "CR3 bit 63", F_OFF(cr3), _BITULL(63), 0, ON_STATE | OFF_STATE },
	{ "CR0 bit 7 (reserved)", F_OFF(cr0), _BITULL(7), 0,
	  ON_STATE | OFF_STATE },
	{ "CR0 bit 32", F_OFF(cr0), _BITULL(32), 0, ON_STATE | OFF_STATE },
	{ "CR0 bit 63", F_OFF(cr0), _BITULL(63), 0, ON_STATE | OFF_STATE },
	{ "CR4 bit 15 (reserved)", F_OFF(cr4), _BITULL(15), 0,
	  ON_STATE | OFF_STATE },
	{ "CR4 bit 63", F_OFF(cr4), _BITULL(63), 0, ON_STATE | OFF_STATE },
	{ "EFER bit 2 (reserved)", F_OFF(efer), _BITULL(2), 0,
	  ON_STATE | OFF_STATE },
	{ "EFER bit 9 (reserved)", F_OFF(efer), _BITULL(9), 0,
	  ON_STATE | OFF_STATE },
	{ "EFER bit 63", F_OFF(efer), _BITULL(63), 0, ON_STATE | OFF_STATE },
	{ "flags bit 0", F_OFF(flags), 1, 0, ON_STATE | OFF_STATE },
	{ "flags bit 63", F_OFF(flags), _BITULL(63), 0, ON_STATE | OFF_STATE },
	{ "reserved[0]", F_OFF(reserved[0]), 1, 0, ON_STATE | OFF_STATE },
	{ "reserved[1]", F_OFF(reserved[1]), 1, 0, ON_STATE | OFF_STATE },
	{ "reserved[2]", F_OFF(reserved[2]), _BITULL(40), 0,
	  ON_STATE | OFF_STATE },
};

/*
 * Every invalid state fails with EINVAL and changes nothing: not the state
 * GET_PAGING reports, not how addresses are translated.  Tried from paging
 * on (with NXE) and from paging off.
 */
TEST_F(sp, paging_invalid)
{
	const __u64 efer_on = KVMMU_X86_EFER_LME | KVMMU_X86_EFER_NXE;
	struct guest *g = &self->g;
	__u64 root = self->root, gva = REGION(0);
	__u64 p = data_page(_metadata, g, 1);
	struct kvmmu_paging base, s;
	const struct bad_paging *b;
	unsigned int i;
	int r, state;

	map(_metadata, g, root, gva, p, URW);
	for (state = ON_STATE; state <= OFF_STATE; state++) {
		memset(&base, 0, sizeof(base));
		if (state == ON_STATE) {
			base.cr0 = CR0_ON;
			base.cr3 = root;
			base.cr4 = KVMMU_X86_CR4_PAE;
			base.efer = efer_on;
		}
		ASSERT_EQ(0, kvmmu_ioctl(self->vcpu, KVMMU_SET_PAGING, &base));
		for (i = 0; i < ARRAY_SIZE(bad_paging); i++) {
			b = &bad_paging[i];
			if (!(b->base & state))
				continue;
			s = base;
			*(__u64 *)((char *)&s + b->off) |= b->set;
			*(__u64 *)((char *)&s + b->off) &= ~b->clear;
			r = kvmmu_ioctl(self->vcpu, KVMMU_SET_PAGING, &s);
			EXPECT_EQ(-EINVAL, r)
				TH_LOG("paging %s: %s",
				       state == ON_STATE ? "on" : "off",
				       b->what);
			if (state == ON_STATE) {
				expect_state(_metadata, self->vcpu, CR0_ON,
					     root, KVMMU_X86_CR4_PAE,
					     efer_on | KVMMU_X86_EFER_LMA);
				EXPECT_TRUE(page_is(_metadata, self->vcpu,
						    gva, p, 1))
					TH_LOG("after %s", b->what);
			} else {
				expect_state(_metadata, self->vcpu, 0, 0, 0, 0);
				EXPECT_TRUE(page_is(_metadata, self->vcpu,
						    p, p, 1))
					TH_LOG("after %s", b->what);
				EXPECT_TRUE(kvmmu_err_is(_metadata, self->vcpu, RD,
							 gva, -ENOENT))
					TH_LOG("after %s", b->what);
			}
		}
	}
}

/* Bad pointers: EFAULT, and nothing changed. */
TEST_F(sp, paging_efault)
{
	struct kvmmu_paging *ro, *none;
	char *mem;

	mem = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	ro = (struct kvmmu_paging *)mem;
	none = (struct kvmmu_paging *)(mem + PG);
	ro->cr0 = CR0_ON;
	ro->cr3 = self->root;
	ro->cr4 = KVMMU_X86_CR4_PAE;
	ro->efer = KVMMU_X86_EFER_LME;
	ASSERT_EQ(0, mprotect(mem, PG, PROT_READ));
	ASSERT_EQ(0, mprotect(mem + PG, PG, PROT_NONE));

	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_GET_PAGING, NULL));
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_GET_PAGING, ro));
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_GET_PAGING, none));
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_SET_PAGING, NULL));
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_SET_PAGING, none));
	expect_state(_metadata, self->vcpu, 0, 0, 0, 0);
	/* A read-only source is fine for SET. */
	EXPECT_EQ(0, kvmmu_ioctl(self->vcpu, KVMMU_SET_PAGING, ro));
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_SET_PAGING, none));
	expect_state(_metadata, self->vcpu, CR0_ON, self->root,
		     KVMMU_X86_CR4_PAE,
		     KVMMU_X86_EFER_LME | KVMMU_X86_EFER_LMA);
	munmap(mem, 2 * PG);
}

/* ------------------------------------------------------------------ */
/* 2. Translation */

static const __u64 tr_gva[] = {
	0x1000, 0x2000, 0x1ff000, 0x200000, 0x40000000,
	PML4_GVA(2), 0x123456789000ULL, 0x7ffffffff000ULL,
};

/*
 * gvas all over the address space (neighbours in one table, the ends of a
 * table, other PDEs, PDPTEs and PML4Es) mapped to permuted gpas: the guest
 * reads what the VMM put at the gpa, its writes of every size land there,
 * and the shadow entry maps the process's frame of the gpa.
 */
TEST_F(sp, translate_4k)
{
	const unsigned int n = ARRAY_SIZE(tr_gva);
	struct guest *g = &self->g;
	int vcpu = self->vcpu;
	__u64 d[ARRAY_SIZE(tr_gva)], gpa;
	struct kvmmu_access a;
	unsigned int i, j, bad;
	char *b;

	for (i = 0; i < n; i++)
		d[i] = data_page(_metadata, g, 1);
	for (i = 0; i < n; i++)
		map(_metadata, g, self->root, tr_gva[i], d[(i + 3) % n], URW);
	ASSERT_EQ(0, paging_on(vcpu, self->root, false));

	for (i = 0; i < n; i++) {
		gpa = d[(i + 3) % n];
		EXPECT_TRUE(page_is(_metadata, vcpu, tr_gva[i], gpa, 1));
		EXPECT_TRUE(maps_pfn(_metadata, vcpu, tr_gva[i], hpfn(g, gpa),
				     KVMMU_TR_READABLE | KVMMU_TR_ACCESSED));
	}
	/* Unmapped neighbours fault. */
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, 0x3000, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, 0x0, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, 0x7fffffffe000ULL, 0));

	/* Writes of each size, at each gva, land at its gpa only. */
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, tr_gva[i] + 16,
					val(2, tr_gva[i])));
		a = kvmmu_access_one(vcpu, WR, tr_gva[i] + 101, 1, 0xa0 + i);
		EXPECT_EQ(0, a.result);
		a = kvmmu_access_one(vcpu, WR, tr_gva[i] + 202, 2, 0xb000 + i);
		EXPECT_EQ(0, a.result);
		a = kvmmu_access_one(vcpu, WR, tr_gva[i] + 404, 4, 0xc0000000 + i);
		EXPECT_EQ(0, a.result);
	}
	for (i = 0; i < n; i++) {
		gpa = d[(i + 3) % n];
		b = g->ram + gpa;
		EXPECT_EQ(val(2, tr_gva[i]), kvmmu_peek(b + 16))
			TH_LOG("gva %#llx", (unsigned long long)tr_gva[i]);
		EXPECT_EQ(0xa0 + i, (__u8)b[101]);
		EXPECT_EQ(0xb000 + i, *(__u16 *)(b + 202));
		EXPECT_EQ(0xc0000000 + i, *(__u32 *)(b + 404));
		/* The rest of the page is untouched. */
		for (bad = 0, j = 0; j < QWORDS; j++)
			bad += j != 2 && j != 12 && j != 25 && j != 50 &&
			       kvmmu_peek(gmem(g, gpa) + j) != val(1, gpa + j * 8);
		EXPECT_EQ(0, bad);
		EXPECT_TRUE(maps_pfn(_metadata, vcpu, tr_gva[i], hpfn(g, gpa),
				     KVMMU_TR_WRITABLE | KVMMU_TR_DIRTY));
		a = kvmmu_access_one(vcpu, RD, tr_gva[i] + 202, 2, 0);
		EXPECT_EQ(0, a.result);
		EXPECT_EQ(0xb000 + i, a.data);
		a = kvmmu_access_one(vcpu, RD, tr_gva[i] + 404, 4, 0);
		EXPECT_EQ(0, a.result);
		EXPECT_EQ(0xc0000000 + i, a.data);
	}
}

/*
 * 2 MiB guest pages: every 4 KiB page within reads its own gpa (the shadow
 * maps 4 KiB frames), writes land there, and two adjacent large pages map
 * unrelated gpas.
 */
TEST_F(sp, translate_2m)
{
	const unsigned long n = SZ_2M / PG;
	const __u64 gva = REGION(0), gpa0 = HUGE_GPA, gpa1 = HUGE_GPA + 3 * SZ_2M;
	struct guest *g = &self->g;
	struct kvmmu_access *a;
	unsigned int bad = 0;
	unsigned long i;

	for (i = 0; i < n; i++) {
		fill(g, gpa0 + i * PG, 3);
		fill(g, gpa1 + i * PG, 4);
	}
	map_large(_metadata, g, self->root, gva, gpa0, 2, URW);
	map_large(_metadata, g, self->root, gva + SZ_2M, gpa1, 2, URW);
	ASSERT_EQ(0, paging_on(self->vcpu, self->root, true));

	a = calloc(4 * n, sizeof(*a));
	ASSERT_NE(NULL, a);
	for (i = 0; i < 4 * n; i++) {
		a[i].gpa = gva + i / 2 * PG + (i % 2 ? (i * 8 + 8) % PG : 0);
		a[i].type = RD;
		a[i].size = 8;
		a[i].result = 1;
	}
	ASSERT_EQ(0, kvmmu_access_batch(self->vcpu, a, 4 * n));
	for (i = 0; i < 4 * n; i++) {
		__u64 off = a[i].gpa - gva;
		__u64 want = off < SZ_2M ? val(3, gpa0 + off) :
					   val(4, gpa1 + off - SZ_2M);

		if (!a[i].result && a[i].data == want)
			continue;
		if (bad++ < 4)
			TH_LOG("gva %#llx: result %d data %#llx, expected %#llx",
			       (unsigned long long)a[i].gpa, a[i].result,
			       (unsigned long long)a[i].data,
			       (unsigned long long)want);
	}
	EXPECT_EQ(0, bad);
	free(a);

	for (bad = 0, i = 0; i < n; i += 7)
		bad += !maps_pfn(_metadata, self->vcpu, gva + i * PG,
				 hpfn(g, gpa0 + i * PG), KVMMU_TR_READABLE);
	EXPECT_EQ(0, bad);

	for (i = 0; i < n; i += 5)
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, self->vcpu, gva + i * PG + 24,
					val(5, i)));
	for (bad = 0, i = 0; i < n; i++) {
		__u64 want = i % 5 ? val(3, gpa0 + i * PG + 24) : val(5, i);

		bad += kvmmu_peek(g->ram + gpa0 + i * PG + 24) != want;
		bad += kvmmu_peek(g->ram + gpa1 + i * PG + 24) !=
		       val(4, gpa1 + i * PG + 24);
	}
	EXPECT_EQ(0, bad);
	/* Past the second large page: nothing. */
	EXPECT_TRUE(pf_is(_metadata, self->vcpu, RD, gva + 2 * SZ_2M, 0));
	EXPECT_TRUE(pf_is(_metadata, self->vcpu, RD, gva - PG, 0));
}

/*
 * A 1 GiB guest page over all of RAM: every sampled page reads right and
 * takes writes; past the end of RAM the gpa has no slot (-ENOENT).
 */
TEST_F(sp, translate_1g)
{
	const __u64 gva = REGION(2);
	struct guest *g = &self->g;
	__u64 gpa, p = data_page(_metadata, g, 6);

	for (gpa = HUGE_GPA; gpa < RAM_SIZE; gpa += 61 * PG)
		fill(g, gpa, 7);
	fill(g, RAM_SIZE - PG, 8);
	map_large(_metadata, g, self->root, gva, 0, 3, URW);
	ASSERT_EQ(0, paging_on(self->vcpu, self->root, true));

	EXPECT_TRUE(page_is(_metadata, self->vcpu, gva + p, p, 6));
	for (gpa = HUGE_GPA; gpa < RAM_SIZE; gpa += 61 * PG)
		EXPECT_TRUE(page_is(_metadata, self->vcpu, gva + gpa, gpa, 7));
	EXPECT_TRUE(page_is(_metadata, self->vcpu, gva + RAM_SIZE - PG,
			    RAM_SIZE - PG, 8));
	EXPECT_TRUE(maps_pfn(_metadata, self->vcpu, gva + p, hpfn(g, p),
			     KVMMU_TR_READABLE));
	/* The guest's own PML4, seen through the large page. */
	EXPECT_TRUE(kvmmu_rd_is(_metadata, self->vcpu, gva + self->root + 8,
				gmem(g, self->root)[1]));

	EXPECT_TRUE(kvmmu_wr_ok(_metadata, self->vcpu, gva + p + 8, 0x1a1a));
	EXPECT_EQ(0x1a1a, kvmmu_peek(gmem(g, p) + 1));
	EXPECT_TRUE(maps_pfn(_metadata, self->vcpu, gva + p, hpfn(g, p),
			     KVMMU_TR_WRITABLE | KVMMU_TR_DIRTY));

	EXPECT_TRUE(kvmmu_err_is(_metadata, self->vcpu, RD, gva + RAM_SIZE, -ENOENT));
	EXPECT_TRUE(kvmmu_err_is(_metadata, self->vcpu, WR, gva + SZ_1G - 8,
				 -ENOENT));
	EXPECT_TRUE(pf_is(_metadata, self->vcpu, RD, gva + SZ_1G, 0));
}

/*
 * Guest-virtual addresses are 48-bit canonical: upper-half ones map like
 * any other (Linux's direct map, the very last page), distinct from the
 * lower-half one with the same low 47 bits; non-canonical ones fail with
 * -EINVAL and are no guest fault.  A guest entry may name a frame above
 * 2^48: no memslot is there.  With paging off, gpas past 48 bits have no
 * slot either.
 */
TEST_F(sp, canonical)
{
	const __u64 hi = 0xffff888000000000ULL, lo = hi & ((1ULL << 47) - 1);
	const __u64 last = 0xfffffffffffff000ULL, far = REGION(0);
	const __u64 bad[] = {
		0x0000800000000000ULL, 0xffff7ffffffff000ULL,
		0x8000000000000000ULL, 0x0001000000001000ULL,
	};
	struct guest *g = &self->g;
	__u64 p1 = data_page(_metadata, g, 1), p2 = data_page(_metadata, g, 2);
	__u64 p3 = data_page(_metadata, g, 3);
	struct kvmmu_vm_stats st0, st1;
	int vcpu = self->vcpu;
	unsigned int i;

	map(_metadata, g, self->root, hi, p1, PTE_P | PTE_RW);
	map(_metadata, g, self->root, lo, p2, URW);
	map(_metadata, g, self->root, last, p3, PTE_P | PTE_RW);
	map(_metadata, g, self->root, far, 1ULL << 50, URW);
	map(_metadata, g, self->root, far + PG, (1ULL << 52) - PG, URW);
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));

	EXPECT_TRUE(page_is(_metadata, vcpu, hi, p1, 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, lo, p2, 2));
	EXPECT_TRUE(page_is(_metadata, vcpu, last, p3, 3));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, hi + 8, 0x4141));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, last + PG - 8, 0x4343));
	EXPECT_EQ(0x4141, kvmmu_peek(gmem(g, p1) + 1));
	EXPECT_EQ(0x4343, kvmmu_peek(gmem(g, p3) + QWORDS - 1));
	EXPECT_EQ(val(2, p2 + 8), kvmmu_peek(gmem(g, p2) + 1));
	EXPECT_TRUE(maps_pfn(_metadata, vcpu, hi, hpfn(g, p1),
			     KVMMU_TR_WRITABLE | KVMMU_TR_DIRTY));
	EXPECT_TRUE(maps_pfn(_metadata, vcpu, last, hpfn(g, p3),
			     KVMMU_TR_WRITABLE | KVMMU_TR_DIRTY));
	EXPECT_TRUE(maps_pfn(_metadata, vcpu, lo, hpfn(g, p2),
			     KVMMU_TR_READABLE));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD | USR, hi, PF_P | PF_U));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, hi + PG, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, last - PG, 0));

	st0 = kvmmu_stats(_metadata, self->vm);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, bad[i], -EINVAL));
		EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, WR, bad[i] + 8, -EINVAL));
	}
	/* Frames past 2^48 in the guest's entries: no slot. */
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, far, -ENOENT));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, WR, far + PG, -ENOENT));
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_EQ(st0.guest_faults, st1.guest_faults);

	/* Paging off: those addresses are gpas with no slot. */
	ASSERT_EQ(0, paging_off(vcpu));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, bad[0], -ENOENT));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, 1ULL << 50, -ENOENT));
	EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, lo, -ENOENT));
	EXPECT_TRUE(page_is(_metadata, vcpu, p2, p2, 2));
}

/*
 * The in-kernel workload runs on guest-virtual addresses: it writes the
 * pattern of each gva at the gpa it maps, verifies through the gvas, stops
 * at an unmapped gva, and with paging off the same addresses have no slot.
 */
TEST_F(sp, workload_gva)
{
	const unsigned int n = 64;
	const __u64 gva = REGION(0), seed = 0x5eed;
	struct guest *g = &self->g;
	__u64 d[64], off;
	struct kvmmu_run run;
	unsigned int i, bad = 0;

	for (i = 0; i < n; i++)
		d[i] = data_page(_metadata, g, 0);
	for (i = 0; i < n; i++)		/* backwards and interleaved */
		map(_metadata, g, self->root, gva + i * PG,
		    d[(n - 1 - i) ^ 5], URW);
	ASSERT_EQ(0, paging_on(self->vcpu, self->root, true));

	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, gva, n * PG, 64,
					seed, 1, KVMMU_RUN_WRITE));
	EXPECT_EQ(0, run.error);
	EXPECT_EQ(n * PG / 64, run.accesses);
	for (i = 0; i < n; i++)
		for (off = 0; off < PG; off += 64)
			bad += kvmmu_peek(g->ram + d[(n - 1 - i) ^ 5] + off) !=
			       kvmmu_run_pattern(gva + i * PG + off, seed);
	EXPECT_EQ(0, bad) TH_LOG("%u qwords not where their gva maps", bad);

	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, gva, n * PG, 64,
					seed, 2,
					KVMMU_RUN_READ | KVMMU_RUN_VERIFY));
	EXPECT_EQ(0, run.error);
	EXPECT_EQ(0, run.mismatches)
		TH_LOG("first at %#llx",
		       (unsigned long long)run.first_mismatch_gpa);
	EXPECT_EQ(2 * n * PG / 64, run.accesses);

	/* One page further is unmapped: the run stops there. */
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, gva, (n + 1) * PG,
					PG, seed, 1, KVMMU_RUN_READ));
	EXPECT_NE(0, run.error);
	EXPECT_EQ(gva + n * PG, run.error_gpa);
	TH_LOG("workload on an unmapped gva: error %d", run.error);

	ASSERT_EQ(0, paging_off(self->vcpu));
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, gva, n * PG, 64,
					seed, 1, KVMMU_RUN_READ));
	EXPECT_EQ(-ENOENT, run.error);
	EXPECT_EQ(gva, run.error_gpa);
	ASSERT_EQ(0, paging_on(self->vcpu, self->root, true));
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, gva, n * PG, 64,
					seed, 1,
					KVMMU_RUN_READ | KVMMU_RUN_VERIFY));
	EXPECT_EQ(0, run.error);
	EXPECT_EQ(0, run.mismatches);
}

/* ------------------------------------------------------------------ */
/* 3. Guest page faults */

/* One access expected to fault with @err, or (@err < 0) to succeed. */
struct fault_case {
	__u64 gva;
	int type;
	long long err;
};

/*
 * Run the cases in one batch (the faulting ones must not stop it) and
 * check each; returns the number of faults expected.  Reads of successful
 * cases must return val(@tag[i], gpa); @want gives the expected data.
 */
static unsigned int run_cases(struct __test_metadata *_metadata, int vcpu,
			      const struct fault_case *c, unsigned int n,
			      const __u64 *want)
{
	struct kvmmu_access *a = calloc(n, sizeof(*a));
	unsigned int i, faults = 0;

	ASSERT_NE(NULL, a);
	for (i = 0; i < n; i++) {
		a[i].gpa = c[i].gva;
		a[i].type = c[i].type;
		a[i].size = 8;
		a[i].data = c[i].err < 0 && (c[i].type & 3) == WR ?
			    want[i] : 0x77;
		a[i].result = 1;
	}
	ASSERT_EQ(0, kvmmu_access_batch(vcpu, a, n));
	for (i = 0; i < n; i++) {
		if (c[i].err >= 0) {
			faults++;
			EXPECT_TRUE(a[i].result == PF &&
				    a[i].data == (__u64)c[i].err)
				TH_LOG("case %u: %s of %#llx: %d %#llx, expected #PF %#llx",
				       i, kvmmu_access_name(c[i].type),
				       (unsigned long long)c[i].gva,
				       a[i].result,
				       (unsigned long long)a[i].data,
				       (unsigned long long)c[i].err);
		} else {
			EXPECT_TRUE(!a[i].result && a[i].data == want[i])
				TH_LOG("case %u: %s of %#llx: %d %#llx, expected 0 %#llx",
				       i, kvmmu_access_name(c[i].type),
				       (unsigned long long)c[i].gva,
				       a[i].result,
				       (unsigned long long)a[i].data,
				       (unsigned long long)want[i]);
		}
	}
	free(a);
	return faults;
}

/* Every page of @gpas still holds @tag everywhere. */
static unsigned int untouched(struct guest *g, const __u64 *gpas,
			      unsigned int n, unsigned int tag)
{
	unsigned int i, j, bad = 0;

	for (i = 0; i < n; i++)
		for (j = 0; j < QWORDS; j++)
			bad += kvmmu_peek(gmem(g, gpas[i]) + j) !=
			       val(tag, gpas[i] + j * 8);
	return bad;
}

/*
 * Not-present entries at every level, for every kind of access: error code
 * 0, |WRITE, |USER, |FETCH (NXE is on).  A not-present PTE with an address
 * and permissions in it is still not present, and its page is untouched.
 */
TEST_F(sp, fault_not_present)
{
	struct guest *g = &self->g;
	__u64 base = REGION(0), root = self->root;
	__u64 d0 = data_page(_metadata, g, 1), d1 = data_page(_metadata, g, 1);
	const __u64 np[] = {
		PML4_GVA(4),		/* PML4E absent */
		REGION(1),		/* PDPTE absent */
		base + SZ_2M,		/* PDE absent */
		base + PG,		/* PTE 0 */
		base + 2 * PG,		/* PTE with P clear */
	};
	const int types[] = { RD, WR, RD | USR, WR | USR, FE, FE | USR };
	const __u64 errs[] = { 0, PF_W, PF_U, PF_W | PF_U, PF_I, PF_I | PF_U };
	struct fault_case c[ARRAY_SIZE(np) * ARRAY_SIZE(types) + 2];
	__u64 want[ARRAY_SIZE(c)];
	struct kvmmu_vm_stats st0, st1;
	unsigned int i, j, n = 0, faults;

	map(_metadata, g, root, base, d0, URW);
	map(_metadata, g, root, base + 2 * PG, d1, PTE_RW | PTE_US);
	ASSERT_EQ(0, paging_on(self->vcpu, root, true));

	memset(want, 0, sizeof(want));
	for (i = 0; i < ARRAY_SIZE(np); i++) {
		for (j = 0; j < ARRAY_SIZE(types); j++, n++) {
			c[n].gva = np[i] + j * 8;
			c[n].type = types[j];
			c[n].err = errs[j];
		}
		if (i == 2) {	/* the mapped page, amid the faults */
			c[n].gva = base + 8;
			c[n].type = RD;
			c[n].err = -1;
			want[n++] = val(1, d0 + 8);
			c[n].gva = base + 16;
			c[n].type = WR | USR;
			c[n].err = -1;
			want[n++] = 0x3131;
		}
	}
	st0 = kvmmu_stats(_metadata, self->vm);
	faults = run_cases(_metadata, self->vcpu, c, n, want);
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_EQ(faults, st1.guest_faults - st0.guest_faults);
	EXPECT_EQ(0x3131, kvmmu_peek(gmem(g, d0) + 2));
	EXPECT_EQ(0, untouched(g, &d1, 1, 1));
	/* Nothing was mapped for the faulting gvas. */
	for (i = 0; i < ARRAY_SIZE(np); i++)
		EXPECT_FALSE(xlate(_metadata, self->vcpu, np[i]).flags &
			     KVMMU_TR_PRESENT);
	/* The not-present PTE got neither A nor D. */
	EXPECT_EQ(d1 | PTE_RW | PTE_US, *entry(_metadata, g, root,
					       base + 2 * PG, 1));
}

/*
 * Protection: read-only (at the leaf or above: RW is ANDed over the
 * levels), supervisor-only (at the leaf, PDPTE or PML4E: US is ANDed), and
 * both.  Supervisor writes to read-only pages fault (CR0.WP).  A faulting
 * write changes neither the page nor the leaf's D bit.
 */
TEST_F(sp, fault_protection)
{
	const __u64 ro = REGION(0), ro_pde = REGION(1), sup = REGION(2);
	const __u64 sup_pdpte = REGION(3), sup_pml4e = PML4_GVA(2);
	const __u64 ro_sup = REGION(4), ok = REGION(5);
	const __u64 pages[] = { ro, ro_pde, sup, sup_pdpte, sup_pml4e, ro_sup,
				ok };
	const struct fault_case c[] = {
		{ ro, RD, -1 },
		{ ro + 8, RD | USR, -1 },
		{ ro + 16, WR, PF_P | PF_W },
		{ ro + 24, WR | USR, PF_P | PF_W | PF_U },
		{ ro_pde, RD | USR, -1 },
		{ ro_pde + 8, WR, PF_P | PF_W },
		{ ro_pde + 16, WR | USR, PF_P | PF_W | PF_U },
		{ sup, RD, -1 },
		{ sup + 8, WR, -1 },				/* [8] */
		{ sup + 16, RD | USR, PF_P | PF_U },
		{ sup + 24, WR | USR, PF_P | PF_W | PF_U },
		{ sup + 32, FE | USR, PF_P | PF_U | PF_I },
		{ sup + 40, FE, -1 },
		{ sup_pdpte, RD, -1 },
		{ sup_pdpte + 8, RD | USR, PF_P | PF_U },
		{ sup_pdpte + 16, WR | USR, PF_P | PF_W | PF_U },
		{ sup_pml4e, WR, -1 },				/* [16] */
		{ sup_pml4e + 8, RD | USR, PF_P | PF_U },
		{ ro_sup, RD, -1 },
		{ ro_sup + 8, WR, PF_P | PF_W },
		{ ro_sup + 16, RD | USR, PF_P | PF_U },
		{ ro_sup + 24, WR | USR, PF_P | PF_W | PF_U },
		{ ok, WR | USR, -1 },				/* [22] */
		{ ok + 8, FE | USR, -1 },
		{ ok + 16, FE, -1 },		/* supervisor: no SMEP */
	};
	__u64 want[ARRAY_SIZE(c)], d[ARRAY_SIZE(pages)], *e_ro, root;
	struct guest *g = &self->g;
	struct kvmmu_vm_stats st0, st1;
	unsigned int i, k, faults;

	root = self->root;
	for (i = 0; i < ARRAY_SIZE(d); i++)
		d[i] = data_page(_metadata, g, 1);
	e_ro = map(_metadata, g, root, ro, d[0], PTE_P | PTE_US);
	map(_metadata, g, root, ro_pde, d[1], URW);
	*entry(_metadata, g, root, ro_pde, 2) &= ~PTE_RW;
	map(_metadata, g, root, sup, d[2], PTE_P | PTE_RW);
	map(_metadata, g, root, sup_pdpte, d[3], URW);
	*entry(_metadata, g, root, sup_pdpte, 3) &= ~PTE_US;
	map(_metadata, g, root, sup_pml4e, d[4], URW);
	*entry(_metadata, g, root, sup_pml4e, 4) &= ~PTE_US;
	map(_metadata, g, root, ro_sup, d[5], PTE_P);
	map(_metadata, g, root, ok, d[6], URW);
	ASSERT_EQ(0, paging_on(self->vcpu, root, true));

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		for (k = 0; pages[k] != (c[i].gva & ~(PG - 1)); k++)
			;
		want[i] = (c[i].type & 3) == WR ? 0xe0 + i :
			  val(1, d[k] + (c[i].gva & (PG - 1)));
	}
	st0 = kvmmu_stats(_metadata, self->vm);
	faults = run_cases(_metadata, self->vcpu, c, ARRAY_SIZE(c), want);
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_EQ(faults, st1.guest_faults - st0.guest_faults);

	/* The writes that were allowed, and nothing else. */
	EXPECT_EQ(0xe0 + 8, kvmmu_peek(gmem(g, d[2]) + 1));
	EXPECT_EQ(0xe0 + 16, kvmmu_peek(gmem(g, d[4])));
	EXPECT_EQ(0xe0 + 22, kvmmu_peek(gmem(g, d[6])));
	EXPECT_EQ(0, untouched(g, d, 2, 1));
	EXPECT_EQ(0, untouched(g, &d[3], 1, 1));
	EXPECT_EQ(0, untouched(g, &d[5], 1, 1));
	EXPECT_EQ(d[0] | PTE_P | PTE_US | PTE_A, *e_ro)
		TH_LOG("read-only PTE after reads and faulting writes");
	EXPECT_FALSE(xlate(_metadata, self->vcpu, ro).flags &
		     KVMMU_TR_WRITABLE);
	EXPECT_FALSE(xlate(_metadata, self->vcpu, ro_pde).flags &
		     KVMMU_TR_WRITABLE);
	/* Still the same after the faults. */
	EXPECT_TRUE(kvmmu_rd_is(_metadata, self->vcpu, ro + 16, val(1, d[0] + 16)));
	EXPECT_TRUE(pf_is(_metadata, self->vcpu, WR, ro + 16, PF_P | PF_W));
}

/*
 * XD with EFER.NXE: fetches fault (XD at the leaf, PDE or PML4E: ORed over
 * the levels), reads and writes do not; pages without XD can be fetched.
 */
TEST_F(sp, fault_nx)
{
	const __u64 xd = REGION(0), xd_pde = REGION(1), xd_pml4e = PML4_GVA(3);
	const __u64 ok = REGION(2);
	const __u64 pages[] = { xd, xd_pde, xd_pml4e, ok };
	const struct fault_case c[] = {
		{ xd, FE, PF_P | PF_I },
		{ xd + 8, FE | USR, PF_P | PF_U | PF_I },
		{ xd + 16, RD, -1 },
		{ xd + 24, RD | USR, -1 },
		{ xd + 32, WR, -1 },
		{ xd_pde, FE, PF_P | PF_I },
		{ xd_pde + 8, RD | USR, -1 },
		{ xd_pml4e, FE | USR, PF_P | PF_U | PF_I },
		{ xd_pml4e + 8, RD, -1 },
		{ ok, FE, -1 },
		{ ok + 8, FE | USR, -1 },
	};
	__u64 want[ARRAY_SIZE(c)], d[ARRAY_SIZE(pages)], root;
	struct guest *g = &self->g;
	struct kvmmu_vm_stats st0, st1;
	unsigned int i, k, faults;

	root = self->root;
	for (i = 0; i < ARRAY_SIZE(d); i++)
		d[i] = data_page(_metadata, g, 2);
	map(_metadata, g, root, xd, d[0], URW | PTE_XD);
	map(_metadata, g, root, xd_pde, d[1], URW);
	*entry(_metadata, g, root, xd_pde, 2) |= PTE_XD;
	map(_metadata, g, root, xd_pml4e, d[2], URW);
	*entry(_metadata, g, root, xd_pml4e, 4) |= PTE_XD;
	map(_metadata, g, root, ok, d[3], URW);
	ASSERT_EQ(0, paging_on(self->vcpu, root, true));

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		for (k = 0; pages[k] != (c[i].gva & ~(PG - 1)); k++)
			;
		want[i] = (c[i].type & 3) == WR ? 0x4242 :
			  val(2, d[k] + (c[i].gva & (PG - 1)));
	}
	st0 = kvmmu_stats(_metadata, self->vm);
	faults = run_cases(_metadata, self->vcpu, c, ARRAY_SIZE(c), want);
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_EQ(faults, st1.guest_faults - st0.guest_faults);
	EXPECT_EQ(0x4242, kvmmu_peek(gmem(g, d[0]) + 4));
	EXPECT_FALSE(xlate(_metadata, self->vcpu, xd).flags &
		     KVMMU_TR_EXECUTABLE);
	/* A fetch after the read still faults (the spte is not executable). */
	EXPECT_TRUE(pf_is(_metadata, self->vcpu, FE, xd + 40, PF_P | PF_I));
}

/*
 * Reserved bits: PS in a PML4E, bits 20:13 of a 2 MiB PDE, bits 29:13 of
 * a 1 GiB PDPTE, and XD while EFER.NXE is clear (switched at run time on
 * the same tables: XD pages become faulting and back).
 */
TEST_F(sp, fault_reserved)
{
	struct guest *g = &self->g;
	__u64 root = self->root, d[3];
	const __u64 ps4 = PML4_GVA(5), pde13 = REGION(0);
	const __u64 pde20 = REGION(0) + SZ_2M, pde_ok = REGION(0) + 2 * SZ_2M;
	const __u64 pdpte13 = REGION(1), pdpte29 = REGION(2);
	const __u64 pdpte_ok = REGION(3), xd = REGION(4), xd4 = PML4_GVA(4);
	const __u64 ok = REGION(5);
	struct kvmmu_vm_stats st0, st1;
	unsigned int i, faults = 0;

	for (i = 0; i < ARRAY_SIZE(d); i++)
		d[i] = data_page(_metadata, g, 3);
	fill(g, HUGE_GPA, 4);
	map(_metadata, g, root, ps4, d[0], URW);
	*entry(_metadata, g, root, ps4, 4) |= PTE_PS;
	map_large(_metadata, g, root, pde13, HUGE_GPA, 2, URW | _BITULL(13));
	map_large(_metadata, g, root, pde20, HUGE_GPA, 2, URW | _BITULL(20));
	map_large(_metadata, g, root, pde_ok, HUGE_GPA, 2, URW);
	map_large(_metadata, g, root, pdpte13, 0, 3, URW | _BITULL(13));
	map_large(_metadata, g, root, pdpte29, 0, 3, URW | _BITULL(29));
	map_large(_metadata, g, root, pdpte_ok, 0, 3, URW);
	map(_metadata, g, root, xd, d[1], URW | PTE_XD);
	map(_metadata, g, root, xd4, d[2], URW);
	*entry(_metadata, g, root, xd4, 4) |= PTE_XD;
	map(_metadata, g, root, ok, d[0], URW);
	ASSERT_EQ(0, paging_on(self->vcpu, root, true));

	st0 = kvmmu_stats(_metadata, self->vm);
	faults += pf_is(_metadata, self->vcpu, RD, ps4, PF_P | PF_R);
	faults += pf_is(_metadata, self->vcpu, WR, ps4 + 8, PF_P | PF_R | PF_W);
	faults += pf_is(_metadata, self->vcpu, RD | USR, ps4 + 16,
			PF_P | PF_R | PF_U);
	faults += pf_is(_metadata, self->vcpu, FE, ps4 + 24,
			PF_P | PF_R | PF_I);
	faults += pf_is(_metadata, self->vcpu, RD, pde13, PF_P | PF_R);
	faults += pf_is(_metadata, self->vcpu, WR, pde20 + PG, PF_P | PF_R | PF_W);
	faults += pf_is(_metadata, self->vcpu, RD, pdpte13 + HUGE_GPA,
			PF_P | PF_R);
	faults += pf_is(_metadata, self->vcpu, RD | USR, pdpte29 + d[0],
			PF_P | PF_R | PF_U);
	EXPECT_EQ(8, faults);
	EXPECT_TRUE(page_is(_metadata, self->vcpu, pde_ok, HUGE_GPA, 4));
	EXPECT_TRUE(page_is(_metadata, self->vcpu, pdpte_ok + d[0], d[0], 3));
	EXPECT_TRUE(page_is(_metadata, self->vcpu, xd, d[1], 3));
	EXPECT_TRUE(page_is(_metadata, self->vcpu, xd4, d[2], 3));

	/* NXE off: XD is a reserved bit, and fetches set no FETCH bit. */
	ASSERT_EQ(0, paging_on(self->vcpu, root, false));
	faults += pf_is(_metadata, self->vcpu, RD, xd, PF_P | PF_R);
	faults += pf_is(_metadata, self->vcpu, WR | USR, xd + 8,
			PF_P | PF_R | PF_W | PF_U);
	faults += pf_is(_metadata, self->vcpu, FE, xd + 16, PF_P | PF_R);
	faults += pf_is(_metadata, self->vcpu, RD, xd4, PF_P | PF_R);
	faults += pf_is(_metadata, self->vcpu, FE, REGION(6), 0);
	faults += pf_is(_metadata, self->vcpu, RD, pde13, PF_P | PF_R);
	EXPECT_EQ(14, faults);
	EXPECT_TRUE(page_is(_metadata, self->vcpu, ok, d[0], 3));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, self->vcpu, FE, ok + 8, val(3, d[0] + 8)));
	EXPECT_TRUE(page_is(_metadata, self->vcpu, pde_ok, HUGE_GPA, 4));

	/* NXE on again: readable, not executable. */
	ASSERT_EQ(0, paging_on(self->vcpu, root, true));
	EXPECT_TRUE(page_is(_metadata, self->vcpu, xd, d[1], 3));
	EXPECT_TRUE(page_is(_metadata, self->vcpu, xd4, d[2], 3));
	faults += pf_is(_metadata, self->vcpu, FE, xd + 16, PF_P | PF_I);
	EXPECT_EQ(15, faults);
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_EQ(15, st1.guest_faults - st0.guest_faults);
	EXPECT_EQ(0, untouched(g, d, 3, 3));
}

/* ------------------------------------------------------------------ */
/* 4. Accessed and dirty bits */

/* The four entries of the walk for @gva; @e[0] is the PTE. */
static void walk_entries(struct __test_metadata *_metadata, struct guest *g,
			 __u64 root, __u64 gva, __u64 **e, int leaf)
{
	int l;

	for (l = 4; l >= leaf; l--)
		e[l - 1] = entry(_metadata, g, root, gva, l);
}

/* A in the entries of levels [leaf, 4]; D exactly on the leaf if @dirty. */
static bool ad_is(struct __test_metadata *_metadata, __u64 **e, int leaf,
		  bool dirty, const char *when)
{
	__u64 want;
	bool ok = true;
	int l;

	for (l = leaf; l <= 4; l++) {
		want = PTE_A | (l == leaf && dirty ? PTE_D : 0);
		if ((*e[l - 1] & (PTE_A | PTE_D)) == want)
			continue;
		TH_LOG("%s: level %d entry %#llx, expected A%s", when, l,
		       (unsigned long long)*e[l - 1],
		       want & PTE_D ? " and D" : ", no D");
		ok = false;
	}
	return ok;
}

/*
 * The walker sets A in every entry it uses and D in the leaf on a write;
 * nothing else in the entries changes.  After the guest clears them (a
 * trapped write) the next access sets them again, also a write after a
 * read.
 */
TEST_F(sp, accessed_dirty)
{
	struct guest *g = &self->g;
	__u64 root = self->root, *e[4], *h[4], pte;
	const __u64 x = REGION(0) + 5 * PG, big = REGION(1) + SZ_2M;
	__u64 d = data_page(_metadata, g, 1);
	int vcpu = self->vcpu, l;

	fill(g, HUGE_GPA, 2);
	map(_metadata, g, root, x, d, URW);
	map_large(_metadata, g, root, big, HUGE_GPA, 2, URW);
	walk_entries(_metadata, g, root, x, e, 1);
	walk_entries(_metadata, g, root, big, h, 2);
	for (l = 0; l < 4; l++)
		ASSERT_FALSE(*e[l] & (PTE_A | PTE_D));
	ASSERT_EQ(0, paging_on(vcpu, root, true));

	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x, val(1, d)));
	EXPECT_TRUE(ad_is(_metadata, e, 1, false, "after a read"));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + 8, 0x11));
	EXPECT_TRUE(ad_is(_metadata, e, 1, true, "after a write"));
	EXPECT_EQ(d | URW | PTE_A | PTE_D, *e[0]);
	EXPECT_TRUE(maps_pfn(_metadata, vcpu, x, hpfn(g, d),
			     KVMMU_TR_WRITABLE | KVMMU_TR_DIRTY));

	/* The guest clears A and D in its PTE: they come back. */
	pte = d | URW;
	ASSERT_EQ(0, guest_set(vcpu, g, e[0], pte));
	EXPECT_EQ(pte, *e[0]);
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x + 8, 0x11));
	EXPECT_EQ(pte | PTE_A, *e[0]) TH_LOG("PTE after clearing A/D and a read");
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + 16, 0x22));
	EXPECT_EQ(pte | PTE_A | PTE_D, *e[0])
		TH_LOG("PTE after clearing A/D, a read and a write");

	/* D alone cleared: the next write sets it. */
	ASSERT_EQ(0, guest_set(vcpu, g, e[0], pte | PTE_A));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x + 16, 0x22));
	EXPECT_EQ(pte | PTE_A, *e[0]);
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + 24, 0x33));
	EXPECT_EQ(pte | PTE_A | PTE_D, *e[0]) TH_LOG("PTE after clearing D and a write");
	EXPECT_EQ(0x33, kvmmu_peek(gmem(g, d) + 3));

	/* A cleared in the PDE: set again by the next walk. */
	ASSERT_EQ(0, guest_set(vcpu, g, e[1], *e[1] & ~PTE_A));
	EXPECT_FALSE(*e[1] & PTE_A);
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x, val(1, d)));
	EXPECT_TRUE(ad_is(_metadata, e, 1, true, "after clearing the PDE's A"));

	/* A 2 MiB leaf: A and D in the PDE. */
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, big, val(2, HUGE_GPA)));
	EXPECT_TRUE(ad_is(_metadata, h, 2, false, "2 MiB page after reads"));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, big + 5 * PG, 0x55));
	EXPECT_TRUE(ad_is(_metadata, h, 2, true, "2 MiB page after a write"));
	EXPECT_EQ(0x55, kvmmu_peek(gmem(g, HUGE_GPA + 5 * PG)));
	EXPECT_EQ(HUGE_GPA | URW | PTE_PS | PTE_A | PTE_D, *h[1]);
}

/* ------------------------------------------------------------------ */
/* 5. The guest edits its own page tables */

/* pt_writes went up by exactly one since *@st; *@st is updated. */
static bool one_pt_write(struct __test_metadata *_metadata, int vm,
			 struct kvmmu_vm_stats *st, const char *what)
{
	struct kvmmu_vm_stats now = kvmmu_stats(_metadata, vm);
	bool ok = now.pt_writes == st->pt_writes + 1;

	if (!ok)
		TH_LOG("%s: pt_writes %llu -> %llu, expected +1", what,
		       (unsigned long long)st->pt_writes,
		       (unsigned long long)now.pt_writes);
	*st = now;
	return ok;
}

/*
 * Leaf edits by guest writes to its PTE: remap, unmap, read-only,
 * read-write, a 4-byte write of the low half, a write with paging off and
 * one through another mapping of the table page.  Each takes effect at the
 * next access; a neighbour's mapping is never disturbed.
 */
TEST_F(sp, pt_edit_leaf)
{
	struct guest *g = &self->g;
	const __u64 x = REGION(0) + 7 * PG, y = x + PG, big = REGION(1);
	__u64 root = self->root, p[5], *e, old_pfn;
	struct kvmmu_vm_stats st;
	struct kvmmu_translation t;
	int vcpu = self->vcpu;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = data_page(_metadata, g, i + 1);
	e = map(_metadata, g, root, x, p[0], URW);
	map(_metadata, g, root, y, p[4], URW);
	map_large(_metadata, g, root, big, 0, 3, PTE_P | PTE_RW);
	ASSERT_EQ(0, paging_on(vcpu, root, true));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[0], 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, y, p[4], 5));
	old_pfn = hpfn(g, p[0]);
	st = kvmmu_stats(_metadata, self->vm);

	/* Remap to another page. */
	ASSERT_EQ(0, guest_set(vcpu, g, e, p[1] | URW));
	t = xlate(_metadata, vcpu, x);
	EXPECT_FALSE((t.flags & KVMMU_TR_PRESENT) && t.pfn == old_pfn)
		TH_LOG("the shadow still maps the old page after the remap");
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[1], 2));
	EXPECT_TRUE(one_pt_write(_metadata, self->vm, &st, "remap"));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + 8, 0xb1));
	EXPECT_EQ(0xb1, kvmmu_peek(gmem(g, p[1]) + 1));
	EXPECT_EQ(val(1, p[0] + 8), kvmmu_peek(gmem(g, p[0]) + 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, y, p[4], 5));

	/* Unmap. */
	ASSERT_EQ(0, guest_set(vcpu, g, e, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, x, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, WR, x + 16, PF_W));
	EXPECT_TRUE(one_pt_write(_metadata, self->vm, &st, "unmap"));
	EXPECT_TRUE(page_is(_metadata, vcpu, y, p[4], 5));

	/* Read-only. */
	ASSERT_EQ(0, guest_set(vcpu, g, e, p[1] | PTE_P | PTE_US));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x + 8, 0xb1));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[1], 2));
	EXPECT_TRUE(pf_is(_metadata, vcpu, WR, x + 16, PF_P | PF_W));
	EXPECT_EQ(val(2, p[1] + 16), kvmmu_peek(gmem(g, p[1]) + 2));
	EXPECT_TRUE(one_pt_write(_metadata, self->vm, &st, "read-only"));

	/* Read-write again. */
	ASSERT_EQ(0, guest_set(vcpu, g, e, p[1] | URW));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + 16, 0xb2));
	EXPECT_EQ(0xb2, kvmmu_peek(gmem(g, p[1]) + 2));
	EXPECT_TRUE(one_pt_write(_metadata, self->vm, &st, "read-write"));

	/* A 4-byte write of the PTE's low half. */
	EXPECT_EQ(0, kvmmu_access_one(vcpu, WR, ent_gva(g, e), 4,
				      (__u32)(p[2] | URW)).result);
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[2], 3));
	EXPECT_TRUE(one_pt_write(_metadata, self->vm, &st, "4-byte write"));

	/* Through another mapping of the table page (a 1 GiB page). */
	EXPECT_EQ(0, kvmmu_access_one(vcpu, WR, big + ent_gpa(g, e), 8, p[3] | URW).result);
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[3], 4));
	EXPECT_TRUE(one_pt_write(_metadata, self->vm, &st, "write via 1 GiB page"));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ent_gva(g, e), *e));
	EXPECT_EQ(p[3] | URW, *e & ~(PTE_A | PTE_D));

	/* With paging off, at the table's guest-physical address. */
	ASSERT_EQ(0, paging_off(vcpu));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, ent_gpa(g, e), p[0] | URW));
	ASSERT_EQ(0, paging_on(vcpu, root, true));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[0], 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, y, p[4], 5));
}

/*
 * Non-leaf edits: a PDE pointed at another page table, made a 2 MiB leaf
 * and restored (with an edit made meanwhile to the unlinked table); a
 * PML4E pointed at another PDPT; a PDPTE cleared and restored.
 */
TEST_F(sp, pt_edit_tables)
{
	struct guest *g = &self->g;
	const __u64 x = REGION(0) + 3 * PG, q = PML4_GVA(6) + 0x1000;
	__u64 root = self->root, p[6], *pde, *pdpte, *pml4e, *pte_x1;
	__u64 t1, t2, pdpt_a, pdpt_b, scratch, pdpte_val;
	const __u64 hoff = x & (SZ_2M - 1);
	int vcpu = self->vcpu;
	struct kvmmu_vm_stats st0, st1;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = data_page(_metadata, g, i + 1);
	fill(g, HUGE_GPA + hoff, 7);
	fill(g, HUGE_GPA + hoff + PG, 8);
	map(_metadata, g, root, x, p[0], URW);
	pte_x1 = map(_metadata, g, root, x + PG, p[2], URW);
	pde = entry(_metadata, g, root, x, 2);
	pdpte = entry(_metadata, g, root, x, 3);
	pdpte_val = *pdpte;
	t1 = *pde & PTE_ADDR;
	t2 = table_page(_metadata, g);		/* unlinked: maps x to p[1] */
	gmem(g, t2)[pt_index(x, 1)] = p[1] | URW;
	map(_metadata, g, root, q, p[3], URW);
	pml4e = entry(_metadata, g, root, q, 4);
	pdpt_a = *pml4e & PTE_ADDR;
	scratch = table_page(_metadata, g);	/* builds a second PDPT */
	map(_metadata, g, scratch, q, p[4], URW);
	pdpt_b = gmem(g, scratch)[pt_index(q, 4)] & PTE_ADDR;
	ASSERT_EQ(0, paging_on(vcpu, root, true));

	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[0], 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, x + PG, p[2], 3));
	EXPECT_TRUE(page_is(_metadata, vcpu, q, p[3], 4));
	st0 = kvmmu_stats(_metadata, self->vm);

	/* PDE -> another page table. */
	ASSERT_EQ(0, guest_set(vcpu, g, pde, t2 | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[1], 2));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, x + PG, 0));

	/* PDE -> a 2 MiB page. */
	ASSERT_EQ(0, guest_set(vcpu, g, pde, HUGE_GPA | URW | PTE_PS));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, HUGE_GPA + hoff, 7));
	EXPECT_TRUE(page_is(_metadata, vcpu, x + PG, HUGE_GPA + hoff + PG, 8));

	/* Edit the unlinked table, then link it back. */
	ASSERT_EQ(0, guest_set(vcpu, g, pte_x1, p[5] | URW));
	ASSERT_EQ(0, guest_set(vcpu, g, pde, t1 | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[0], 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, x + PG, p[5], 6));

	/* PML4E -> another PDPT, and back. */
	ASSERT_EQ(0, guest_set(vcpu, g, pml4e, pdpt_b | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, q, p[4], 5));
	ASSERT_EQ(0, guest_set(vcpu, g, pml4e, pdpt_a | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, q, p[3], 4));

	/* PDPTE cleared, and restored. */
	ASSERT_EQ(0, guest_set(vcpu, g, pdpte, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, x, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, WR | USR, x + PG, PF_W | PF_U));
	ASSERT_EQ(0, guest_set(vcpu, g, pdpte, pdpte_val));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[0], 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, x + PG, p[5], 6));
	/*
	 * Eight edits; the one of the unlinked table is trapped only if its
	 * shadow page was kept.
	 */
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_LE(7, st1.pt_writes - st0.pt_writes);
	EXPECT_GE(8, st1.pt_writes - st0.pt_writes);
}

/*
 * Pages @gva0 + i * @stride, i < @n, hold the pages @gpa[i] filled with
 * @tag (two qwords each, in one batch); returns how many do not.
 */
static unsigned int pages_are(struct __test_metadata *_metadata, int vcpu,
			      __u64 gva0, __u64 stride, const __u64 *gpa,
			      unsigned int tag, unsigned int n)
{
	struct kvmmu_access *a = calloc(2 * n, sizeof(*a));
	unsigned int i, bad = 0;
	__u64 off, want;

	ASSERT_NE(NULL, a);
	for (i = 0; i < 2 * n; i++) {
		off = i % 2 ? PG - 8 : 8 * (i / 2 % 64);
		a[i].gpa = gva0 + i / 2 * stride + off;
		a[i].type = RD;
		a[i].size = 8;
		a[i].result = 1;
	}
	ASSERT_EQ(0, kvmmu_access_batch(vcpu, a, 2 * n));
	for (i = 0; i < 2 * n; i++) {
		off = a[i].gpa & (PG - 1);
		want = val(tag, gpa[i / 2] + off);
		if (!a[i].result && a[i].data == want)
			continue;
		if (bad++ < 4)
			TH_LOG("page %u +%#llx: %d %#llx, expected %#llx", i / 2,
			       (unsigned long long)off, a[i].result,
			       (unsigned long long)a[i].data,
			       (unsigned long long)want);
	}
	free(a);
	return bad;
}

/*
 * Many edits in a row (write flooding: the shadow page may be dropped
 * rather than kept in sync), edits and accesses mixed in one batch, and
 * partial writes: an unaligned 8-byte write across two PTEs, a 1-byte
 * write of the XD byte, a 2-byte write of the low bits.
 */
TEST_F(sp, pt_edit_many)
{
	const unsigned int n = 64;
	const __u64 x = REGION(0);
	struct guest *g = &self->g;
	__u64 a[64], b[64], *e[64];
	struct kvmmu_access m[8];
	int vcpu = self->vcpu;
	unsigned int i;

	for (i = 0; i < n; i++) {
		a[i] = data_page(_metadata, g, 1);
		b[i] = data_page(_metadata, g, 2);
		e[i] = map(_metadata, g, self->root, x + i * PG, a[i], URW);
	}
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	EXPECT_EQ(0, pages_are(_metadata, vcpu, x, PG, a, 1, n));

	/* 64 PTE writes, then the accesses. */
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, guest_set(vcpu, g, e[i], b[i] | URW));
	EXPECT_EQ(0, pages_are(_metadata, vcpu, x, PG, b, 2, n));
	/* And back, each followed by its access. */
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, guest_set(vcpu, g, e[i], a[i] | URW));
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x + i * PG + 8,
					val(1, a[i] + 8)));
	}

	/* One batch: edit, access, edit, access, unmap, access. */
	memset(m, 0, sizeof(m));
	m[0].gpa = ent_gva(g, e[0]);
	m[0].data = b[0] | URW;
	m[0].type = WR;
	m[1].gpa = x + 16;
	m[2].gpa = ent_gva(g, e[0]);
	m[2].data = a[0] | URW;
	m[2].type = WR;
	m[3].gpa = x + 16;
	m[4].gpa = ent_gva(g, e[1]);
	m[4].type = WR;
	m[5].gpa = x + PG + 16;
	for (i = 0; i < 6; i++) {
		m[i].size = 8;
		m[i].result = 1;
	}
	ASSERT_EQ(0, kvmmu_access_batch(vcpu, m, 6));
	EXPECT_EQ(0, m[0].result);
	EXPECT_TRUE(!m[1].result && m[1].data == val(2, b[0] + 16));
	EXPECT_EQ(0, m[2].result);
	EXPECT_TRUE(!m[3].result && m[3].data == val(1, a[0] + 16));
	EXPECT_EQ(0, m[4].result);
	EXPECT_TRUE(m[5].result == PF && m[5].data == 0)
		TH_LOG("access after the unmap in the same batch: %d %#llx",
		       m[5].result, (unsigned long long)m[5].data);

	/* 8 bytes at PTE 2 + 4: PTE 2's high half, PTE 3's low half. */
	EXPECT_EQ(0, kvmmu_access_one(vcpu, WR, ent_gva(g, e[2]) + 4, 8,
				      (__u64)(__u32)(b[3] | URW) << 32).result);
	EXPECT_EQ(a[2] | URW | PTE_A, *e[2]);
	EXPECT_EQ(b[3] | URW, *e[3] & ~(PTE_A | PTE_D));
	EXPECT_TRUE(page_is(_metadata, vcpu, x + 2 * PG, a[2], 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, x + 3 * PG, b[3], 2));

	/* The XD byte alone, set and cleared. */
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE, x + 4 * PG, val(1, a[4])));
	EXPECT_EQ(0, kvmmu_access_one(vcpu, WR, ent_gva(g, e[4]) + 7, 1, 0x80).result);
	EXPECT_TRUE(pf_is(_metadata, vcpu, FE, x + 4 * PG, PF_P | PF_I));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x + 4 * PG, val(1, a[4])));
	EXPECT_EQ(0, kvmmu_access_one(vcpu, WR, ent_gva(g, e[4]) + 7, 1, 0).result);
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE, x + 4 * PG, val(1, a[4])));

	/* The low 16 bits: RW cleared. */
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + 5 * PG + 8, 0x55));
	EXPECT_EQ(0, kvmmu_access_one(vcpu, WR, ent_gva(g, e[5]), 2,
				      (a[5] & 0xffff) | PTE_P | PTE_US | PTE_A).result);
	EXPECT_TRUE(pf_is(_metadata, vcpu, WR, x + 5 * PG + 8, PF_P | PF_W));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x + 5 * PG + 8, 0x55));
	EXPECT_EQ(0x55, kvmmu_peek(gmem(g, a[5]) + 1));
}

/*
 * One page table linked from three PDEs with different rights (RW user;
 * read-only supervisor; read-only user) and a fourth with XD: each path
 * gets its own rights, in whatever order they are first used, and an edit
 * of the shared table is seen through all of them.
 */
TEST_F(sp, shared_table_rights)
{
	const __u64 a = REGION(0), b = a + SZ_2M, c = a + 2 * SZ_2M;
	const __u64 d = a + 3 * SZ_2M, k = 7 * PG;
	struct guest *g = &self->g;
	__u64 t = table_page(_metadata, g), p1, p2;
	int vcpu = self->vcpu, round;

	p1 = data_page(_metadata, g, 1);
	p2 = data_page(_metadata, g, 2);
	gmem(g, t)[7] = p1 | URW;
	*entry(_metadata, g, self->root, a, 2) = t | URW;
	*entry(_metadata, g, self->root, b, 2) = t | PTE_P;
	*entry(_metadata, g, self->root, c, 2) = t | PTE_P | PTE_US;
	*entry(_metadata, g, self->root, d, 2) = t | URW | PTE_XD;
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));

	for (round = 0; round < 2; round++) {
		/* Round 0 uses the read-only paths first, round 1 last. */
		if (round)
			EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, a + k + 8, 0xa1));
		EXPECT_TRUE(pf_is(_metadata, vcpu, WR, b + k + 8, PF_P | PF_W));
		EXPECT_TRUE(pf_is(_metadata, vcpu, RD | USR, b + k,
				  PF_P | PF_U));
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, b + k + 16,
					val(1, p1 + 16)));
		EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, RD | USR, c + k + 16,
					 val(1, p1 + 16)));
		EXPECT_TRUE(pf_is(_metadata, vcpu, WR | USR, c + k + 8,
				  PF_P | PF_W | PF_U));
		EXPECT_TRUE(pf_is(_metadata, vcpu, WR, c + k + 8, PF_P | PF_W));
		EXPECT_TRUE(pf_is(_metadata, vcpu, FE, d + k, PF_P | PF_I));
		EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE, a + k + 16,
					 val(1, p1 + 16)));
		if (!round)
			EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, a + k + 8, 0xa1));
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, d + k + 24, 0xd1));
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, b + k + 8, 0xa1));
		EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, RD | USR, c + k + 24, 0xd1));
	}
	EXPECT_EQ(0xa1, kvmmu_peek(gmem(g, p1) + 1));
	EXPECT_EQ(0xd1, kvmmu_peek(gmem(g, p1) + 3));

	/* Edit the shared PTE: every path follows. */
	ASSERT_EQ(0, guest_set(vcpu, g, gmem(g, t) + 7, p2 | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, a + k, p2, 2));
	EXPECT_TRUE(page_is(_metadata, vcpu, b + k, p2, 2));
	EXPECT_TRUE(page_is(_metadata, vcpu, c + k, p2, 2));
	EXPECT_TRUE(page_is(_metadata, vcpu, d + k, p2, 2));
	EXPECT_TRUE(pf_is(_metadata, vcpu, WR, b + k, PF_P | PF_W));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, a + k, 0xa2));
	EXPECT_EQ(0xa2, kvmmu_peek(gmem(g, p2)));
}

#define REC		255ULL	/* the recursive PML4 slot */
#define REC_BASE	(REC << 39)

static __u64 rec_pte(__u64 v)
{
	return REC_BASE | ((v >> 9) & 0x7ffffffff8ULL);
}

static __u64 rec_pde(__u64 v)
{
	return REC_BASE | REC << 30 | ((v >> 18) & 0x3ffffff8ULL);
}

static __u64 rec_pdpte(__u64 v)
{
	return REC_BASE | REC << 30 | REC << 21 | ((v >> 27) & 0x1ff8ULL);
}

static __u64 rec_pml4e(__u64 v)
{
	return REC_BASE | REC << 30 | REC << 21 | REC << 12 |
	       ((v >> 36) & 0xff8ULL);
}

/*
 * A recursive PML4 slot: the PML4 is also a PDPT, PD and PT, so its gfn
 * is shadowed at every level at once.  The guest reads and edits its
 * entries of every level through it, and every edit takes effect.
 */
TEST_F(sp, recursive_pml4)
{
	const __u64 x = REGION(0) + 9 * PG;
	struct guest *g = &self->g;
	__u64 *root = gmem(g, self->root), *ex, *pde, pde_val, p[3];
	struct kvmmu_vm_stats st;
	int vcpu = self->vcpu;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = data_page(_metadata, g, i + 1);
	ex = map(_metadata, g, self->root, x, p[0], URW);
	pde = entry(_metadata, g, self->root, x, 2);
	root[REC] = self->root | URW;
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));

	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[0], 1));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, rec_pte(x), *ex));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, rec_pde(x), *pde));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, rec_pdpte(x),
				*entry(_metadata, g, self->root, x, 3)));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, rec_pml4e(x), root[0]));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, rec_pml4e(REC_BASE), root[REC]));
	EXPECT_EQ(self->root | URW | PTE_A, root[REC] & ~PTE_D);

	st = kvmmu_stats(_metadata, self->vm);
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, rec_pte(x), p[1] | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[1], 2));
	EXPECT_TRUE(one_pt_write(_metadata, self->vm, &st, "PTE via recursion"));
	EXPECT_EQ(p[1] | URW, *ex & ~(PTE_A | PTE_D));

	/* A PDE cleared and restored through the recursion. */
	pde_val = *pde;
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, rec_pde(x), 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, x, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, rec_pte(x), 0));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, rec_pde(x), pde_val));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[1], 2));

	/* A new leaf in the same table, made through the recursion. */
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, rec_pte(x + PG), p[2] | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x + PG, p[2], 3));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + PG + 8, 0x99));
	EXPECT_EQ(0x99, kvmmu_peek(gmem(g, p[2]) + 1));
	/* The PML4 entry of the recursion itself, made read-only. */
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, rec_pml4e(REC_BASE),
				self->root | PTE_P | PTE_US | PTE_A));
	EXPECT_TRUE(pf_is(_metadata, vcpu, WR, rec_pte(x), PF_P | PF_W));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, rec_pte(x), *ex));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[1], 2));
	EXPECT_EQ(self->root | PTE_P | PTE_US | PTE_A, root[REC] & ~PTE_D);
}

/*
 * More page tables than the shadow MMU keeps (one per 2 MiB of 200 gvas):
 * shadow pages are dropped and rebuilt, and edits to tables whose shadow
 * went are still honoured.
 */
TEST_F(sp, shadow_eviction)
{
	const unsigned int n = 200;
	const __u64 x = REGION(0);
	struct guest *g = &self->g;
	__u64 a[200], b[200], *e[200];
	struct kvmmu_vm_stats st0, st1;
	int vcpu = self->vcpu;
	unsigned int i;

	for (i = 0; i < n; i++) {
		a[i] = data_page(_metadata, g, 1);
		b[i] = data_page(_metadata, g, 2);
		e[i] = map(_metadata, g, self->root, x + i * SZ_2M, a[i], URW);
	}
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	st0 = kvmmu_stats(_metadata, self->vm);
	EXPECT_EQ(0, pages_are(_metadata, vcpu, x, SZ_2M, a, 1, n));
	EXPECT_EQ(0, pages_are(_metadata, vcpu, x, SZ_2M, a, 1, n));
	st1 = kvmmu_stats(_metadata, self->vm);
	TH_LOG("shadow_pages %llu, zapped %llu -> %llu",
	       (unsigned long long)st1.shadow_pages,
	       (unsigned long long)st0.shadow_zapped,
	       (unsigned long long)st1.shadow_zapped);

	for (i = 0; i < n; i++)
		ASSERT_EQ(0, guest_set(vcpu, g, e[i], b[i] | URW));
	EXPECT_EQ(0, pages_are(_metadata, vcpu, x, SZ_2M, b, 2, n));
	for (i = n; i-- > 0;) {
		ASSERT_EQ(0, guest_set(vcpu, g, e[i], a[i] | URW));
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x + i * SZ_2M + 8,
					val(1, a[i] + 8)));
	}
	EXPECT_EQ(0, pages_are(_metadata, vcpu, x, SZ_2M, a, 1, n));
	/* Unmap every other one. */
	for (i = 0; i < n; i += 2)
		ASSERT_EQ(0, guest_set(vcpu, g, e[i], 0));
	for (i = 0; i < n; i++) {
		bool ok = i % 2 ? kvmmu_rd_is(_metadata, vcpu, x + i * SZ_2M,
					val(1, a[i])) :
				  pf_is(_metadata, vcpu, RD, x + i * SZ_2M, 0);

		EXPECT_TRUE(ok) TH_LOG("gva %u", i);
	}
}

/* ------------------------------------------------------------------ */
/* 6. CR3 switches */

/*
 * Two PML4s map the same gva to different pages (and share a subtree and
 * the direct map).  Switching back and forth sees the right page every
 * time, from cached shadow pages: nothing is zapped, no shadow page is
 * added, and only the first access after a switch may run the fault path
 * (to find the cached root), the next ones hit.  Edits made while the
 * other root is loaded, and two vCPUs on different roots at once, are
 * seen right too.
 */
TEST_F(sp, cr3_switch)
{
	struct guest *g = &self->g;
	const __u64 x = REGION(0), y = REGION(1), z = PML4_GVA(2);
	__u64 ra = self->root, rb, pa, pb, py, pz, pc, pz2, *ex, *ez;
	struct kvmmu_vm_stats st0, st1;
	struct kvmmu_access a;
	unsigned int unfaulted = 0, first_faults = 0;
	int vcpu = self->vcpu, vcpu1, i;

	pa = data_page(_metadata, g, 1);
	pb = data_page(_metadata, g, 2);
	py = data_page(_metadata, g, 3);
	pz = data_page(_metadata, g, 4);
	pc = data_page(_metadata, g, 5);
	pz2 = data_page(_metadata, g, 6);
	rb = new_root_shared(_metadata, g, ra);
	ex = map(_metadata, g, ra, x, pa, URW);
	map(_metadata, g, rb, x, pb, URW);
	map(_metadata, g, ra, y, py, URW);
	ez = map(_metadata, g, ra, z, pz, URW);
	gmem(g, rb)[pt_index(z, 4)] = gmem(g, ra)[pt_index(z, 4)];

	ASSERT_EQ(0, paging_on(vcpu, ra, true));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, pa, 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, y, py, 3));
	EXPECT_TRUE(page_is(_metadata, vcpu, z, pz, 4));
	ASSERT_EQ(0, paging_on(vcpu, rb, true));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, pb, 2));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, y, 0));
	EXPECT_TRUE(page_is(_metadata, vcpu, z, pz, 4));

	st0 = kvmmu_stats(_metadata, self->vm);
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, paging_on(vcpu, ra, true));
		a = kvmmu_access_one(vcpu, RD, x + 8, 8, 0);
		EXPECT_TRUE(!a.result && a.data == val(1, pa + 8))
			TH_LOG("switch %d: root A, x: %d %#llx", i, a.result,
			       (unsigned long long)a.data);
		first_faults += a.faults;
		a = kvmmu_access_one(vcpu, RD, y + 8, 8, 0);
		EXPECT_TRUE(!a.result && a.data == val(3, py + 8));
		unfaulted += !a.faults;
		ASSERT_EQ(0, paging_on(vcpu, rb, true));
		a = kvmmu_access_one(vcpu, RD, x + 8, 8, 0);
		EXPECT_TRUE(!a.result && a.data == val(2, pb + 8))
			TH_LOG("switch %d: root B, x: %d %#llx", i, a.result,
			       (unsigned long long)a.data);
		first_faults += a.faults;
		EXPECT_TRUE(pf_is(_metadata, vcpu, RD, y, 0));
		a = kvmmu_access_one(vcpu, RD, z + 8, 8, 0);
		EXPECT_TRUE(!a.result && a.data == val(4, pz + 8));
		unfaulted += !a.faults;
	}
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_EQ(st0.shadow_zapped, st1.shadow_zapped);
	EXPECT_EQ(st0.shadow_pages, st1.shadow_pages)
		TH_LOG("shadow pages rebuilt on CR3 switches");
	EXPECT_EQ(20, unfaulted)
		TH_LOG("later accesses after a switch to a known CR3 faulted");
	EXPECT_GE(20, first_faults)
		TH_LOG("first accesses after a switch faulted more than once");
	TH_LOG("shadow_pages %llu, zapped %llu; %u faults in 20 first accesses",
	       (unsigned long long)st1.shadow_pages,
	       (unsigned long long)st1.shadow_zapped, first_faults);

	/* On B, edit A's PTE for x (a table B does not reach) and z's. */
	ASSERT_EQ(0, guest_set(vcpu, g, ex, pc | URW));
	ASSERT_EQ(0, guest_set(vcpu, g, ez, pz2 | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, z, pz2, 6));
	ASSERT_EQ(0, paging_on(vcpu, ra, true));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, pc, 5));
	EXPECT_TRUE(page_is(_metadata, vcpu, z, pz2, 6));

	/* Two vCPUs, one on each root. */
	vcpu1 = kvmmu_create_vcpu(self->vm, 1);
	ASSERT_LE(0, vcpu1);
	ASSERT_EQ(0, paging_on(vcpu1, rb, true));
	for (i = 0; i < 5; i++) {
		EXPECT_TRUE(page_is(_metadata, vcpu, x, pc, 5));
		EXPECT_TRUE(page_is(_metadata, vcpu1, x, pb, 2));
		EXPECT_TRUE(pf_is(_metadata, vcpu1, RD, y, 0));
		EXPECT_TRUE(page_is(_metadata, vcpu, y, py, 3));
	}
	/* vCPU 1 (on B) edits z's shared PTE: vCPU 0 (on A) sees it. */
	ASSERT_EQ(0, guest_set(vcpu1, g, ez, pz | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, z, pz, 4));
	EXPECT_TRUE(page_is(_metadata, vcpu1, z, pz, 4));
	close(vcpu1);
}

/* ------------------------------------------------------------------ */
/* 7. KVMMU_MMU_RESET */

/*
 * The VMM rewrites guest page tables through its own mapping, then resets
 * the MMU: every vCPU's next access walks the new tables (remap, unmap,
 * A bits cleared by the VMM set again).
 */
TEST_F(sp, mmu_reset)
{
	struct guest *g = &self->g;
	const __u64 x = REGION(0), y = REGION(0) + PG;
	__u64 root = self->root, p1, p2, p3, *ex, *ey, *pde;
	struct kvmmu_vm_stats st0, st1;
	struct kvmmu_access a;
	int vcpu = self->vcpu, vcpu1;

	p1 = data_page(_metadata, g, 1);
	p2 = data_page(_metadata, g, 2);
	p3 = data_page(_metadata, g, 3);
	ex = map(_metadata, g, root, x, p1, URW);
	ey = map(_metadata, g, root, y, p2, URW);
	pde = entry(_metadata, g, root, x, 2);
	vcpu1 = kvmmu_create_vcpu(self->vm, 1);
	ASSERT_LE(0, vcpu1);
	ASSERT_EQ(0, paging_on(vcpu, root, true));
	ASSERT_EQ(0, paging_on(vcpu1, root, true));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p1, 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, y, p2, 2));
	EXPECT_TRUE(page_is(_metadata, vcpu1, x, p1, 1));

	/* Behind the guest's back: x -> p3. */
	*ex = p3 | URW;
	st0 = kvmmu_stats(_metadata, self->vm);
	EXPECT_LT(0, st0.shadow_pages);
	ASSERT_EQ(0, kvmmu_ioctl(vcpu, KVMMU_MMU_RESET, NULL));
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_LT(st0.shadow_zapped, st1.shadow_zapped);
	EXPECT_GT(st0.shadow_pages, st1.shadow_pages);
	TH_LOG("reset: shadow_pages %llu -> %llu, zapped %llu -> %llu",
	       (unsigned long long)st0.shadow_pages,
	       (unsigned long long)st1.shadow_pages,
	       (unsigned long long)st0.shadow_zapped,
	       (unsigned long long)st1.shadow_zapped);
	/* y did not change, but its shadow is gone: the walk runs again. */
	a = kvmmu_access_one(vcpu, RD, y, 8, 0);
	EXPECT_EQ(0, a.result);
	EXPECT_EQ(val(2, p2), a.data);
	EXPECT_LT(0, a.faults);
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p3, 3));
	EXPECT_TRUE(page_is(_metadata, vcpu1, x, p3, 3));

	/* The VMM clears A bits and unmaps y; reset from the other vCPU. */
	*ex &= ~(PTE_A | PTE_D);
	*pde &= ~PTE_A;
	*ey = 0;
	ASSERT_EQ(0, kvmmu_ioctl(vcpu1, KVMMU_MMU_RESET, NULL));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, y, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu1, WR, y, PF_W));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x + 8, val(3, p3 + 8)));
	EXPECT_EQ(p3 | URW | PTE_A, *ex);
	EXPECT_TRUE(*pde & PTE_A);

	/* With paging off, a reset changes nothing visible. */
	ASSERT_EQ(0, paging_off(vcpu));
	ASSERT_EQ(0, kvmmu_ioctl(vcpu, KVMMU_MMU_RESET, NULL));
	EXPECT_TRUE(page_is(_metadata, vcpu, p2, p2, 2));
	EXPECT_TRUE(page_is(_metadata, vcpu1, x, p3, 3));
	close(vcpu1);
}

/* ------------------------------------------------------------------ */
/* 8. One gfn, many gvas */

struct many {
	unsigned int n;
	__u64 gpa;
	__u64 model[QWORDS];	/* what the page must hold */
};

/* gvas MANY_GVA + i pages, i < @n, all mapping @m->gpa. */
static void many_map(struct __test_metadata *_metadata, struct guest *g,
		     __u64 root, struct many *m, unsigned int n, __u64 gpa)
{
	unsigned int i;

	m->n = n;
	m->gpa = gpa;
	fill(g, gpa, 1);
	for (i = 0; i < QWORDS; i++)
		m->model[i] = val(1, gpa + i * 8);
	for (i = 0; i < n; i++)
		map(_metadata, g, root, MANY_GVA + (__u64)i * PG, gpa, URW);
}

/*
 * Every gva reads (at a qword of its own) what the model says, and what the
 * process reads; returns the number that did not.
 */
static unsigned int many_check(struct __test_metadata *_metadata, int vcpu,
			       struct guest *g, struct many *m)
{
	struct kvmmu_access *a = calloc(m->n, sizeof(*a));
	unsigned int i, q, bad = 0;
	__u64 proc;

	ASSERT_NE(NULL, a);
	for (i = 0; i < m->n; i++) {
		a[i].gpa = MANY_GVA + (__u64)i * PG + i % QWORDS * 8;
		a[i].type = RD;
		a[i].size = 8;
		a[i].result = 1;
	}
	ASSERT_EQ(0, kvmmu_access_batch(vcpu, a, m->n));
	for (i = 0; i < m->n; i++) {
		q = i % QWORDS;
		proc = kvmmu_peek(gmem(g, m->gpa) + q);
		if (!a[i].result && a[i].data == proc &&
		    proc == m->model[q])
			continue;
		if (bad++ < 4)
			TH_LOG("gva %u +%#x: result %d data %#llx, process %#llx, expected %#llx",
			       i, q * 8, a[i].result,
			       (unsigned long long)a[i].data,
			       (unsigned long long)proc,
			       (unsigned long long)m->model[q]);
	}
	free(a);
	return bad;
}

/* gvas whose shadow entry is present (and, if @pfn, maps another frame). */
static unsigned int many_present(struct __test_metadata *_metadata,
				 int vcpu, struct many *m, __u64 pfn)
{
	struct kvmmu_translation t;
	unsigned int i, n = 0;

	for (i = 0; i < m->n; i++) {
		t = xlate(_metadata, vcpu, MANY_GVA + (__u64)i * PG);
		if (!(t.flags & KVMMU_TR_PRESENT) || (pfn && t.pfn == pfn))
			continue;
		if (n++ < 2)
			TH_LOG("gva %u: shadow pfn %#llx flags %#x", i,
			       (unsigned long long)t.pfn, t.flags);
	}
	return n;
}

/* gvas not mapped present, 4 KiB, write-back onto @pfn with @flags. */
static unsigned int many_pfn_bad(struct __test_metadata *_metadata,
				 int vcpu, struct many *m, __u64 pfn,
				 unsigned int flags)
{
	struct kvmmu_translation t;
	unsigned int i, bad = 0;

	flags |= KVMMU_TR_PRESENT;
	for (i = 0; i < m->n; i++) {
		t = xlate(_metadata, vcpu, MANY_GVA + (__u64)i * PG);
		if ((t.flags & flags) == flags && t.level == 1 &&
		    t.memtype == EPT_MT_WB && t.pfn == pfn && pfn)
			continue;
		if (bad++ < 2)
			TH_LOG("gva %u: %#x level %u mt %u pfn %#llx, expected %#x %#llx",
			       i, t.flags, t.level, t.memtype,
			       (unsigned long long)t.pfn, flags,
			       (unsigned long long)pfn);
	}
	return bad;
}

/* The guest writes @v at qword @q through gva @i; the model follows. */
static void many_write(struct __test_metadata *_metadata, int vcpu,
		       struct many *m, unsigned int i, unsigned int q, __u64 v)
{
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, MANY_GVA + (__u64)i * PG + q * 8, v));
	m->model[q] = v;
}

/*
 * 600 gvas on one gfn: all read the same page; MADV_DONTNEED of that one
 * page removes every shadow entry at once (through the rmap), all read
 * zero, and a guest write through one gva is read through all.
 */
TEST_F(sp, many_gvas_dontneed)
{
	struct guest *g = &self->g;
	__u64 gpa = data_page(_metadata, g, 0);
	struct many m;
	int vcpu = self->vcpu;

	many_map(_metadata, g, self->root, &m, 600, gpa);
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, hpfn(g, gpa),
				  KVMMU_TR_READABLE));

	ASSERT_EQ(0, madvise(g->ram + gpa, PG, MADV_DONTNEED));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, 0))
		TH_LOG("shadow entries survived MADV_DONTNEED");
	memset(m.model, 0, sizeof(m.model));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));

	many_write(_metadata, vcpu, &m, 17, 3, 0x17);
	EXPECT_EQ(0x17, kvmmu_peek(gmem(g, gpa) + 3));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, hpfn(g, gpa),
				  KVMMU_TR_READABLE));
	kvmmu_poke(gmem(g, gpa) + 4, 0x44);
	m.model[4] = 0x44;
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
}

/*
 * KSM merges the page with an identical twin: no gva keeps the old frame,
 * all map the merged one read-only; a guest write through one gva breaks
 * COW for this page only and every gva follows.
 */
TEST_F_TIMEOUT(sp, many_gvas_ksm, 90)
{
	struct guest *g = &self->g;
	__u64 gpa = data_page(_metadata, g, 0), twin = data_page(_metadata, g, 0);
	__u64 old, merged = 0, now;
	char shared[32] = "?";
	int vcpu = self->vcpu, i;
	struct many m;

	if (access(KVMMU_KSM_DIR "run", W_OK))
		SKIP(return, "no KSM in this kernel");
	many_map(_metadata, g, self->root, &m, 600, gpa);
	memcpy(g->ram + twin, g->ram + gpa, PG);
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	old = hpfn(g, gpa);

	ASSERT_EQ(0, madvise(g->ram + gpa, PG, MADV_MERGEABLE));
	ASSERT_EQ(0, madvise(g->ram + twin, PG, MADV_MERGEABLE));
	ASSERT_EQ(0, kvmmu_ksm_start(&self->hs, 1000, 5));
	for (i = 0; i < 3000 && !merged; i++) {	/* 30 s at most */
		now = hpfn(g, gpa);
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
		TH_LOG("shadow entries kept a frame other than the merged one");
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, merged,
				  KVMMU_TR_READABLE));
	for (i = 0; i < 600; i += 37)
		EXPECT_FALSE(xlate(_metadata, vcpu, MANY_GVA + i * PG).flags &
			     KVMMU_TR_WRITABLE) TH_LOG("gva %d writable on a KSM page", i);

	many_write(_metadata, vcpu, &m, 5, 8, 0x5555);
	now = hpfn(g, gpa);
	EXPECT_NE(merged, now);
	EXPECT_EQ(merged, hpfn(g, twin));
	EXPECT_EQ(val(1, gpa + 64), kvmmu_peek(gmem(g, twin) + 8));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, now))
		TH_LOG("shadow entries kept the merged frame after COW");
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, now, KVMMU_TR_READABLE));
}

/* kvmmu_move_pages() of the page to the other node: every gva follows. */
TEST_F(sp, many_gvas_migrate)
{
	struct guest *g = &self->g;
	__u64 gpa = data_page(_metadata, g, 0), old, now;
	void *pages[1] = { g->ram + gpa };
	int vcpu = self->vcpu, node = -1, status = -1;
	struct many m;

	if (access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "one NUMA node");
	many_map(_metadata, g, self->root, &m, 600, gpa);
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	old = hpfn(g, gpa);
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, old, KVMMU_TR_READABLE));

	ASSERT_EQ(0, kvmmu_move_pages(1, pages, NULL, &node, 0));
	ASSERT_LE(0, node);
	node = !node;
	ASSERT_EQ(0, kvmmu_move_pages(1, pages, &node, &status, MPOL_MF_MOVE));
	ASSERT_EQ(node, status);
	now = hpfn(g, gpa);
	ASSERT_NE(old, now);
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, now))
		TH_LOG("shadow entries survived the migration");
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, now, KVMMU_TR_READABLE));
	many_write(_metadata, vcpu, &m, 599, 9, 0x599);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
}

/* MADV_PAGEOUT to zram and back, by the guest and by the process. */
TEST_F_TIMEOUT(sp, many_gvas_swap, 60)
{
	struct guest *g = &self->g;
	__u64 gpa = data_page(_metadata, g, 0);
	int vcpu = self->vcpu, err;
	struct many m;

	err = kvmmu_swap_on(_metadata, &self->hs);
	if (err == -ENODEV)
		SKIP(return, "no zram in this kernel or the initramfs");
	many_map(_metadata, g, self->root, &m, 600, gpa);
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	many_write(_metadata, vcpu, &m, 100, 10, 0x100);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));

	ASSERT_EQ(1, page_out(g, &gpa, 1));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, 0))
		TH_LOG("shadow entries survived the swap-out");
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, hpfn(g, gpa),
				  KVMMU_TR_READABLE));

	many_write(_metadata, vcpu, &m, 200, 11, 0x200);
	ASSERT_EQ(1, page_out(g, &gpa, 1));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, 0));
	EXPECT_EQ(0x200, kvmmu_peek(gmem(g, gpa) + 11));	/* the process, first */
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, hpfn(g, gpa),
				  KVMMU_TR_READABLE));
}

/*
 * 1100 gvas on one gfn: the rmap chain outgrows the recycling threshold
 * and is zapped rather than grown; every gva still reads right, and a host
 * invalidation still reaches every shadow entry.
 */
TEST_F(sp, rmap_recycle)
{
	struct guest *g = &self->g;
	__u64 gpa = data_page(_metadata, g, 0);
	struct kvmmu_vm_stats st0, st1;
	int vcpu = self->vcpu;
	struct many m;

	many_map(_metadata, g, self->root, &m, 1100, gpa);
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	st0 = kvmmu_stats(_metadata, self->vm);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_LT(st0.rmap_recycled, st1.rmap_recycled);
	TH_LOG("rmap_recycled %llu -> %llu, shadow_zapped %llu -> %llu",
	       (unsigned long long)st0.rmap_recycled,
	       (unsigned long long)st1.rmap_recycled,
	       (unsigned long long)st0.shadow_zapped,
	       (unsigned long long)st1.shadow_zapped);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	many_write(_metadata, vcpu, &m, 1050, 12, 0x1050);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));

	ASSERT_EQ(0, madvise(g->ram + gpa, PG, MADV_DONTNEED));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, 0));
	memset(m.model, 0, sizeof(m.model));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	many_write(_metadata, vcpu, &m, 3, 13, 0x3);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
}

/*
 * Host events over a range of guest memory at once, reached through 4 KiB
 * guest pages (permuted) and a 2 MiB guest page: MADV_DONTNEED of the
 * range takes every shadow entry of it away, mprotect(PROT_READ) makes
 * guest writes fail with -EACCES (reads work), and read-write again lets
 * them through.
 */
TEST_F(sp, host_range_events)
{
	const unsigned int n = 64;
	const __u64 x = REGION(0), h = REGION(1);
	struct guest *g = &self->g;
	__u64 d[64], want;
	struct kvmmu_translation t;
	unsigned int i, bad = 0, present = 0;
	int vcpu = self->vcpu;
	struct kvmmu_access a;

	for (i = 0; i < n; i++)
		d[i] = data_page(_metadata, g, 1);
	ASSERT_EQ(d[0] + (n - 1) * PG, d[n - 1]);
	for (i = 0; i < n; i++) {
		map(_metadata, g, self->root, x + i * PG, d[i * 7 % n], URW);
		fill(g, HUGE_GPA + i * PG, 2);
	}
	map_large(_metadata, g, self->root, h, HUGE_GPA, 2, URW);
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + i * PG + 8, i));
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, h + i * PG + 8, i));
	}

	ASSERT_EQ(0, madvise(g->ram + d[0], n * PG, MADV_DONTNEED));
	ASSERT_EQ(0, madvise(g->ram + HUGE_GPA, n * PG, MADV_DONTNEED));
	for (i = 0; i < n; i++) {
		present += !!(xlate(_metadata, vcpu, x + i * PG).flags &
			      KVMMU_TR_PRESENT);
		present += !!(xlate(_metadata, vcpu, h + i * PG).flags &
			      KVMMU_TR_PRESENT);
	}
	EXPECT_EQ(0, present) TH_LOG("shadow entries survived MADV_DONTNEED");
	for (i = 0; i < n; i++) {
		bad += !kvmmu_rd_is(_metadata, vcpu, x + i * PG + 8, 0);
		bad += !kvmmu_rd_is(_metadata, vcpu, h + i * PG + 8, 0);
		bad += !kvmmu_rd_is(_metadata, vcpu, h + i * PG + PG - 8, 0);
	}
	EXPECT_EQ(0, bad);

	for (i = 0; i < n; i++) {
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + i * PG + 16, 0x100 + i));
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, h + i * PG + 16, 0x200 + i));
	}
	ASSERT_EQ(0, mprotect(g->ram + d[0], n * PG, PROT_READ));
	ASSERT_EQ(0, mprotect(g->ram + HUGE_GPA, n * PG, PROT_READ));
	for (bad = 0, i = 0; i < n; i++) {
		t = xlate(_metadata, vcpu, x + i * PG);
		bad += !!(t.flags & KVMMU_TR_WRITABLE);
		t = xlate(_metadata, vcpu, h + i * PG);
		bad += !!(t.flags & KVMMU_TR_WRITABLE);
	}
	EXPECT_EQ(0, bad) TH_LOG("writable shadow entries after PROT_READ");
	for (bad = 0, i = 0; i < n; i++) {
		a = kvmmu_access_one(vcpu, WR, x + i * PG + 16, 8, 0xbad);
		bad += a.result != -EACCES;
		a = kvmmu_access_one(vcpu, WR, h + i * PG + 16, 8, 0xbad);
		bad += a.result != -EACCES;
		bad += !kvmmu_rd_is(_metadata, vcpu, x + i * PG + 16, 0x100 + i);
		bad += !kvmmu_rd_is(_metadata, vcpu, h + i * PG + 16, 0x200 + i);
	}
	EXPECT_EQ(0, bad) TH_LOG("guest writes to PROT_READ memory, or reads");
	ASSERT_EQ(0, mprotect(g->ram + d[0], n * PG, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, mprotect(g->ram + HUGE_GPA, n * PG,
			      PROT_READ | PROT_WRITE));
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + i * PG + 24, 0x300 + i));
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, h + i * PG + 24, 0x400 + i));
	}
	for (bad = 0, i = 0; i < n; i++) {
		want = i * 7 % n;	/* the page x + i maps is d[want] */
		bad += kvmmu_peek(gmem(g, d[want]) + 3) != 0x300 + i;
		bad += kvmmu_peek(gmem(g, d[want]) + 2) != 0x100 + i;
		bad += kvmmu_peek(gmem(g, HUGE_GPA + i * PG) + 3) != 0x400 + i;
	}
	EXPECT_EQ(0, bad);
}

/* ------------------------------------------------------------------ */
/* 9. Guest page-table pages under host events */

enum pt_event { PT_SWAP, PT_MIGRATE };

/* Swap out or migrate the host pages of the guest tables @t. */
static void pt_event(struct __test_metadata *_metadata, struct guest *g,
		     enum pt_event ev, const __u64 *t, unsigned int n)
{
	void *pages[4];
	int nodes[4], status[4];
	__u64 old[4];
	unsigned int i;

	if (ev == PT_SWAP) {
		ASSERT_EQ(n, page_out(g, t, n)) TH_LOG("page tables not swapped out");
		return;
	}
	for (i = 0; i < n; i++) {
		pages[i] = g->ram + t[i];
		old[i] = hpfn(g, t[i]);
	}
	ASSERT_EQ(0, kvmmu_move_pages(n, pages, NULL, status, 0));
	for (i = 0; i < n; i++)
		nodes[i] = !status[i];
	ASSERT_EQ(0, kvmmu_move_pages(n, pages, nodes, status, MPOL_MF_MOVE));
	for (i = 0; i < n; i++) {
		EXPECT_EQ(nodes[i], status[i]);
		EXPECT_NE(old[i], hpfn(g, t[i]));
	}
}

/*
 * The host pages holding a guest PT and PD go away (swap or migration) and
 * come back: accesses through them keep working, guest edits made after
 * (also while they are out) are still trapped and honoured, and the
 * walker's A bits land in the process's memory.
 */
static void pt_host_event(struct __test_metadata *_metadata,
			  struct _test_data_sp *self, enum pt_event ev)
{
	struct guest *g = &self->g;
	const __u64 x = REGION(0) + 3 * PG, x2 = x + PG;
	__u64 root = self->root, p[4], t[2], t2, *ex, *ex2, *pde;
	struct kvmmu_vm_stats st, st1, st2;
	int vcpu = self->vcpu;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = data_page(_metadata, g, i + 1);
	ex = map(_metadata, g, root, x, p[0], URW);
	ex2 = map(_metadata, g, root, x2, p[1], URW);
	pde = entry(_metadata, g, root, x, 2);
	t[0] = *pde & PTE_ADDR;				/* the PT */
	t[1] = *entry(_metadata, g, root, x, 3) & PTE_ADDR;	/* the PD */
	t2 = table_page(_metadata, g);
	gmem(g, t2)[pt_index(x, 1)] = p[3] | URW;
	ASSERT_EQ(0, paging_on(vcpu, root, true));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[0], 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, x2, p[1], 2));

	pt_event(_metadata, g, ev, t, 2);
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[0], 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, x2, p[1], 2));
	st = kvmmu_stats(_metadata, self->vm);
	ASSERT_EQ(0, guest_set(vcpu, g, ex, p[2] | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[2], 3));
	EXPECT_TRUE(one_pt_write(_metadata, self->vm, &st, "PTE edit after the event"));

	/*
	 * Out again; the guest edits while they are out.  The edit is trapped
	 * unless the event took the tables' shadow pages away (then there is
	 * nothing to keep in sync); either way it is honoured.
	 */
	pt_event(_metadata, g, ev, t, 2);
	st1 = kvmmu_stats(_metadata, self->vm);
	ASSERT_EQ(0, guest_set(vcpu, g, ex2, p[0] | PTE_P | PTE_US));
	EXPECT_TRUE(page_is(_metadata, vcpu, x2, p[0], 1));
	EXPECT_TRUE(pf_is(_metadata, vcpu, WR, x2, PF_P | PF_W));
	st2 = kvmmu_stats(_metadata, self->vm);
	EXPECT_TRUE(st2.pt_writes == st1.pt_writes + 1 ||
		    st1.shadow_zapped > st.shadow_zapped)
		TH_LOG("edit while out: pt_writes %llu -> %llu, shadow_zapped %llu -> %llu",
		       (unsigned long long)st1.pt_writes,
		       (unsigned long long)st2.pt_writes,
		       (unsigned long long)st.shadow_zapped,
		       (unsigned long long)st1.shadow_zapped);
	st = st2;

	/* Reset and out: the walk reads them back and sets A in them. */
	*ex &= ~PTE_A;
	*pde &= ~PTE_A;
	ASSERT_EQ(0, kvmmu_ioctl(vcpu, KVMMU_MMU_RESET, NULL));
	pt_event(_metadata, g, ev, t, 2);
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[2], 3));
	EXPECT_EQ(p[2] | URW | PTE_A, *ex);
	EXPECT_TRUE(*pde & PTE_A);

	/* The PDE edited after the event: another table, and back. */
	pt_event(_metadata, g, ev, t, 2);
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[2], 3));
	ASSERT_EQ(0, guest_set(vcpu, g, pde, t2 | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[3], 4));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, x2, 0));
	ASSERT_EQ(0, guest_set(vcpu, g, pde, t[0] | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[2], 3));
	EXPECT_TRUE(page_is(_metadata, vcpu, x2, p[0], 1));
	EXPECT_TRUE(pf_is(_metadata, vcpu, WR, x2, PF_P | PF_W));
	/* No faulting write reached a data page. */
	for (i = 0; i < ARRAY_SIZE(p); i++)
		EXPECT_EQ(0, untouched(g, &p[i], 1, i + 1));
}

TEST_F_TIMEOUT(sp, pt_swap, 60)
{
	int err = kvmmu_swap_on(_metadata, &self->hs);

	if (err == -ENODEV)
		SKIP(return, "no zram in this kernel or the initramfs");
	pt_host_event(_metadata, self, PT_SWAP);
}

TEST_F(sp, pt_migrate)
{
	if (access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "one NUMA node");
	pt_host_event(_metadata, self, PT_MIGRATE);
}

/*
 * MADV_DONTNEED of a guest page-table page (and then of a PD page): the
 * process reads zeroes there, so the guest finds nothing mapped through
 * it; what the guest writes into the zeroed tables is what it gets.
 */
TEST_F(sp, pt_dontneed)
{
	const __u64 x = REGION(0) + 3 * PG, x2 = x + PG, y = x + SZ_2M;
	struct guest *g = &self->g;
	__u64 p[3], *ex, *pde, t, d;
	int vcpu = self->vcpu;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = data_page(_metadata, g, i + 1);
	ex = map(_metadata, g, self->root, x, p[0], URW);
	map(_metadata, g, self->root, x2, p[1], URW);
	map(_metadata, g, self->root, y, p[2], URW);
	pde = entry(_metadata, g, self->root, x, 2);
	t = *pde & PTE_ADDR;
	d = *entry(_metadata, g, self->root, x, 3) & PTE_ADDR;
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[0], 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, x2, p[1], 2));
	EXPECT_TRUE(page_is(_metadata, vcpu, y, p[2], 3));

	ASSERT_EQ(0, madvise(g->ram + t, PG, MADV_DONTNEED));
	EXPECT_EQ(0, *ex);
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, x, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, WR, x2, PF_W));
	EXPECT_TRUE(page_is(_metadata, vcpu, y, p[2], 3));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ent_gva(g, ex), 0));
	ASSERT_EQ(0, guest_set(vcpu, g, ex, p[1] | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[1], 2));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, x2, 0));

	ASSERT_EQ(0, madvise(g->ram + d, PG, MADV_DONTNEED));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, x, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, y, 0));
	ASSERT_EQ(0, guest_set(vcpu, g, pde, t | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[1], 2));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, y, 0));
}

/*
 * Two identical guest page tables merged by KSM: accesses through both
 * still work; the walker setting an accessed bit in one, and a guest edit
 * of the other, each break COW for that table only, and each change is
 * seen only through its own table.
 */
TEST_F_TIMEOUT(sp, pt_ksm, 90)
{
	const __u64 x = REGION(0), y = REGION(0) + SZ_2M;
	struct guest *g = &self->g;
	__u64 p[10], t1, t2, merged = 0, now;
	int vcpu = self->vcpu, i;
	unsigned int k;

	if (access(KVMMU_KSM_DIR "run", W_OK))
		SKIP(return, "no KSM in this kernel");
	for (k = 0; k < ARRAY_SIZE(p); k++)
		p[k] = data_page(_metadata, g, k + 1);
	for (k = 0; k < ARRAY_SIZE(p); k++) {
		/* A and D preset on all but 9: walks write nothing. */
		__u64 ad = k == 9 ? 0 : PTE_A | PTE_D;

		map(_metadata, g, self->root, x + k * PG, p[k], URW | ad);
		map(_metadata, g, self->root, y + k * PG, p[k], URW | ad);
	}
	t1 = *entry(_metadata, g, self->root, x, 2) & PTE_ADDR;
	t2 = *entry(_metadata, g, self->root, y, 2) & PTE_ADDR;
	ASSERT_EQ(0, memcmp(g->ram + t1, g->ram + t2, PG));
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	for (k = 0; k < 8; k++) {
		EXPECT_TRUE(page_is(_metadata, vcpu, x + k * PG, p[k], k + 1));
		EXPECT_TRUE(page_is(_metadata, vcpu, y + k * PG, p[k], k + 1));
	}
	ASSERT_EQ(0, memcmp(g->ram + t1, g->ram + t2, PG));

	ASSERT_EQ(0, madvise(g->ram + t1, PG, MADV_MERGEABLE));
	ASSERT_EQ(0, madvise(g->ram + t2, PG, MADV_MERGEABLE));
	ASSERT_EQ(0, kvmmu_ksm_start(&self->hs, 1000, 5));
	for (i = 0; i < 3000 && !merged; i++) {
		now = hpfn(g, t1);
		if (now && now == hpfn(g, t2))
			merged = now;
		else
			kvmmu_sleep_ms(10);
	}
	kvmmu_write_file(KVMMU_KSM_DIR "run", "0");
	ASSERT_NE(0, merged) TH_LOG("page tables not merged after 30 s");

	for (k = 0; k < 8; k++) {
		EXPECT_TRUE(page_is(_metadata, vcpu, x + k * PG, p[k], k + 1));
		EXPECT_TRUE(page_is(_metadata, vcpu, y + k * PG, p[k], k + 1));
	}
	EXPECT_EQ(merged, hpfn(g, t1));

	/* The walk sets A in the second table's entry 9: COW for it only. */
	EXPECT_TRUE(page_is(_metadata, vcpu, y + 9 * PG, p[9], 10));
	EXPECT_EQ(p[9] | URW | PTE_A, gmem(g, t2)[9]);
	EXPECT_EQ(p[9] | URW, gmem(g, t1)[9]);
	EXPECT_NE(merged, hpfn(g, t2));
	EXPECT_EQ(merged, hpfn(g, t1));

	/* A guest edit of the first table: COW for it, seen through it only. */
	ASSERT_EQ(0, guest_set(vcpu, g, gmem(g, t1) + 3,
			       p[8] | URW | PTE_A | PTE_D));
	EXPECT_NE(merged, hpfn(g, t1));
	EXPECT_TRUE(page_is(_metadata, vcpu, x + 3 * PG, p[8], 9));
	EXPECT_TRUE(page_is(_metadata, vcpu, y + 3 * PG, p[3], 4));
	EXPECT_EQ(p[3] | URW | PTE_A | PTE_D, gmem(g, t2)[3]);
	EXPECT_TRUE(page_is(_metadata, vcpu, x + 9 * PG, p[9], 10));
}

/*
 * fork(): the process's guest memory, page tables included, becomes
 * copy-on-write.  The parent's guest edits its tables, the walker sets
 * accessed and dirty bits, and the guest writes data (also through a
 * shadow entry that was writable before the fork): all of it goes to the
 * parent's copies, never the child's.
 */
TEST_F(sp, pt_fork)
{
	const __u64 x = REGION(0) + 3 * PG, z = x + PG, w = REGION(1);
	struct guest *g = &self->g;
	__u64 p1, p2, p3, p4, *ex, *ez, ex_val, ez_val;
	int vcpu = self->vcpu, p2c[2], status;
	pid_t pid;
	char c;

	p1 = data_page(_metadata, g, 1);
	p2 = data_page(_metadata, g, 2);
	p3 = data_page(_metadata, g, 3);
	p4 = data_page(_metadata, g, 4);
	ex = map(_metadata, g, self->root, x, p1, URW);
	ez = map(_metadata, g, self->root, z, p2, URW);
	map(_metadata, g, self->root, w, p4, URW);
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p1, 1));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, w, 0x40));	/* writable spte */
	ex_val = *ex;
	ez_val = *ez;
	ASSERT_EQ(0, pipe(p2c));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (read(p2c[0], &c, 1) != 1)
			_exit(10);
		if (*ex != ex_val || *ez != ez_val)
			_exit(11);	/* the parent's guest changed our tables */
		if (kvmmu_peek(gmem(g, p3)) != val(3, p3) ||
		    kvmmu_peek(gmem(g, p1) + 1) != val(1, p1 + 8) ||
		    kvmmu_peek(gmem(g, p4)) != 0x40)
			_exit(12);	/* ... or our data */
		_exit(0);
	}

	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, w, 0x44));
	EXPECT_EQ(0x44, kvmmu_peek(gmem(g, p4)));
	ASSERT_EQ(0, guest_set(vcpu, g, ex, p3 | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p3, 3));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x, 0x33));
	EXPECT_TRUE(page_is(_metadata, vcpu, z, p2, 2));
	ASSERT_EQ(0, guest_set(vcpu, g, ez, p1 | URW));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, z + 8, 0x11));
	EXPECT_EQ(p3 | URW | PTE_A | PTE_D, *ex);
	EXPECT_EQ(p1 | URW | PTE_A | PTE_D, *ez);
	EXPECT_EQ(0x33, kvmmu_peek(gmem(g, p3)));
	EXPECT_EQ(0x11, kvmmu_peek(gmem(g, p1) + 1));
	EXPECT_EQ(1, write(p2c[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	/* 11: the child's page tables changed; 12: its data. */
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(p2c[0]);
	close(p2c[1]);
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x, 0x33));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x + 8, val(3, p3 + 8)));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, z + 8, 0x11));
}

/* ------------------------------------------------------------------ */
/* 10. Paging off, on, off */

/*
 * gva P (numerically the gpa of page p1) maps p3, and gva X (no RAM there)
 * maps p2: with paging off P is p1 and X has no slot, with paging on P is
 * p3 and X is p2, each time the mode changes; writes follow.
 */
TEST_F(sp, paging_toggle)
{
	struct guest *g = &self->g;
	__u64 p1 = data_page(_metadata, g, 1), p2 = data_page(_metadata, g, 2);
	__u64 p3 = data_page(_metadata, g, 3);
	const __u64 x = 0x70000000ULL;
	struct kvmmu_paging s;
	int vcpu = self->vcpu, i;

	map(_metadata, g, self->root, p1, p3, URW);
	map(_metadata, g, self->root, x, p2, URW);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, paging_off(vcpu));
		ASSERT_EQ(0, get_paging(vcpu, &s));
		EXPECT_FALSE(s.efer & KVMMU_X86_EFER_LMA);
		/* (its first qwords are overwritten from the first round) */
		EXPECT_TRUE(i || page_is(_metadata, vcpu, p1, p1, 1));
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, p1 + 8 * 8,
					val(1, p1 + 8 * 8)));
		EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, x, -ENOENT));
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, p1 + 8 * i, 0x100 + i));
		EXPECT_TRUE(maps_pfn(_metadata, vcpu, p1, hpfn(g, p1),
				     KVMMU_TR_WRITABLE));

		ASSERT_EQ(0, paging_on(vcpu, self->root, true));
		ASSERT_EQ(0, get_paging(vcpu, &s));
		EXPECT_TRUE(s.efer & KVMMU_X86_EFER_LMA);
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, p1 + 8 * 8,
					val(3, p3 + 8 * 8)));
		EXPECT_TRUE(page_is(_metadata, vcpu, x, p2, 2));
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, p1 + 8 * i, 0x300 + i));
		EXPECT_TRUE(maps_pfn(_metadata, vcpu, p1, hpfn(g, p3),
				     KVMMU_TR_WRITABLE));
	}
	ASSERT_EQ(0, paging_off(vcpu));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0x100 + i, kvmmu_peek(gmem(g, p1) + i));
		EXPECT_EQ(0x300 + i, kvmmu_peek(gmem(g, p3) + i));
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, p1 + 8 * i, 0x100 + i));
	}
	EXPECT_EQ(val(2, p2), kvmmu_peek(gmem(g, p2)));
}

/* ------------------------------------------------------------------ */
/* 11. Multi-vCPU stress */

#define NR_REMAP	32
#define NR_DROP		16
#define STRESS_MS	3000	/* at least */
#define STRESS_MAX_MS	30000	/* at most, for slow kernels to progress */
#define STRESS_ROUNDS	50	/* per thread, before stopping after STRESS_MS */
#define STRESS_RUNS	5
#define STRESS_REMAPS	500
#define W_STRIDE	(PG + 8)	/* one qword per page, a new one each */
#define W_PAGES		(2 * SZ_2M / PG)

/*
 * Remap slots (0 to NR_REMAP - 1): gva R_GVA + i pages maps a[i] (even
 * generations) or b[i] (odd).  Drop slots (NR_REMAP + j): gva D_GVA + j
 * pages maps q[j], whose first qword the process rewrites after each
 * MADV_DONTNEED.
 */
#define R_GVA		REGION(0)
#define D_GVA		REGION(1)
#define W_GVA		REGION(2)

/*
 * Two vCPU threads read every slot in a loop (one also runs the verified
 * workload through 2 MiB guest pages), while a third vCPU remaps slots by
 * guest PTE writes and the process drops and rewrites pages; every value
 * read is checked.
 */
TEST_F_TIMEOUT(sp, stress, 90)
{
	struct guest *g = &self->g;
	struct kvmmu_stress s;
	struct kvmmu_stress_vcpu *th[2];
	__u64 a[NR_REMAP], b[NR_REMAP], q[NR_DROP];
	__u64 *pte[NR_REMAP];
	unsigned long remaps = 0, drops = 0;
	unsigned int i, j, gen, rnd;
	int vcpu1, vcpu2;

	kvmmu_stress_init(&s, STRESS_MS, STRESS_MAX_MS);
	for (i = 0; i < NR_REMAP; i++) {
		a[i] = data_page(_metadata, g, 1);
		b[i] = data_page(_metadata, g, 2);
		pte[i] = map(_metadata, g, self->root, R_GVA + i * PG, a[i],
			     URW);
		kvmmu_stress_add_read(&s, R_GVA + i * PG + i * 8,
				      kvmmu_stress_add_remap(&s,
							     val(1, a[i] + i * 8),
							     val(2, b[i] + i * 8)));
	}
	for (j = 0; j < NR_DROP; j++) {
		q[j] = data_page(_metadata, g, 0);
		memset(gmem(g, q[j]), 0, PG);
		kvmmu_poke(gmem(g, q[j]), kvmmu_stress_drop_val(j, 0));
		map(_metadata, g, self->root, D_GVA + j * PG, q[j], URW);
		kvmmu_stress_add_read(&s, D_GVA + j * PG,
				      kvmmu_stress_add_drop(&s, j));
	}
	map_large(_metadata, g, self->root, W_GVA, HUGE_GPA + 2 * SZ_2M, 2,
		  URW);
	map_large(_metadata, g, self->root, W_GVA + SZ_2M, HUGE_GPA, 2, URW);

	vcpu1 = kvmmu_create_vcpu(self->vm, 1);
	vcpu2 = kvmmu_create_vcpu(self->vm, 2);
	ASSERT_LE(0, vcpu1);
	ASSERT_LE(0, vcpu2);
	th[0] = kvmmu_stress_add_vcpu(&s, self->vcpu, true, STRESS_ROUNDS);
	th[1] = kvmmu_stress_add_vcpu(&s, vcpu1, true, 2 * STRESS_RUNS);
	th[1]->wl_gpa = W_GVA;
	th[1]->wl_size = W_PAGES * PG;
	th[1]->wl_stride = W_STRIDE;
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, paging_on(th[i]->fd, self->root, true));
	ASSERT_EQ(0, paging_on(vcpu2, self->root, true));
	ASSERT_EQ(0, kvmmu_stress_start(&s));

	while (kvmmu_stress_running(&s, remaps, STRESS_REMAPS)) {
		rnd = kvmmu_stress_rand(&s);
		i = rnd / 65536 % NR_REMAP;
		gen = kvmmu_stress_begin(&s, i);
		EXPECT_EQ(0, guest_set(vcpu2, g, pte[i],
				       (gen % 2 ? b[i] : a[i]) | URW));
		kvmmu_stress_end(&s, i);
		remaps++;
		if (remaps % 2)
			continue;
		j = rnd / 4096 % NR_DROP;
		EXPECT_EQ(0, kvmmu_stress_drop(&s, NR_REMAP + j,
					       gmem(g, q[j])));
		drops++;
	}
	kvmmu_stress_stop(&s);

	for (i = 0; i < 2; i++) {
		TH_LOG("vcpu %d: %lu rounds, %lu exact + %lu loose checks, %lu bad",
		       th[i]->fd, th[i]->rounds, th[i]->checked, th[i]->loose,
		       th[i]->bad);
		TH_LOG("vcpu %d: %lu workload runs, %lu bad", th[i]->fd,
		       th[i]->runs, th[i]->run_bad);
		EXPECT_EQ(0, th[i]->bad);
		EXPECT_EQ(0, th[i]->run_bad);
		EXPECT_LE(STRESS_RUNS, th[i]->rounds);
		EXPECT_LT(0, th[i]->checked);
	}
	EXPECT_LE(STRESS_RUNS, th[1]->runs);
	EXPECT_LE(STRESS_RUNS * 10, remaps);
	TH_LOG("%lu remaps, %lu drops in %ld ms", remaps, drops,
	       kvmmu_ms_since(&s.t0));

	/* At rest, everything is exact. */
	th[0]->bad = 0;
	th[0]->loose = 0;
	kvmmu_stress_round(th[0]);
	EXPECT_EQ(0, th[0]->bad);
	EXPECT_EQ(0, th[0]->loose);
	for (i = 0; i < NR_REMAP; i++)
		EXPECT_EQ((kvmmu_stress_gen(&s, i) % 2 ? b[i] : a[i]) | URW,
			  *pte[i] & ~(PTE_A | PTE_D));
	close(vcpu1);
	close(vcpu2);
}

int main(int argc, char **argv)
{
	return kvmmu_backend_test_main(argc, argv, KVMMU_VM_X86_SHADOW, "x86 shadow paging", true);
}
