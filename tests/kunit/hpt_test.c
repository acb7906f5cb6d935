// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the Book3S HV hashed page table: the hash, the
 * hardware's group search (primary, then secondary with H set), absent
 * HPTEs and their instantiation, R/C harvesting into the rmap summary and
 * the guest's view, the revmap rings against a model, and eviction.
 *
 * A fake VM with one fake memslot (for its rmap words); host pfns are made
 * up and never touched: HPTEs are instantiated as not refcounted, so
 * nothing is handed to a struct page.
 */
#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/slab.h>

#include "../../arch/ppc/hpt.h"
#include "fake_vm.h"

#define SLOT_BASE	0x100ULL
#define SLOT_PAGES	64

struct hpt_test {
	struct kvmmu_vm *vm;
	struct kvmmu_memory_slot slot;
	struct ppc_vcpu pv;
	struct kvmmu_vcpu vcpu;
};

static int hpt_test_init(struct kunit *test)
{
	struct hpt_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->slot.base_gfn = SLOT_BASE;
	t->slot.npages = SLOT_PAGES;
	/* Before the VM: its teardown zaps HPTEs through these words. */
	t->slot.rmap[0] = kunit_kcalloc(test, SLOT_PAGES, sizeof(long),
					GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->slot.rmap[0]);
	t->vm = kvmmu_test_vm(test, &kvmmu_ppc_hv_ops);
	t->vcpu.vm = t->vm;
	t->vcpu.arch = &t->pv;
	test->priv = t;
	return 0;
}

static struct ppc_hpt *hpt_of(struct kunit *test)
{
	struct hpt_test *t = test->priv;

	return to_ppc(t->vm)->hpt;
}

static unsigned long *rmap_of(struct kunit *test, u64 gfn)
{
	struct hpt_test *t = test->priv;

	return kvmmu_memslot_rmap(&t->slot, gfn, 1);
}

static s64 stat(atomic64_t *v)
{
	return atomic64_read(v);
}

/* A guest HPTE for EA @ea (relocation on: VSID = EA >> 40) -> @gfn. */
static u64 pteh_of(u64 ea, bool secondary)
{
	return ppc_hpte_va_bits(ea >> PPC_SEG_SHIFT, ea & PPC_SEG_OFFSET) |
	       (secondary ? HPTE_V_SECONDARY : 0) | HPTE_V_VALID;
}

static u64 ptel_of(u64 gfn, unsigned int pp)
{
	return (gfn << HPTE_R_RPN_SHIFT) | HPTE_R_M | (pp & 3) |
	       ((pp & 4) ? HPTE_R_PP0 : 0);
}

static u32 group_of(u64 ea, bool secondary)
{
	u64 hash = kvmmu_ppc_hpt_hash(ea >> PPC_SEG_SHIFT, ea & PPC_SEG_OFFSET);

	/* The default table: 2^18 bytes, 2048 PTEGs. */
	return (secondary ? ~hash : hash) & 0x7ff;
}

/* H_ENTER in the PTEG the hash of @ea selects; returns the index. */
static long enter(struct kunit *test, u64 ea, bool secondary, u64 gfn,
		  unsigned int pp)
{
	struct hpt_test *t = test->priv;
	u64 index = 0;
	long ret;

	ret = kvmmu_ppc_h_enter(t->vm, 0, group_of(ea, secondary) * HPTES_PER_GROUP,
				pteh_of(ea, secondary), ptel_of(gfn, pp), &index);
	KUNIT_ASSERT_EQ(test, ret, (long)KVMMU_PPC_H_SUCCESS);
	return index;
}

/* What the fault handler does once it has the host page. */
static int instantiate(struct kunit *test, u32 i, u64 gfn, unsigned long pfn,
		       bool writable)
{
	struct hpt_test *t = test->priv;
	struct ppc_hpt *hpt = hpt_of(test);
	u64 *hptep = ppc_hptep(hpt, i);
	int r;

	kvmmu_ppc_hpte_lock(hptep);
	r = kvmmu_ppc_hpte_install(t->vm, hpt, i, rmap_of(test, gfn), pfn, writable,
				   false, t->vm->mmu_invalidate_seq);
	kvmmu_ppc_hpte_unlock(hptep);
	return r;
}

/* The same for a real host page, whose state the HPTE hands back. */
static int instantiate_page(struct kunit *test, u32 i, u64 gfn,
			    struct page *page)
{
	struct hpt_test *t = test->priv;
	struct ppc_hpt *hpt = hpt_of(test);
	u64 *hptep = ppc_hptep(hpt, i);
	int r;

