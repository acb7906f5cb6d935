// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the MIPS backend: the PTE bit transitions, the software
 * TLB (refill, hit, replacement), TLB flushes on every pte reduction (zap,
 * aging, change_pte), the young/dirty fast path, and TLBs of several
 * vCPUs.  The pfns are made up and never touched: mappings are requested
 * as not refcounted.  The VM has an empty memslot space, so a fault that
 * leaves the fast path ends in -ENOENT without changing anything.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/srcu.h>

#include "../../arch/mips/mips.h"
#include "fake_vm.h"

#define MIPS_TEST_VCPUS	2
/*
 * The pages change_pte switches to: it maps a pfn as refcounted if it has
 * a struct page, and none has at 1 TiB.
 */
#define NEW_PFN(n)	(0x10000000UL + (n))

struct mips_test {
	struct kvmmu_vm *vm;
	struct kvmmu_vcpu *vcpu[MIPS_TEST_VCPUS];
	struct kvmmu_page_cache cache;
};

static int mips_test_init(struct kunit *test)
{
	struct mips_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->vm = kvmmu_test_vm(test, &kvmmu_mips_ops);
	for (i = 0; i < MIPS_TEST_VCPUS; i++)
		t->vcpu[i] = kvmmu_test_vcpu(test, t->vm, i);
	test->priv = t;
	return 0;
}

static void mips_test_exit(struct kunit *test)
{
	struct mips_test *t = test->priv;

	kvmmu_page_cache_free(&t->cache);
}

static struct kvmmu_vm *test_vm(struct kunit *test)
{
	return ((struct mips_test *)test->priv)->vm;
}

static struct kvmmu_vcpu *test_vcpu(struct kunit *test, int i)
{
	return ((struct mips_test *)test->priv)->vcpu[i];
}

static struct kvmmu_mips_tlb *test_tlb(struct kunit *test, int i)
{
	return to_mips_tlb(test_vcpu(test, i));
}

/* What a fault's slow path asks for: @write is the faulting access. */
static int map(struct kunit *test, u64 gfn, unsigned long pfn, bool writable,
	       bool write)
{
	struct mips_test *t = test->priv;
	struct kvmmu_map_request req = {
		.gfn = gfn, .pfn = pfn, .writable = writable,
		.executable = true, .write = write,
	};
	int r;

	KUNIT_ASSERT_EQ(test, kvmmu_page_cache_topup(&t->cache,
						     t->vm->ops->cache_pages),
			0);
	spin_lock(&t->vm->mmu_lock);
	r = t->vm->ops->map(t->vm, &t->cache, &req);
	spin_unlock(&t->vm->mmu_lock);
	return r;
}

/* The raw pte of @gfn, 0 if there is none. */
static u64 pte(struct kunit *test, u64 gfn)
{
	struct kvmmu_vm *vm = test_vm(test);
	u64 *ptep, v;

	spin_lock(&vm->mmu_lock);
	ptep = kvmmu_mips_pte(vm, gfn);
	v = ptep ? *ptep : 0;
	spin_unlock(&vm->mmu_lock);
	return v;
}

static struct kvmmu_mapping lookup(struct kunit *test, u64 gfn)
{
	struct kvmmu_vm *vm = test_vm(test);
	struct kvmmu_mapping m;

	spin_lock(&vm->mmu_lock);
	vm->ops->lookup(test_vcpu(test, 0), gfn << PAGE_SHIFT, &m);
	spin_unlock(&vm->mmu_lock);
	return m;
}

/* One access by vCPU @i through its TLB (ops->access), no fault. */
static int access(struct kunit *test, int i, u64 gfn,
		  enum kvmmu_access_type type, unsigned long *pfn)
{
	struct kvmmu_guest_access ga = {
		.addr = (gfn << PAGE_SHIFT) + 8, .type = type,
	};
	struct kvmmu_vm *vm = test_vm(test);
	int r;

	spin_lock(&vm->mmu_lock);
	r = vm->ops->access(test_vcpu(test, i), &ga);
	spin_unlock(&vm->mmu_lock);
	if (!r) {
		KUNIT_EXPECT_EQ(test, ga.gfn, gfn);
		if (pfn)
			*pfn = ga.pfn;
	}
	return r;
}

/* ops->fault for vCPU @i, as mmu/access.c calls it (SRCU held). */
static int fault(struct kunit *test, int i, u64 gfn,
		 enum kvmmu_access_type type)
{
	struct kvmmu_guest_access ga = {
		.addr = gfn << PAGE_SHIFT, .type = type,
	};
	struct kvmmu_vm *vm = test_vm(test);
	int r, idx;