	kvmmu_ppc_hpte_lock(hptep);
	r = kvmmu_ppc_hpte_install(t->vm, hpt, i, rmap_of(test, gfn),
				   page_to_pfn(page), true, true,
				   t->vm->mmu_invalidate_seq);
	kvmmu_ppc_hpte_unlock(hptep);
	return r;
}

static int access(struct kunit *test, u64 addr, enum kvmmu_access_type type,
		  unsigned long *pfn)
{
	struct kvmmu_guest_access ga = { .addr = addr, .type = type };
	struct hpt_test *t = test->priv;
	int r;

	spin_lock(&t->vm->mmu_lock);
	r = t->vm->ops->access(&t->vcpu, &ga);
	spin_unlock(&t->vm->mmu_lock);
	if (pfn)
		*pfn = ga.pfn;
	return r;
}

static struct kvmmu_mapping lookup(struct kunit *test, u64 addr)
{
	struct hpt_test *t = test->priv;
	struct kvmmu_mapping m;

	spin_lock(&t->vm->mmu_lock);
	t->vm->ops->lookup(&t->vcpu, addr, &m);
	spin_unlock(&t->vm->mmu_lock);
	return m;
}

static bool zap(struct kunit *test, u64 start, u64 end)
{
	struct hpt_test *t = test->priv;
	struct kvmmu_gfn_range range = {
		.slot = &t->slot, .start = start, .end = end,
	};
	bool r;

	spin_lock(&t->vm->mmu_lock);
	r = t->vm->ops->zap_gfn_range(t->vm, &range);
	spin_unlock(&t->vm->mmu_lock);
	return r;
}

static bool age(struct kunit *test, u64 gfn, bool clear)
{
	struct hpt_test *t = test->priv;
	struct kvmmu_gfn_range range = {
		.slot = &t->slot, .start = gfn, .end = gfn + 1,
	};
	bool r;

	spin_lock(&t->vm->mmu_lock);
	r = t->vm->ops->age_gfn_range(t->vm, &range, clear);
	spin_unlock(&t->vm->mmu_lock);
	return r;
}

static void h_read(struct kunit *test, u32 i, u64 *v, u64 *r)
{
	struct hpt_test *t = test->priv;
	u64 rets[2];

	KUNIT_ASSERT_EQ(test, kvmmu_ppc_h_read(t->vm, 0, i, rets),
			(long)KVMMU_PPC_H_SUCCESS);
	*v = rets[0];
	*r = rets[1];
}

/* The hash, computed by hand (Power ISA: 1 TiB segments, 4 KiB pages). */
static void hpt_hash_by_hand(struct kunit *test)
{
	struct ppc_hpt *hpt = hpt_of(test);

	KUNIT_EXPECT_EQ(test, hpt->npte, 16384U);
	KUNIT_EXPECT_EQ(test, hpt->mask, 0x7ffU);
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_hpt_hash(0, 0), 0ULL);
	/* 1 ^ 1 << 25 ^ 5 */
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_hpt_hash(1, 0x5000), 0x2000004ULL);
	/* 0x123 ^ 0x246000000 ^ 7 */
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_hpt_hash(0x123, 0x7000), 0x246000124ULL);
	/* 25 ones ^ the same 25 ones << 25 = 50 ones; ^ 0x1234 */
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_hpt_hash(0x1ffffff, 0x1234567),
			0x3ffffffffedcbULL);
	/* The byte offset in the page and bits above the segment don't count. */
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_hpt_hash(0x123, 0x7fff | (3ULL << 40)),
			0x246000124ULL);
	/* Primary and secondary PTEGs of the last one, in a 2^18 table. */
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_hpt_hash(0x1ffffff, 0x1234567) & hpt->mask,
			0x5cbULL);
	KUNIT_EXPECT_EQ(test, ~kvmmu_ppc_hpt_hash(0x1ffffff, 0x1234567) & hpt->mask,
			0x234ULL);
	/* AVPN: VA >> 23 at bit 7, B = 1 TiB. */
	KUNIT_EXPECT_EQ(test, ppc_hpte_va_bits(0x123, 0x2345678000),
			(((0x123ULL << 17) | 0x468aULL) << 7) | (1ULL << 62));
}

/* Primary PTEG with H clear, then secondary with H set, as the hardware. */
static void hpt_group_search(struct kunit *test)
{
	struct ppc_hpt *hpt = hpt_of(test);
	const u64 both = HPTE_V_VALID | HPTE_V_ABSENT;
	const u64 ea1 = (5ULL << 40) + 0x3000, ea2 = (5ULL << 40) + 0x9000;
	const u64 ea4 = (5ULL << 40) + 0x20000, vsid = 5;
	struct hpt_test *t = test->priv;
	u64 index = 0;
	long i1, i2, i3;

	KUNIT_EXPECT_EQ(test, kvmmu_ppc_hpt_search(hpt, vsid, 0x3000, both), -1L);
	i1 = enter(test, ea1, false, SLOT_BASE, PP_RW_RW);
	KUNIT_EXPECT_EQ(test, i1 / HPTES_PER_GROUP, (long)group_of(ea1, false));
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_hpt_search(hpt, vsid, 0x3000, both), i1);
	/* Entered absent: the hardware does not see it. */
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_hpt_search(hpt, vsid, 0x3000, HPTE_V_VALID),
			-1L);
	/* Another page of the segment, another group. */
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_hpt_search(hpt, vsid, 0x9000, both), -1L);

	/* In the secondary PTEG with H set: found there. */
	i2 = enter(test, ea2, true, SLOT_BASE + 1, PP_RW_RW);
	KUNIT_EXPECT_EQ(test, i2 / HPTES_PER_GROUP, (long)group_of(ea2, true));
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_hpt_search(hpt, vsid, 0x9000, both), i2);

	/* The primary wins over the secondary. */
	i3 = enter(test, ea2, false, SLOT_BASE + 2, PP_RW_RW);
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_hpt_search(hpt, vsid, 0x9000, both), i3);

	/* A wrong H bit is no match, in either PTEG. */
	KUNIT_ASSERT_EQ(test, kvmmu_ppc_h_enter(t->vm, 0,
						group_of(ea4, true) * HPTES_PER_GROUP,
						pteh_of(ea4, false),
						ptel_of(SLOT_BASE, PP_RW_RW), &index),
			(long)KVMMU_PPC_H_SUCCESS);
	KUNIT_ASSERT_EQ(test, kvmmu_ppc_h_enter(t->vm, 0,
						group_of(ea4, false) * HPTES_PER_GROUP,
						pteh_of(ea4, true),
						ptel_of(SLOT_BASE, PP_RW_RW), &index),
			(long)KVMMU_PPC_H_SUCCESS);
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_hpt_search(hpt, vsid, 0x20000, both), -1L);
	/* Nor a wrong AVPN: same group, other segment. */
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_hpt_search(hpt, vsid + 1, 0x3000, both), -1L);
}

/* pp0||pp for both keys, N for fetches. */
static void hpt_page_protection(struct kunit *test)
{
	static const struct {
		unsigned int pp;
		bool sr, sw, ur, uw;
	} rows[] = {
		{ PP_RW_NONE, true, true, false, false },
		{ PP_RW_RO, true, true, true, false },
		{ PP_RW_RW, true, true, true, true },
		{ PP_RO_RO, true, false, true, false },
		{ PP_RO_NONE, true, false, false, false },
		{ 4, false, false, false, false },
		{ 5, false, false, false, false },
		{ 7, false, false, false, false },
	};
	int k;

	for (k = 0; k < ARRAY_SIZE(rows); k++) {
		u64 r = ptel_of(1, rows[k].pp);

		KUNIT_EXPECT_EQ_MSG(test, kvmmu_ppc_pp_allows(r, false, KVMMU_READ),
				    rows[k].sr, "pp %u", rows[k].pp);
		KUNIT_EXPECT_EQ_MSG(test, kvmmu_ppc_pp_allows(r, false, KVMMU_WRITE),
				    rows[k].sw, "pp %u", rows[k].pp);
		KUNIT_EXPECT_EQ_MSG(test, kvmmu_ppc_pp_allows(r, true, KVMMU_READ),
				    rows[k].ur, "pp %u", rows[k].pp);
		KUNIT_EXPECT_EQ_MSG(test, kvmmu_ppc_pp_allows(r, true, KVMMU_WRITE),
				    rows[k].uw, "pp %u", rows[k].pp);
		KUNIT_EXPECT_EQ_MSG(test, kvmmu_ppc_pp_allows(r, true, KVMMU_FETCH),
				    rows[k].ur, "pp %u", rows[k].pp);
		KUNIT_EXPECT_FALSE(test, kvmmu_ppc_pp_allows(r | HPTE_R_N, false,
							     KVMMU_FETCH));
	}
}

/* H_ENTER leaves it absent; the fault instantiates it; a zap makes it
 * absent again, guest view kept, and it comes back from another page.
 */