	idx = srcu_read_lock(&vm->srcu);
	r = vm->ops->fault(test_vcpu(test, i), &ga);
	srcu_read_unlock(&vm->srcu, idx);
	return r;
}

static bool zap(struct kunit *test, u64 start, u64 end)
{
	struct kvmmu_gfn_range range = { .start = start, .end = end };
	struct kvmmu_vm *vm = test_vm(test);
	bool r;

	spin_lock(&vm->mmu_lock);
	r = vm->ops->zap_gfn_range(vm, &range);
	spin_unlock(&vm->mmu_lock);
	return r;
}

static bool age(struct kunit *test, u64 start, u64 end, bool clear)
{
	struct kvmmu_gfn_range range = { .start = start, .end = end };
	struct kvmmu_vm *vm = test_vm(test);
	bool r;

	spin_lock(&vm->mmu_lock);
	r = vm->ops->age_gfn_range(vm, &range, clear);
	spin_unlock(&vm->mmu_lock);
	return r;
}

static bool change_pte(struct kunit *test, u64 gfn, unsigned long pfn,
		       bool host_writable, const struct kvmmu_memory_slot *slot)
{
	struct kvmmu_gfn_range range = {
		.slot = slot, .start = gfn, .end = gfn + 1, .pfn = pfn,
		.host_writable = host_writable,
	};
	struct kvmmu_vm *vm = test_vm(test);
	bool r;

	spin_lock(&vm->mmu_lock);
	r = vm->ops->change_pte(vm, &range);
	spin_unlock(&vm->mmu_lock);
	return r;
}

static s64 stat(atomic64_t *v)
{
	return atomic64_read(v);
}

#define HW_BITS		(MIPS_PTE_VALID | MIPS_PTE_DIRTY)
#define SW_BITS		(MIPS_PTE_WRITE | MIPS_PTE_ACCESSED | MIPS_PTE_MODIFIED)

/* The invariants: VALID => ACCESSED; DIRTY => MODIFIED and WRITE. */
static void expect_invariants(struct kunit *test, u64 v)
{
	if (v & MIPS_PTE_VALID)
		KUNIT_EXPECT_TRUE(test, v & MIPS_PTE_ACCESSED);
	if (v & MIPS_PTE_DIRTY) {
		KUNIT_EXPECT_TRUE(test, v & MIPS_PTE_MODIFIED);
		KUNIT_EXPECT_TRUE(test, v & MIPS_PTE_WRITE);
	}
}

static void kvmmu_mips_pte_bit_transitions(struct kunit *test)
{
	u64 base = MIPS_PTE_PRESENT | (3ULL << MIPS_PTE_CCA_SHIFT) |
		   (0x12345ULL << MIPS_PTE_PFN_SHIFT);
	u64 w = base | MIPS_PTE_WRITE, v;

	/* Every combination of the software bits goes through each op. */
	for (v = 0; v < 8; v++) {
		u64 p = base | (v & 1 ? MIPS_PTE_WRITE : 0) |
			(v & 2 ? MIPS_PTE_ACCESSED | MIPS_PTE_VALID : 0) |
			(v & 4 ? MIPS_PTE_MODIFIED : 0);

		expect_invariants(test, mips_pte_mkyoung(p));
		expect_invariants(test, mips_pte_mkold(p));
		expect_invariants(test, mips_pte_mkdirty(p));
		expect_invariants(test, mips_pte_mkclean(p));
		expect_invariants(test, mips_pte_wrprotect(mips_pte_mkdirty(p)));
		/* None of them touches the frame or the cache attribute. */
		KUNIT_EXPECT_EQ(test, mips_pte_pfn(mips_pte_mkdirty(p)),
				0x12345UL);
		KUNIT_EXPECT_EQ(test, mips_pte_cca(mips_pte_mkold(p)), 3U);
	}

	KUNIT_EXPECT_EQ(test, mips_pte_mkyoung(base),
			base | MIPS_PTE_ACCESSED | MIPS_PTE_VALID);
	KUNIT_EXPECT_EQ(test, mips_pte_mkold(mips_pte_mkyoung(w)), w);
	/* Old leaves dirty alone. */
	KUNIT_EXPECT_EQ(test, mips_pte_mkold(mips_pte_mkdirty(w)),
			w | MIPS_PTE_MODIFIED | MIPS_PTE_DIRTY);
	/* Dirtying a page that may not be written: modified, not writable. */
	KUNIT_EXPECT_EQ(test, mips_pte_mkdirty(base), base | MIPS_PTE_MODIFIED);
	KUNIT_EXPECT_EQ(test, mips_pte_mkdirty(w),
			w | MIPS_PTE_MODIFIED | MIPS_PTE_DIRTY);
	KUNIT_EXPECT_EQ(test, mips_pte_mkclean(mips_pte_mkdirty(w)), w);
	KUNIT_EXPECT_EQ(test, mips_pte_wrprotect(mips_pte_mkdirty(w)),
			base | MIPS_PTE_MODIFIED);

	/* EntryLo: G/V/D/C/PFN at 0/1/2/3/6, nothing unless valid. */
	KUNIT_EXPECT_EQ(test, mips_pte_to_entrylo(w), 0ULL);
	v = mips_pte_to_entrylo(mips_pte_mkdirty(mips_pte_mkyoung(w)));
	KUNIT_EXPECT_EQ(test, v, MIPS_ENTRYLO_V | MIPS_ENTRYLO_D |
			(3ULL << MIPS_ENTRYLO_C_SHIFT) |
			(0x12345ULL << MIPS_ENTRYLO_PFN_SHIFT));
	KUNIT_EXPECT_EQ(test, mips_entrylo_pfn(v), 0x12345UL);
	KUNIT_EXPECT_EQ(test, mips_pte_to_entrylo(mips_pte_mkyoung(w)),
			MIPS_ENTRYLO_V | (3ULL << MIPS_ENTRYLO_C_SHIFT) |
			(0x12345ULL << MIPS_ENTRYLO_PFN_SHIFT));
}