static void hpt_absent_reinstantiate(struct kunit *test)
{
	const u64 ea = (7ULL << 40) + 0x42000, gfn = SLOT_BASE + 3;
	struct hpt_test *t = test->priv;
	struct ppc_hpt *hpt = hpt_of(test);
	unsigned long pfn = 0;
	struct kvmmu_mapping m;
	u64 v, r;
	long i;

	t->pv.msr = KVMMU_PPC_MSR_DR | KVMMU_PPC_MSR_IR;
	i = enter(test, ea, false, gfn, PP_RW_RW);
	KUNIT_EXPECT_EQ(test, access(test, ea, KVMMU_READ, &pfn), -ENOENT);
	KUNIT_EXPECT_FALSE(test, lookup(test, ea).present);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.mapped_pages), 0);

	KUNIT_ASSERT_EQ(test, instantiate(test, i, gfn, 0x777, true), 0);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.mapped_pages), 1);
	KUNIT_EXPECT_TRUE(test, *rmap_of(test, gfn) & PPC_RMAP_PRESENT);
	KUNIT_EXPECT_EQ(test, *rmap_of(test, gfn) & PPC_RMAP_INDEX, (u64)i);
	m = lookup(test, ea);
	KUNIT_EXPECT_TRUE(test, m.present);
	KUNIT_EXPECT_TRUE(test, m.writable);
	KUNIT_EXPECT_TRUE(test, m.executable);
	KUNIT_EXPECT_FALSE(test, m.accessed);
	KUNIT_EXPECT_EQ(test, m.memtype, 2);
	KUNIT_EXPECT_EQ(test, m.level, 1);
	KUNIT_EXPECT_EQ(test, m.pfn, 0x777UL);
	KUNIT_EXPECT_EQ(test, access(test, ea + 8, KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, 0x777UL);
	KUNIT_EXPECT_TRUE(test, lookup(test, ea).accessed);
	KUNIT_EXPECT_FALSE(test, lookup(test, ea).dirty);

	/* The host takes the page away. */
	KUNIT_EXPECT_TRUE(test, zap(test, gfn, gfn + 1));
	KUNIT_EXPECT_FALSE(test, zap(test, gfn, gfn + 1));
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.mapped_pages), 0);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.sptes_zapped), 1);
	v = *ppc_hptep(hpt, i);
	KUNIT_EXPECT_EQ(test, v & (HPTE_V_VALID | HPTE_V_ABSENT), HPTE_V_ABSENT);
	KUNIT_EXPECT_FALSE(test, *rmap_of(test, gfn) & PPC_RMAP_PRESENT);
	KUNIT_EXPECT_EQ(test, access(test, ea, KVMMU_READ, &pfn), -ENOENT);
	/* The guest still sees its HPTE. */
	h_read(test, i, &v, &r);
	KUNIT_EXPECT_EQ(test, v, pteh_of(ea, false));
	KUNIT_EXPECT_EQ(test, ppc_rpn(r), gfn);
	KUNIT_EXPECT_EQ(test, ppc_pp(r), PP_RW_RW);

	/* Back, from another page the host maps read-only this time. */
	KUNIT_ASSERT_EQ(test, instantiate(test, i, gfn, 0x888, false), 0);
	KUNIT_EXPECT_EQ(test, access(test, ea, KVMMU_READ, &pfn), 0);
	KUNIT_EXPECT_EQ(test, pfn, 0x888UL);
	KUNIT_EXPECT_EQ(test, access(test, ea, KVMMU_WRITE, &pfn), -EACCES);
	KUNIT_EXPECT_FALSE(test, lookup(test, ea).writable);
	/* The guest's view is untouched by that. */
	h_read(test, i, &v, &r);
	KUNIT_EXPECT_EQ(test, ppc_pp(r), PP_RW_RW);

	/* Relocation off: a guest real address, which nothing maps. */
	t->pv.msr = 0;
	KUNIT_EXPECT_EQ(test, access(test, ea, KVMMU_READ, &pfn), -ENOENT);
}

/* R and C: set by accesses, harvested on zap, cleared by aging. */
static void hpt_rc_harvest(struct kunit *test)
{
	const u64 ea = (9ULL << 40) + 0x5000, gfn = SLOT_BASE + 7;
	struct hpt_test *t = test->priv;
	struct ppc_hpt *hpt = hpt_of(test);
	unsigned long *rmapp = rmap_of(test, gfn);
	u64 v, r, rets[2];
	long i;

	t->pv.msr = KVMMU_PPC_MSR_DR;
	i = enter(test, ea, false, gfn, PP_RW_RW);
	KUNIT_ASSERT_EQ(test, instantiate(test, i, gfn, 0x999, true), 0);
	KUNIT_EXPECT_FALSE(test, age(test, gfn, false));
	KUNIT_ASSERT_EQ(test, access(test, ea, KVMMU_WRITE, NULL), 0);
	KUNIT_EXPECT_TRUE(test, lookup(test, ea).dirty);
	h_read(test, i, &v, &r);
	KUNIT_EXPECT_EQ(test, r & (HPTE_R_R | HPTE_R_C), HPTE_R_R | HPTE_R_C);

	/* The zap moves them into the rmap summary and the guest's view. */
	KUNIT_EXPECT_TRUE(test, zap(test, gfn, gfn + 1));
	KUNIT_EXPECT_EQ(test, *rmapp & (PPC_RMAP_R | PPC_RMAP_C),
			PPC_RMAP_R | PPC_RMAP_C);
	KUNIT_EXPECT_EQ(test, hpt->rev[i].guest_rpte & (HPTE_R_R | HPTE_R_C),
			HPTE_R_R | HPTE_R_C);
	h_read(test, i, &v, &r);
	KUNIT_EXPECT_EQ(test, r & (HPTE_R_R | HPTE_R_C), HPTE_R_R | HPTE_R_C);

	/* Aging sees the summary; testing leaves it, clearing does not. */
	KUNIT_EXPECT_TRUE(test, age(test, gfn, false));
	KUNIT_EXPECT_TRUE(test, age(test, gfn, false));
	KUNIT_EXPECT_TRUE(test, age(test, gfn, true));
	KUNIT_EXPECT_FALSE(test, age(test, gfn, true));
	KUNIT_EXPECT_FALSE(test, *rmapp & PPC_RMAP_R);
	KUNIT_EXPECT_TRUE(test, *rmapp & PPC_RMAP_C);

	/* A new instantiation starts with R and C clear. */
	KUNIT_ASSERT_EQ(test, instantiate(test, i, gfn, 0x999, true), 0);
	KUNIT_EXPECT_FALSE(test, lookup(test, ea).accessed);
	KUNIT_EXPECT_FALSE(test, lookup(test, ea).dirty);
	KUNIT_EXPECT_FALSE(test, age(test, gfn, false));
	KUNIT_ASSERT_EQ(test, access(test, ea, KVMMU_READ, NULL), 0);
	KUNIT_EXPECT_TRUE(test, age(test, gfn, false));
	KUNIT_EXPECT_TRUE(test, lookup(test, ea).accessed);
	KUNIT_EXPECT_TRUE(test, age(test, gfn, true));
	KUNIT_EXPECT_FALSE(test, lookup(test, ea).accessed);
	KUNIT_EXPECT_TRUE(test, hpt->rev[i].guest_rpte & HPTE_R_R);
	KUNIT_EXPECT_FALSE(test, age(test, gfn, false));
	KUNIT_EXPECT_FALSE(test, lookup(test, ea).dirty);

	/* H_CLEAR_MOD: the old r, C gone from the HPTE, kept for the host. */
	KUNIT_ASSERT_EQ(test, access(test, ea, KVMMU_WRITE, NULL), 0);
	WRITE_ONCE(*rmapp, *rmapp & ~PPC_RMAP_C);
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_h_clear_rc(t->vm, 0, i, HPTE_R_C, rets),
			(long)KVMMU_PPC_H_SUCCESS);
	KUNIT_EXPECT_TRUE(test, rets[0] & HPTE_R_C);
	KUNIT_EXPECT_FALSE(test, lookup(test, ea).dirty);
	KUNIT_EXPECT_TRUE(test, lookup(test, ea).accessed);
	KUNIT_EXPECT_TRUE(test, *rmapp & PPC_RMAP_C);
	h_read(test, i, &v, &r);
	KUNIT_EXPECT_FALSE(test, r & HPTE_R_C);
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_h_clear_rc(t->vm, 0, i, HPTE_R_R, rets),
			(long)KVMMU_PPC_H_SUCCESS);
	KUNIT_EXPECT_TRUE(test, rets[0] & HPTE_R_R);
	KUNIT_EXPECT_FALSE(test, lookup(test, ea).accessed);
	KUNIT_EXPECT_TRUE(test, *rmapp & PPC_RMAP_R);
}

/* The retry check under the rmap lock: seq, and the range in progress. */
/*
 * C is how a guest write reaches the host: the page is dirtied when C is
 * harvested (zap, H_CLEAR_MOD), and only then, or swap-out would write
 * back (or drop) a page without the guest's data.
 */