static void kvmmu_mips_map_states(struct kunit *test)
{
	struct kvmmu_vm *vm = test_vm(test);
	struct kvmmu_mapping m;

	/* A write fault on a writable page: young and dirty. */
	KUNIT_ASSERT_EQ(test, map(test, 0x100, 0xa00, true, true), 0);
	KUNIT_EXPECT_EQ(test, pte(test, 0x100) & (HW_BITS | SW_BITS),
			HW_BITS | SW_BITS);
	m = lookup(test, 0x100);
	KUNIT_EXPECT_TRUE(test, m.present && m.readable && m.executable);
	KUNIT_EXPECT_TRUE(test, m.writable && m.accessed && m.dirty);
	KUNIT_EXPECT_EQ(test, m.level, 1);
	KUNIT_EXPECT_EQ(test, m.memtype, 3);
	KUNIT_EXPECT_EQ(test, m.pfn, 0xa00UL);

	/* A read fault on a writable page: clean, hardware read-only. */
	KUNIT_ASSERT_EQ(test, map(test, 0x101, 0xa01, true, false), 0);
	KUNIT_EXPECT_EQ(test, pte(test, 0x101) & (HW_BITS | SW_BITS),
			MIPS_PTE_VALID | MIPS_PTE_WRITE | MIPS_PTE_ACCESSED);
	m = lookup(test, 0x101);
	KUNIT_EXPECT_TRUE(test, m.accessed);
	KUNIT_EXPECT_FALSE(test, m.writable);
	KUNIT_EXPECT_FALSE(test, m.dirty);

	/* A read-only slot or host page: never WRITE, never dirty. */
	KUNIT_ASSERT_EQ(test, map(test, 0x102, 0xa02, false, false), 0);
	KUNIT_ASSERT_EQ(test, map(test, 0x103, 0xa03, false, true), 0);
	KUNIT_EXPECT_EQ(test, pte(test, 0x102) & (HW_BITS | SW_BITS),
			MIPS_PTE_VALID | MIPS_PTE_ACCESSED);
	KUNIT_EXPECT_EQ(test, pte(test, 0x103) & (HW_BITS | SW_BITS),
			MIPS_PTE_VALID | MIPS_PTE_ACCESSED);

	/* Re-mapping the same page keeps what the guest did to it... */
	KUNIT_EXPECT_TRUE(test, age(test, 0x100, 0x101, false));
	KUNIT_ASSERT_EQ(test, map(test, 0x100, 0xa00, true, false), 0);
	KUNIT_EXPECT_EQ(test, pte(test, 0x100) & (HW_BITS | SW_BITS),
			HW_BITS | SW_BITS);
	/* ...and gives write access if the host now allows it. */
	KUNIT_ASSERT_EQ(test, map(test, 0x102, 0xa02, true, true), 0);
	KUNIT_EXPECT_EQ(test, pte(test, 0x102) & (HW_BITS | SW_BITS),
			HW_BITS | SW_BITS);

	KUNIT_EXPECT_EQ(test, stat(&vm->stat.mapped_pages), 4);
	/* Root plus one table at each of levels 3, 2 and 1. */
	KUNIT_EXPECT_EQ(test, stat(&vm->stat.table_pages), 4);
	KUNIT_EXPECT_EQ(test, map(test, 1ULL << 36, 1, true, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, map(test, (1ULL << 36) - 1, 1, true, true), 0);
	KUNIT_EXPECT_TRUE(test, lookup(test, (1ULL << 36) - 1).present);
}

static void kvmmu_mips_tlb_refill_and_hit(struct kunit *test)
{
	struct kvmmu_mips_tlb *tlb = test_tlb(test, 0);
	unsigned long pfn = 0;
	u64 before;

	KUNIT_EXPECT_EQ(test, access(test, 0, 0x200, KVMMU_READ, &pfn),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, tlb->refills, 0ULL);

	KUNIT_ASSERT_EQ(test, map(test, 0x200, 0xb00, true, false), 0);
	KUNIT_ASSERT_EQ(test, map(test, 0x201, 0xb01, true, true), 0);
	before = pte(test, 0x200);

	/* A miss refills the pair; the odd half then hits. */
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x200, KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, 0xb00UL);
	KUNIT_EXPECT_EQ(test, tlb->refills, 1ULL);
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x201, KVMMU_WRITE, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, 0xb01UL);
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x200, KVMMU_FETCH, &pfn), 0);
	KUNIT_EXPECT_EQ(test, tlb->refills, 1ULL);

	/* A clean page is read-only to the TLB: TLB modified. */
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x200, KVMMU_WRITE, &pfn),
			-EACCES);
	/* The access changed nothing in the table (the hardware does not). */
	KUNIT_EXPECT_EQ(test, pte(test, 0x200), before);

	/* The other vCPU has a TLB of its own. */
	KUNIT_EXPECT_EQ(test, test_tlb(test, 1)->refills, 0ULL);
	KUNIT_EXPECT_EQ(test, access(test, 1, 0x201, KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, test_tlb(test, 1)->refills, 1ULL);

	/* An invalid half of a loaded pair: TLB invalid, no refill. */
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x202, KVMMU_READ, &pfn),
			-ENOENT);
	KUNIT_ASSERT_EQ(test, map(test, 0x203, 0xb03, true, false), 0);
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x203, KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, tlb->refills, 2ULL);
	KUNIT_ASSERT_EQ(test, map(test, 0x202, 0xb02, true, false), 0);
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x202, KVMMU_READ, &pfn),
			-ENOENT);
	/* The fault drops the entry; the retried access refills it. */
	KUNIT_EXPECT_EQ(test, fault(test, 0, 0x202, KVMMU_READ), 0);
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x202, KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, 0xb02UL);
	KUNIT_EXPECT_EQ(test, tlb->refills, 3ULL);
}

static void kvmmu_mips_tlb_replacement(struct kunit *test)
{
	struct kvmmu_mips_tlb *tlb = test_tlb(test, 0);
	unsigned long pfn;
	u64 i;

	for (i = 0; i <= MIPS_TLB_ENTRIES; i++)
		KUNIT_ASSERT_EQ(test, map(test, 2 * i, 0x100 + i, true, true),
				0);
	/* One pair per entry fills the TLB... */
	for (i = 0; i < MIPS_TLB_ENTRIES; i++)
		KUNIT_ASSERT_EQ(test, access(test, 0, 2 * i, KVMMU_READ, &pfn),
				0);
	KUNIT_EXPECT_EQ(test, tlb->refills, (u64)MIPS_TLB_ENTRIES);
	for (i = 0; i < MIPS_TLB_ENTRIES; i++)
		KUNIT_EXPECT_EQ(test, access(test, 0, 2 * i, KVMMU_WRITE, &pfn),
				0);
	KUNIT_EXPECT_EQ(test, tlb->refills, (u64)MIPS_TLB_ENTRIES);

	/* ...one more evicts the oldest, round-robin. */
	KUNIT_EXPECT_EQ(test, access(test, 0, 2 * MIPS_TLB_ENTRIES,
				     KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, 0x100UL + MIPS_TLB_ENTRIES);
	KUNIT_EXPECT_EQ(test, tlb->refills, (u64)MIPS_TLB_ENTRIES + 1);
	KUNIT_EXPECT_EQ(test, access(test, 0, 2, KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, tlb->refills, (u64)MIPS_TLB_ENTRIES + 1);
	KUNIT_EXPECT_EQ(test, access(test, 0, 0, KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, 0x100UL);
	KUNIT_EXPECT_EQ(test, tlb->refills, (u64)MIPS_TLB_ENTRIES + 2);
	/* That evicted the next one, gfn 2. */
	KUNIT_EXPECT_EQ(test, access(test, 0, 4, KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, tlb->refills, (u64)MIPS_TLB_ENTRIES + 2);
	KUNIT_EXPECT_EQ(test, access(test, 0, 2, KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, tlb->refills, (u64)MIPS_TLB_ENTRIES + 3);

	/* A flushed entry is reused before any loaded one. */
	KUNIT_EXPECT_TRUE(test, zap(test, 20, 21));
	KUNIT_ASSERT_EQ(test, map(test, 20, 0x500, true, true), 0);
	KUNIT_EXPECT_EQ(test, access(test, 0, 20, KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, 0x500UL);
	for (i = 0; i <= MIPS_TLB_ENTRIES; i++)
		if (i != 3)
			KUNIT_EXPECT_EQ(test, access(test, 0, 2 * i, KVMMU_READ,
						     &pfn), 0);
	/*
	 * Only gfn 4, evicted above, missed; it took the place of gfn 6, the
	 * next round-robin victim, which is not accessed.
	 */
	KUNIT_EXPECT_EQ(test, tlb->refills, (u64)MIPS_TLB_ENTRIES + 5);
}

/* A zap flushes the pages from every TLB: the next access misses. */
static void kvmmu_mips_tlb_flush_on_zap(struct kunit *test)
{
	struct kvmmu_vm *vm = test_vm(test);
	unsigned long pfn;
	u64 gfn;

	for (gfn = 0x300; gfn < 0x308; gfn++)
		KUNIT_ASSERT_EQ(test, map(test, gfn, gfn + 0x1000, true, true),
				0);
	for (gfn = 0x300; gfn < 0x308; gfn++) {
		KUNIT_ASSERT_EQ(test, access(test, 0, gfn, KVMMU_WRITE, &pfn),
				0);
		KUNIT_ASSERT_EQ(test, access(test, 1, gfn, KVMMU_READ, &pfn),
				0);
	}

	KUNIT_EXPECT_TRUE(test, zap(test, 0x302, 0x305));
	for (gfn = 0x300; gfn < 0x308; gfn++) {
		int r = gfn >= 0x302 && gfn < 0x305 ? -ENOENT : 0;

		KUNIT_EXPECT_EQ(test, access(test, 0, gfn, KVMMU_READ, &pfn),
				r);
		KUNIT_EXPECT_EQ(test, access(test, 1, gfn, KVMMU_WRITE, &pfn),
				r);
		KUNIT_EXPECT_EQ(test, lookup(test, gfn).present, !r);
	}
	/* And faults: the slow path (no slot here), not the fast one. */
	KUNIT_EXPECT_EQ(test, fault(test, 0, 0x303, KVMMU_READ), -ENOENT);
	KUNIT_EXPECT_EQ(test, stat(&vm->stat.fast_faults), 0);

	KUNIT_EXPECT_EQ(test, stat(&vm->stat.sptes_zapped), 3);
	KUNIT_EXPECT_EQ(test, stat(&vm->stat.mapped_pages), 5);
	/* Zapping everything frees every table but the root. */
	KUNIT_EXPECT_TRUE(test, zap(test, 0, 1ULL << 36));
	KUNIT_EXPECT_FALSE(test, zap(test, 0, 1ULL << 36));
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x300, KVMMU_READ, &pfn),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, access(test, 1, 0x307, KVMMU_READ, &pfn),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, stat(&vm->stat.mapped_pages), 0);
	KUNIT_EXPECT_EQ(test, stat(&vm->stat.table_pages), 1);
	KUNIT_EXPECT_EQ(test, stat(&vm->stat.tables_freed), 3);
}

/* Aging makes pages old: the TLBs drop them, the fast path makes them young. */
static void kvmmu_mips_tlb_flush_on_age(struct kunit *test)
{
	struct kvmmu_vm *vm = test_vm(test);
	unsigned long pfn;

	KUNIT_ASSERT_EQ(test, map(test, 0x400, 0xc00, true, true), 0);
	KUNIT_ASSERT_EQ(test, map(test, 0x401, 0xc01, true, false), 0);
	KUNIT_ASSERT_EQ(test, map(test, 0x402, 0xc02, true, false), 0);
	KUNIT_ASSERT_EQ(test, access(test, 0, 0x400, KVMMU_WRITE, &pfn), 0);
	KUNIT_ASSERT_EQ(test, access(test, 1, 0x400, KVMMU_WRITE, &pfn), 0);
	KUNIT_ASSERT_EQ(test, access(test, 1, 0x402, KVMMU_READ, &pfn), 0);

	/* Testing changes nothing. */
	KUNIT_EXPECT_TRUE(test, age(test, 0x400, 0x401, false));
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x400, KVMMU_WRITE, &pfn), 0);

	KUNIT_EXPECT_TRUE(test, age(test, 0x400, 0x402, true));
	KUNIT_EXPECT_EQ(test, stat(&vm->stat.young_cleared), 2);
	KUNIT_EXPECT_FALSE(test, age(test, 0x400, 0x402, false));
	KUNIT_EXPECT_FALSE(test, lookup(test, 0x400).accessed);
	/* Old, still dirty: the host page's state is not lost. */
	KUNIT_EXPECT_TRUE(test, lookup(test, 0x400).dirty);
	KUNIT_EXPECT_EQ(test, pte(test, 0x400) & MIPS_PTE_VALID, 0ULL);
	/* Neither vCPU may use it without faulting; 0x402 was not aged. */
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x400, KVMMU_WRITE, &pfn),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, access(test, 1, 0x400, KVMMU_READ, &pfn),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, access(test, 1, 0x402, KVMMU_READ, &pfn), 0);

	/* The fault makes it young again, by the fast path. */
	KUNIT_EXPECT_EQ(test, fault(test, 1, 0x400, KVMMU_READ), 0);
	KUNIT_EXPECT_EQ(test, stat(&vm->stat.fast_faults), 1);
	KUNIT_EXPECT_TRUE(test, lookup(test, 0x400).accessed);
	KUNIT_EXPECT_EQ(test, access(test, 1, 0x400, KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, 0xc00UL);
	/* Dirty all along: the other vCPU writes without another fault. */
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x400, KVMMU_WRITE, &pfn), 0);
	KUNIT_EXPECT_TRUE(test, age(test, 0x400, 0x401, false));
}