static void hpt_dirty_reaches_host(struct kunit *test)
{
	const u64 ea = (10ULL << 40) + 0x6000, gfn = SLOT_BASE + 8;
	struct hpt_test *t = test->priv;
	struct page *page = alloc_page(GFP_KERNEL);
	u64 rets[2];
	long i;

	KUNIT_ASSERT_NOT_NULL(test, page);
	t->pv.msr = KVMMU_PPC_MSR_DR;
	i = enter(test, ea, false, gfn, PP_RW_RW);
	KUNIT_ASSERT_EQ(test, instantiate_page(test, i, gfn, page), 0);

	/* Read only: neither H_CLEAR_MOD nor the zap dirties the page. */
	KUNIT_ASSERT_EQ(test, access(test, ea, KVMMU_READ, NULL), 0);
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_h_clear_rc(t->vm, 0, i, HPTE_R_C, rets),
			(long)KVMMU_PPC_H_SUCCESS);
	KUNIT_EXPECT_FALSE(test, PageDirty(page));

	/* A write, then H_CLEAR_MOD: the host page is dirty. */
	KUNIT_ASSERT_EQ(test, access(test, ea, KVMMU_WRITE, NULL), 0);
	KUNIT_EXPECT_FALSE(test, PageDirty(page));
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_h_clear_rc(t->vm, 0, i, HPTE_R_C, rets),
			(long)KVMMU_PPC_H_SUCCESS);
	KUNIT_EXPECT_TRUE(test, PageDirty(page));

	/* A write, then the zap. */
	ClearPageDirty(page);
	KUNIT_ASSERT_EQ(test, access(test, ea, KVMMU_WRITE, NULL), 0);
	KUNIT_EXPECT_TRUE(test, zap(test, gfn, gfn + 1));
	KUNIT_EXPECT_TRUE(test, PageDirty(page));

	/* Re-instantiated and only read: the zap leaves the page clean. */
	ClearPageDirty(page);
	KUNIT_ASSERT_EQ(test, instantiate_page(test, i, gfn, page), 0);
	KUNIT_ASSERT_EQ(test, access(test, ea, KVMMU_READ, NULL), 0);
	KUNIT_EXPECT_TRUE(test, zap(test, gfn, gfn + 1));
	KUNIT_EXPECT_FALSE(test, PageDirty(page));
	__free_page(page);
}

static void hpt_install_retry(struct kunit *test)
{
	const u64 ea = (6ULL << 40) + 0x8000, gfn = SLOT_BASE + 20;
	struct hpt_test *t = test->priv;
	struct kvmmu_vm *vm = t->vm;
	unsigned long seq = vm->mmu_invalidate_seq;
	struct ppc_hpt *hpt = hpt_of(test);
	u64 *hptep;
	long i;

	t->pv.msr = KVMMU_PPC_MSR_DR;
	i = enter(test, ea, false, gfn, PP_RW_RW);
	hptep = ppc_hptep(hpt, i);

	/* An invalidation of this page in progress: retry, nothing linked. */
	spin_lock(&vm->mmu_lock);
	kvmmu_mmu_invalidate_begin(vm);
	kvmmu_mmu_invalidate_range_add(vm, gfn, gfn + 1);
	spin_unlock(&vm->mmu_lock);
	kvmmu_ppc_hpte_lock(hptep);
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_hpte_install(vm, hpt, i, rmap_of(test, gfn),
						     0x123, true, false, seq),
			-EAGAIN);
	kvmmu_ppc_hpte_unlock(hptep);
	KUNIT_EXPECT_FALSE(test, *rmap_of(test, gfn) & PPC_RMAP_PRESENT);
	KUNIT_EXPECT_EQ(test, access(test, ea, KVMMU_READ, NULL), -ENOENT);

	/* It ends: seq moved, so what was looked up before is stale. */
	spin_lock(&vm->mmu_lock);
	kvmmu_mmu_invalidate_end(vm);
	spin_unlock(&vm->mmu_lock);
	kvmmu_ppc_hpte_lock(hptep);
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_hpte_install(vm, hpt, i, rmap_of(test, gfn),
						     0x123, true, false, seq),
			-EAGAIN);
	kvmmu_ppc_hpte_unlock(hptep);

	/* One elsewhere in progress: a fresh lookup here goes in. */
	seq = vm->mmu_invalidate_seq;
	spin_lock(&vm->mmu_lock);
	kvmmu_mmu_invalidate_begin(vm);
	kvmmu_mmu_invalidate_range_add(vm, gfn + 1, gfn + 100);
	spin_unlock(&vm->mmu_lock);
	kvmmu_ppc_hpte_lock(hptep);
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_hpte_install(vm, hpt, i, rmap_of(test, gfn),
						     0x123, true, false, seq), 0);
	kvmmu_ppc_hpte_unlock(hptep);
	KUNIT_EXPECT_EQ(test, access(test, ea, KVMMU_READ, NULL), 0);
	spin_lock(&vm->mmu_lock);
	kvmmu_mmu_invalidate_end(vm);
	spin_unlock(&vm->mmu_lock);
}

#define RING_PAGES	8
#define RING_SLOTS	256