/* change_pte: the new page, clean, write-protected as the host says. */
static void kvmmu_mips_tlb_flush_on_change_pte(struct kunit *test)
{
	struct kvmmu_memory_slot ro_slot = { .flags = KVMMU_MEM_READONLY };
	struct kvmmu_memory_slot rw_slot = { .flags = 0 };
	struct kvmmu_vm *vm = test_vm(test);
	unsigned long pfn;
	u64 v;

	KUNIT_ASSERT_EQ(test, map(test, 0x500, 0xd00, true, true), 0);
	KUNIT_ASSERT_EQ(test, access(test, 0, 0x500, KVMMU_WRITE, &pfn), 0);
	KUNIT_ASSERT_EQ(test, access(test, 1, 0x500, KVMMU_READ, &pfn), 0);

	/* KSM: the new page is mapped read-only by the host. */
	KUNIT_EXPECT_TRUE(test, change_pte(test, 0x500, NEW_PFN(0), false,
					   &rw_slot));
	v = pte(test, 0x500);
	KUNIT_EXPECT_EQ(test, mips_pte_pfn(v), NEW_PFN(0));
	KUNIT_EXPECT_EQ(test, v & (MIPS_PTE_WRITE | MIPS_PTE_DIRTY |
				   MIPS_PTE_MODIFIED), 0ULL);
	KUNIT_EXPECT_TRUE(test, v & MIPS_PTE_VALID);
	expect_invariants(test, v);
	/* No vCPU sees the old page, nor writes the new one. */
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x500, KVMMU_WRITE, &pfn),
			-EACCES);
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x500, KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, NEW_PFN(0));
	KUNIT_EXPECT_EQ(test, access(test, 1, 0x500, KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, NEW_PFN(0));
	/* A write takes the slow path (which finds no slot here). */
	KUNIT_EXPECT_EQ(test, fault(test, 0, 0x500, KVMMU_WRITE), -ENOENT);
	KUNIT_EXPECT_EQ(test, stat(&vm->stat.fast_faults), 0);

	/*
	 * A read-only slot comes as read-only from the core: the page is
	 * followed, never writable.
	 */
	KUNIT_EXPECT_TRUE(test, change_pte(test, 0x500, NEW_PFN(2), false,
					   &ro_slot));
	v = pte(test, 0x500);
	KUNIT_EXPECT_EQ(test, mips_pte_pfn(v), NEW_PFN(2));
	KUNIT_EXPECT_EQ(test, v & (MIPS_PTE_WRITE | MIPS_PTE_DIRTY |
				   MIPS_PTE_MODIFIED), 0ULL);
	KUNIT_EXPECT_EQ(test, access(test, 1, 0x500, KVMMU_WRITE, &pfn),
			-EACCES);
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x500, KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, NEW_PFN(2));

	/*
	 * A writable host page: the pte goes, and with it both vCPUs' TLB
	 * entries, so that write permission comes from the fault path.
	 */
	KUNIT_EXPECT_TRUE(test, change_pte(test, 0x500, NEW_PFN(1), true,
					   &rw_slot));
	KUNIT_EXPECT_FALSE(test, lookup(test, 0x500).present);
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x500, KVMMU_READ, &pfn),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, access(test, 1, 0x500, KVMMU_READ, &pfn),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, stat(&vm->stat.fast_faults), 0);

	/* Nothing mapped: nothing to change. */
	KUNIT_EXPECT_FALSE(test, change_pte(test, 0x501, NEW_PFN(3), true,
					    &rw_slot));
	KUNIT_EXPECT_FALSE(test, lookup(test, 0x501).present);
}