/* Walk the ring of @page and compare it with the model. */
static void ring_check(struct kunit *test, const int *model, int page)
{
	struct ppc_hpt *hpt = hpt_of(test);
	unsigned long w = *rmap_of(test, SLOT_BASE + page);
	int expect = 0, seen = 0, k;
	u32 head, i;

	for (k = 0; k < RING_SLOTS; k++)
		expect += model[k] == page;
	KUNIT_ASSERT_EQ_MSG(test, !!(w & PPC_RMAP_PRESENT), expect > 0,
			    "page %d", page);
	if (!expect)
		return;
	head = w & PPC_RMAP_INDEX;
	i = head;
	do {
		KUNIT_ASSERT_LT(test, i, (u32)RING_SLOTS);
		KUNIT_ASSERT_EQ_MSG(test, model[i], page, "HPTE %u", i);
		KUNIT_ASSERT_EQ(test, hpt->rev[hpt->rev[i].forw].back, i);
		KUNIT_ASSERT_LE(test, ++seen, expect);
		i = hpt->rev[i].forw;
	} while (i != head);
	KUNIT_ASSERT_EQ_MSG(test, seen, expect, "page %d", page);
}

/* Random links and unlinks of HPTEs into the rings of a few pages. */
static void hpt_ring_random(struct kunit *test)
{
	struct ppc_hpt *hpt = hpt_of(test);
	struct rnd_state rnd;
	int *model, n, p;

	model = kunit_kmalloc_array(test, RING_SLOTS, sizeof(*model),
				    GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, model);
	memset(model, 0xff, RING_SLOTS * sizeof(*model));
	prandom_seed_state(&rnd, 0x5eed);
	for (n = 0; n < 4000; n++) {
		u32 i = prandom_u32_state(&rnd) % RING_SLOTS;
		unsigned long *rmapp;

		if (model[i] < 0) {
			model[i] = prandom_u32_state(&rnd) % RING_PAGES;
			rmapp = rmap_of(test, SLOT_BASE + model[i]);
			kvmmu_ppc_rmap_lock(rmapp);
			kvmmu_ppc_rmap_link(hpt, rmapp, i);
			kvmmu_ppc_rmap_unlock(rmapp);
		} else {
			bool ok;

			rmapp = rmap_of(test, SLOT_BASE + model[i]);
			kvmmu_ppc_rmap_lock(rmapp);
			ok = kvmmu_ppc_rmap_unlink(hpt, rmapp, i);
			kvmmu_ppc_rmap_unlock(rmapp);
			KUNIT_ASSERT_TRUE_MSG(test, ok, "HPTE %u", i);
			KUNIT_ASSERT_EQ(test, hpt->rev[i].forw, i);
			model[i] = -1;
		}
		if (n % 64 == 0)
			for (p = 0; p < RING_PAGES; p++)
				ring_check(test, model, p);
	}
	for (p = 0; p < RING_PAGES; p++)
		ring_check(test, model, p);
	/* Empty them all: no page is left present. */
	for (n = 0; n < RING_SLOTS; n++) {
		unsigned long *rmapp;

		if (model[n] < 0)
			continue;
		rmapp = rmap_of(test, SLOT_BASE + model[n]);
		KUNIT_ASSERT_TRUE(test, kvmmu_ppc_rmap_unlink(hpt, rmapp, n));
		model[n] = -1;
	}
	for (p = 0; p < RING_PAGES; p++)
		KUNIT_EXPECT_EQ(test, *rmap_of(test, SLOT_BASE + p), 0UL);
}

/* Enter a valid VRMA HPTE at index @i for @gfn (what a real-mode fault
 * does), absent if @absent.
 */
static void vrma(struct kunit *test, u32 i, u64 gfn, bool absent)
{
	struct hpt_test *t = test->priv;
	struct ppc_hpt *hpt = hpt_of(test);
	u64 *hptep = ppc_hptep(hpt, i);

	KUNIT_ASSERT_EQ(test, kvmmu_ppc_hpt_claim_exact(t->vm, hpt, i), 0);
	hpt->rev[i].guest_rpte = (gfn << HPTE_R_RPN_SHIFT) | HPTE_R_M |
				 PP_RW_RW;
	hpt->rev[i].flags = PPC_REV_VRMA;
	kvmmu_ppc_hpte_set_v(hptep, ppc_hpte_va_bits(KVMMU_PPC_VRMA_VSID,
						     gfn << PAGE_SHIFT) |
			      HPTE_V_ABSENT);
	KUNIT_ASSERT_EQ(test, kvmmu_ppc_hpte_install(t->vm, hpt, i,
						     rmap_of(test, gfn), gfn + 0x1000,
						     true, false,
						     t->vm->mmu_invalidate_seq), 0);
	kvmmu_ppc_hpte_unlock(hptep);
	if (absent)
		KUNIT_ASSERT_TRUE(test, zap(test, gfn, gfn + 1));
}