static void kvmmu_mips_fast_path(struct kunit *test)
{
	struct kvmmu_vm *vm = test_vm(test);
	unsigned long pfn;
	u64 v;

	/* An old page: made young, nothing looked up. */
	KUNIT_ASSERT_EQ(test, map(test, 0x600, 0xf00, true, false), 0);
	KUNIT_ASSERT_TRUE(test, age(test, 0x600, 0x601, true));
	KUNIT_EXPECT_EQ(test, fault(test, 0, 0x600, KVMMU_READ), 0);
	KUNIT_EXPECT_EQ(test, stat(&vm->stat.fast_faults), 1);
	KUNIT_EXPECT_EQ(test, stat(&vm->stat.faults), 0);
	v = pte(test, 0x600);
	KUNIT_EXPECT_EQ(test, v & (HW_BITS | SW_BITS),
			MIPS_PTE_VALID | MIPS_PTE_ACCESSED | MIPS_PTE_WRITE);

	/* A clean page that may be written: made dirty. */
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x600, KVMMU_WRITE, &pfn),
			-EACCES);
	KUNIT_EXPECT_EQ(test, fault(test, 0, 0x600, KVMMU_WRITE), 0);
	KUNIT_EXPECT_EQ(test, stat(&vm->stat.fast_faults), 2);
	KUNIT_EXPECT_EQ(test, pte(test, 0x600) & (HW_BITS | SW_BITS),
			HW_BITS | SW_BITS);
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x600, KVMMU_WRITE, &pfn), 0);

	/* Old and clean: one write fault makes it young and dirty. */
	KUNIT_ASSERT_EQ(test, map(test, 0x601, 0xf01, true, false), 0);
	KUNIT_ASSERT_TRUE(test, age(test, 0x601, 0x602, true));
	KUNIT_EXPECT_EQ(test, fault(test, 0, 0x601, KVMMU_WRITE), 0);
	KUNIT_EXPECT_EQ(test, stat(&vm->stat.fast_faults), 3);
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x601, KVMMU_WRITE, &pfn), 0);

	/* A clean page that may not be written: the slow path. */
	KUNIT_ASSERT_EQ(test, map(test, 0x602, 0xf02, false, false), 0);
	KUNIT_EXPECT_EQ(test, fault(test, 0, 0x602, KVMMU_WRITE), -ENOENT);
	KUNIT_EXPECT_EQ(test, stat(&vm->stat.fast_faults), 3);
	v = pte(test, 0x602);
	KUNIT_EXPECT_EQ(test, v & (MIPS_PTE_DIRTY | MIPS_PTE_MODIFIED), 0ULL);
	KUNIT_EXPECT_FALSE(test, lookup(test, 0x602).dirty);
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x602, KVMMU_WRITE, &pfn),
			-EACCES);
	/* Nor does it get dirty by being made young. */
	KUNIT_ASSERT_TRUE(test, age(test, 0x602, 0x603, true));
	KUNIT_EXPECT_EQ(test, fault(test, 0, 0x602, KVMMU_WRITE), -ENOENT);
	KUNIT_EXPECT_EQ(test, fault(test, 0, 0x602, KVMMU_READ), 0);
	KUNIT_EXPECT_EQ(test, stat(&vm->stat.fast_faults), 4);
	KUNIT_EXPECT_FALSE(test, lookup(test, 0x602).dirty);
	KUNIT_EXPECT_FALSE(test, lookup(test, 0x602).writable);

	/* Nothing mapped: the slow path. */
	KUNIT_EXPECT_EQ(test, fault(test, 0, 0x603, KVMMU_READ), -ENOENT);
	KUNIT_EXPECT_EQ(test, stat(&vm->stat.fast_faults), 4);
	KUNIT_EXPECT_FALSE(test, lookup(test, 0x603).present);
}

/*
 * Several vCPUs: what one vCPU's fault makes dirty, another's TLB learns
 * through its own fault; what an invalidation takes away, no TLB keeps;
 * a vCPU gone is no longer flushed.
 */
static void kvmmu_mips_tlbs_across_vcpus(struct kunit *test)
{
	struct kvmmu_vm *vm = test_vm(test);
	struct kvmmu_vcpu *gone = test_vcpu(test, 1);
	unsigned long pfn;

	KUNIT_ASSERT_EQ(test, map(test, 0x700, 0x1700, true, false), 0);
	KUNIT_ASSERT_EQ(test, access(test, 0, 0x700, KVMMU_READ, &pfn), 0);
	KUNIT_ASSERT_EQ(test, access(test, 1, 0x700, KVMMU_READ, &pfn), 0);

	/* vCPU 1 dirties the page; vCPU 0's entry is stale, read-only. */
	KUNIT_EXPECT_EQ(test, fault(test, 1, 0x700, KVMMU_WRITE), 0);
	KUNIT_EXPECT_EQ(test, access(test, 1, 0x700, KVMMU_WRITE, &pfn), 0);
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x700, KVMMU_WRITE, &pfn),
			-EACCES);
	/* Its fault reloads the entry from the pte, fast. */
	KUNIT_EXPECT_EQ(test, fault(test, 0, 0x700, KVMMU_WRITE), 0);
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x700, KVMMU_WRITE, &pfn), 0);
	KUNIT_EXPECT_EQ(test, stat(&vm->stat.fast_faults), 2);

	/* A zap by gfn range leaves no entry in either TLB. */
	KUNIT_EXPECT_TRUE(test, zap(test, 0x700, 0x701));
	KUNIT_ASSERT_EQ(test, map(test, 0x700, 0x1800, true, false), 0);
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x700, KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, 0x1800UL);
	KUNIT_EXPECT_EQ(test, access(test, 1, 0x700, KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, 0x1800UL);
	/* One entry per fault above, one per vCPU for the zap. */
	KUNIT_EXPECT_EQ(test, to_mips(vm)->tlb_invalidated, 4ULL);

	/* A destroyed vCPU's TLB leaves the VM's list. */
	vm->ops->destroy_vcpu(gone);
	KUNIT_EXPECT_NULL(test, gone->arch);
	KUNIT_EXPECT_TRUE(test, zap(test, 0x700, 0x701));
	KUNIT_EXPECT_EQ(test, to_mips(vm)->tlb_invalidated, 5ULL);
	KUNIT_EXPECT_EQ(test, access(test, 0, 0x700, KVMMU_READ, &pfn),
			-ENOENT);
	KUNIT_EXPECT_TRUE(test, list_is_singular(&to_mips(vm)->tlbs));
}

static struct kunit_case mips_test_cases[] = {
	KUNIT_CASE(kvmmu_mips_pte_bit_transitions),
	KUNIT_CASE(kvmmu_mips_map_states),
	KUNIT_CASE(kvmmu_mips_tlb_refill_and_hit),
	KUNIT_CASE(kvmmu_mips_tlb_replacement),
	KUNIT_CASE(kvmmu_mips_tlb_flush_on_zap),
	KUNIT_CASE(kvmmu_mips_tlb_flush_on_age),
	KUNIT_CASE(kvmmu_mips_tlb_flush_on_change_pte),
	KUNIT_CASE(kvmmu_mips_fast_path),
	KUNIT_CASE(kvmmu_mips_tlbs_across_vcpus),
	{}
};

static struct kunit_suite mips_test_suite = {
	.name = "kvmmu_mips",
	.init = mips_test_init,
	.exit = mips_test_exit,
	.test_cases = mips_test_cases,
};

kunit_test_suite(mips_test_suite);