/* Enter a guest HPTE at index @i exactly. */
static long enter_exact(struct kunit *test, u32 i)
{
	struct hpt_test *t = test->priv;
	u64 index = 0;

	return kvmmu_ppc_h_enter(t->vm, PPC_H_EXACT, i,
				 pteh_of((1ULL << 40) + i * PAGE_SIZE, false),
				 ptel_of(SLOT_BASE, PP_RW_RW), &index);
}

/* VRMA HPTEs make room (absent ones first); guest HPTEs never do. */
static void hpt_eviction(struct kunit *test)
{
	const u32 g = 5, g2 = 9, base = g * HPTES_PER_GROUP;
	const u32 base2 = g2 * HPTES_PER_GROUP;
	struct hpt_test *t = test->priv;
	struct ppc_hpt *hpt = hpt_of(test);
	u64 index = 0;
	long i;
	int k;

	for (k = 0; k < 7; k++)
		KUNIT_ASSERT_EQ(test, enter_exact(test, base + k),
				(long)KVMMU_PPC_H_SUCCESS);
	vrma(test, base + 7, SLOT_BASE + 10, false);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.mapped_pages), 1);

	/* Full: the VRMA HPTE goes, its page's ring with it. */
	i = kvmmu_ppc_hpt_claim(t->vm, hpt, &g, 1);
	KUNIT_ASSERT_EQ(test, i, (long)base + 7);
	kvmmu_ppc_hpte_unlock(ppc_hptep(hpt, i));
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.hpte_evictions), 1);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.mapped_pages), 0);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.sptes_zapped), 1);
	KUNIT_EXPECT_FALSE(test, *rmap_of(test, SLOT_BASE + 10) &
				 PPC_RMAP_PRESENT);
	KUNIT_EXPECT_EQ(test, *ppc_hptep(hpt, i), 0ULL);

	/* The guest gets that free one; then the group is the guest's. */
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_h_enter(t->vm, 0, base + 3,
						pteh_of((2ULL << 40), false),
						ptel_of(SLOT_BASE, PP_RW_RW), &index),
			(long)KVMMU_PPC_H_SUCCESS);
	KUNIT_EXPECT_EQ(test, index, (u64)base + 7);
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_hpt_claim(t->vm, hpt, &g, 1), (long)-ENOSPC);
	KUNIT_EXPECT_EQ(test, kvmmu_ppc_h_enter(t->vm, 0, base,
						pteh_of((2ULL << 40), false),
						ptel_of(SLOT_BASE, PP_RW_RW), &index),
			(long)KVMMU_PPC_H_PTEG_FULL);
	KUNIT_EXPECT_EQ(test, enter_exact(test, base + 2),
			(long)KVMMU_PPC_H_PTEG_FULL);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.hpte_evictions), 1);

	/* An absent VRMA HPTE goes before a valid one. */
	for (k = 0; k < 8; k++)
		if (k != 2 && k != 5)
			KUNIT_ASSERT_EQ(test, enter_exact(test, base2 + k),
					(long)KVMMU_PPC_H_SUCCESS);
	vrma(test, base2 + 2, SLOT_BASE + 11, false);
	vrma(test, base2 + 5, SLOT_BASE + 12, true);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.mapped_pages), 1);
	i = kvmmu_ppc_hpt_claim(t->vm, hpt, &g2, 1);
	KUNIT_ASSERT_EQ(test, i, (long)base2 + 5);
	kvmmu_ppc_hpte_unlock(ppc_hptep(hpt, i));
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.mapped_pages), 1);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.hpte_evictions), 2);

	/* H_ENTER exactly on a valid VRMA HPTE evicts it. */
	KUNIT_EXPECT_EQ(test, enter_exact(test, base2 + 2),
			(long)KVMMU_PPC_H_SUCCESS);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.mapped_pages), 0);
	KUNIT_EXPECT_EQ(test, stat(&t->vm->stat.hpte_evictions), 3);
	KUNIT_EXPECT_FALSE(test, *rmap_of(test, SLOT_BASE + 11) &
				 PPC_RMAP_PRESENT);
}

static struct kunit_case hpt_test_cases[] = {
	KUNIT_CASE(hpt_hash_by_hand),
	KUNIT_CASE(hpt_group_search),
	KUNIT_CASE(hpt_page_protection),
	KUNIT_CASE(hpt_absent_reinstantiate),
	KUNIT_CASE(hpt_rc_harvest),
	KUNIT_CASE(hpt_dirty_reaches_host),
	KUNIT_CASE(hpt_install_retry),
	KUNIT_CASE(hpt_ring_random),
	KUNIT_CASE(hpt_eviction),
	{}
};

static struct kunit_suite hpt_test_suite = {
	.name = "kvmmu_ppc_hpt",
	.init = hpt_test_init,
	.test_cases = hpt_test_cases,
};

kunit_test_suite(hpt_test_suite);
