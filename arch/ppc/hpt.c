// SPDX-License-Identifier: GPL-2.0
/*
 * Book3S HV: the hashed page table itself.  Allocation, the hash and the
 * hardware's group search, the HPTE lock, the revmap rings and the rmap
 * word lock, and the HPTE transitions built from them (instantiate, make
 * absent, evict).  Encodings and the locking rules: arch/ppc/hpt.h.
 */
#include <linux/bit_spinlock.h>
#include <linux/bitops.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "hpt.h"

/**
 * kvmmu_ppc_hpt_alloc() - an empty hashed page table
 * @order: log2 of its size in bytes, KVMMU_PPC_HPT_ORDER_MIN..MAX
 *
 * May sleep.  Return: the table, or NULL.
 */
struct ppc_hpt *kvmmu_ppc_hpt_alloc(u32 order)
{
	u32 npte = 1U << (order - 4);
	struct ppc_hpt *hpt;

	hpt = kzalloc(sizeof(*hpt), GFP_KERNEL_ACCOUNT);
	if (!hpt)
		return NULL;
	hpt->virt = __vmalloc(1UL << order, GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	hpt->rev = __vmalloc(array_size(npte, sizeof(*hpt->rev)),
			     GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	if (!hpt->virt || !hpt->rev) {
		kvmmu_ppc_hpt_free(hpt);
		return NULL;
	}
	hpt->order = order;
	hpt->npte = npte;
	hpt->mask = npte / HPTES_PER_GROUP - 1;
	return hpt;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_hpt_alloc);

void kvmmu_ppc_hpt_free(struct ppc_hpt *hpt)
{
	if (!hpt)
		return;
	vfree(hpt->virt);
	vfree(hpt->rev);
	kfree(hpt);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_hpt_free);

/**
 * kvmmu_ppc_hpt_hash() - the hash of a 4 KiB page in a 1 TiB segment
 * @vsid: the segment's VSID
 * @off: the address's offset in the segment (higher bits are ignored)
 *
 * Return: the hash; the primary PTEG is hash & mask, the secondary
 * ~hash & mask.
 */
u64 kvmmu_ppc_hpt_hash(u64 vsid, u64 off)
{
	return vsid ^ (vsid << 25) ^ ((off & PPC_SEG_OFFSET) >> PAGE_SHIFT);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_hpt_hash);

/**
 * kvmmu_ppc_hpt_search() - find the HPTE of a VA, as the hardware does
 * @hpt: the table
 * @vsid: VSID of the segment
 * @off: offset in the segment
 * @valid: the v bits that make an HPTE a candidate: HPTE_V_VALID (the
 *	hardware) or HPTE_V_VALID | HPTE_V_ABSENT (the fault handler)
 *
 * The primary PTEG is searched for an HPTE with H clear, then the
 * secondary for one with H set.  No lock needed: the result is only a
 * hint unless the caller holds mmu_lock and asked for valid ones (then
 * it is the HPTE the hardware would use).
 *
 * Return: the index, or -1.
 */
long kvmmu_ppc_hpt_search(struct ppc_hpt *hpt, u64 vsid, u64 off, u64 valid)
{
	const u64 match = HPTE_V_AVPN | HPTE_V_B | HPTE_V_LARGE |
			  HPTE_V_SECONDARY;
	u64 want = ppc_hpte_va_bits(vsid, off);
	u64 hash = kvmmu_ppc_hpt_hash(vsid, off);
	int h, k;

	for (h = 0; h < 2; h++) {
		u32 i = ((h ? ~hash : hash) & hpt->mask) * HPTES_PER_GROUP;

		for (k = 0; k < HPTES_PER_GROUP; k++, i++) {
			/* Pairs with the release in kvmmu_ppc_hpte_set_v(). */
			u64 v = smp_load_acquire(ppc_hptep(hpt, i));

			if ((v & valid) &&
			    (v & match) == (want | (h ? HPTE_V_SECONDARY : 0)))
				return i;
		}
	}
	return -1;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_hpt_search);

/**
 * kvmmu_ppc_pp_allows() - does r's page protection permit an access?
 * @r: an HPTE's r word (or the guest's view of it)
 * @user: a problem-state access (key 1), else supervisor (key 0)
 * @type: read, write or fetch
 */
bool kvmmu_ppc_pp_allows(u64 r, bool user, enum kvmmu_access_type type)
{
	bool read, write;

	switch (ppc_pp(r)) {
	case PP_RW_NONE:
		read = !user;
		write = !user;
		break;
	case PP_RW_RO:
		read = true;
		write = !user;
		break;
	case PP_RW_RW:
		read = true;
		write = true;
		break;
	case PP_RO_RO:
		read = true;
		write = false;
		break;
	case PP_RO_NONE:
		read = !user;
		write = false;
		break;
	default:	/* reserved: no access */
		read = false;
		write = false;
		break;
	}
	if (type == KVMMU_WRITE)
		return write;
	if (type == KVMMU_FETCH)
		return read && !(r & HPTE_R_N);
	return read;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_pp_allows);

/* The same protection, without write access for anyone. */
static u64 ppc_make_readonly(u64 r)
{
	switch (ppc_pp(r)) {
	case PP_RW_NONE:
		return (r & ~HPTE_R_PP) | HPTE_R_PP0 | (PP_RO_NONE & 3);
	case PP_RW_RO:
	case PP_RW_RW:
		return (r & ~HPTE_R_PP) | PP_RO_RO;
	default:
		return r;
	}
}

/*
 * The HPTE lock: HVLOCK in v, a bit lock taken with preemption off, as
 * upstream's try_lock_hpte().  Its holder may rewrite v (keeping HVLOCK
 * set, kvmmu_ppc_hpte_set_v()); others only try to set the bit atomically,
 * which fails while it is held, so no update is lost.
 */
bool kvmmu_ppc_hpte_trylock(u64 *hptep)
{
	BUILD_BUG_ON(sizeof(unsigned long) != sizeof(u64));
	preempt_disable();
	if (!test_and_set_bit_lock(HPTE_V_HVLOCK_BIT, (unsigned long *)hptep))
		return true;
	preempt_enable();
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_hpte_trylock);

void kvmmu_ppc_hpte_lock(u64 *hptep)
{
	while (!kvmmu_ppc_hpte_trylock(hptep)) {
		while (READ_ONCE(*hptep) & HPTE_V_HVLOCK)
			cpu_relax();
	}
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_hpte_lock);

void kvmmu_ppc_hpte_unlock(u64 *hptep)
{
	clear_bit_unlock(HPTE_V_HVLOCK_BIT, (unsigned long *)hptep);
	preempt_enable();
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_hpte_unlock);

/*
 * Write v of an HPTE its caller has locked.  Release: r and the revmap
 * entry, written before, are seen by whoever sees the new v.
 */
void kvmmu_ppc_hpte_set_v(u64 *hptep, u64 v)
{
	/* Pairs with smp_load_acquire() in kvmmu_ppc_hpt_search(). */
	smp_store_release(hptep, v | HPTE_V_HVLOCK);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_hpte_set_v);

void kvmmu_ppc_rmap_lock(unsigned long *rmapp)
	__acquires(rmapp)
{
	bit_spin_lock(PPC_RMAP_LOCK_BIT, rmapp);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_rmap_lock);

void kvmmu_ppc_rmap_unlock(unsigned long *rmapp)
	__releases(rmapp)
{
	bit_spin_unlock(PPC_RMAP_LOCK_BIT, rmapp);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_rmap_unlock);

/**
 * kvmmu_ppc_rmap_link() - add HPTE @i to the ring of the page of @rmapp
 * @hpt: the table
 * @rmapp: the page's rmap word, locked
 * @i: the HPTE, locked, not in any ring
 *
 * It goes in last (before the first).
 */
void kvmmu_ppc_rmap_link(struct ppc_hpt *hpt, unsigned long *rmapp, u32 i)
{
	struct ppc_rev *rev = hpt->rev;
	unsigned long w = READ_ONCE(*rmapp);
	u32 head, tail;

	if (!(w & PPC_RMAP_PRESENT)) {
		rev[i].forw = i;
		rev[i].back = i;
		WRITE_ONCE(*rmapp,
			   (w & ~PPC_RMAP_INDEX) | PPC_RMAP_PRESENT | i);
		return;
	}
	head = w & PPC_RMAP_INDEX;
	tail = rev[head].back;
	rev[i].forw = head;
	rev[i].back = tail;
	rev[tail].forw = i;
	rev[head].back = i;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_rmap_link);

/**
 * kvmmu_ppc_rmap_unlink() - take HPTE @i out of the ring of the page of @rmapp
 * @hpt: the table
 * @rmapp: the page's rmap word, locked
 * @i: the HPTE, locked, in that ring
 *
 * Return: false, changing nothing, if the ring and @i disagree (the caller
 * reports it).
 */
bool kvmmu_ppc_rmap_unlink(struct ppc_hpt *hpt, unsigned long *rmapp, u32 i)
{
	struct ppc_rev *rev = hpt->rev;
	unsigned long w = READ_ONCE(*rmapp);
	u32 head = w & PPC_RMAP_INDEX, j = rev[i].forw, h = rev[i].back;

	if (!(w & PPC_RMAP_PRESENT) || head >= hpt->npte ||
	    j >= hpt->npte || h >= hpt->npte ||
	    rev[j].back != i || rev[h].forw != i)
		return false;
	if (j == i) {
		if (head != i)
			return false;
		w &= ~(PPC_RMAP_PRESENT | PPC_RMAP_INDEX);
	} else {
		rev[h].forw = j;
		rev[j].back = h;
		if (head == i)
			w = (w & ~PPC_RMAP_INDEX) | j;
	}
	WRITE_ONCE(*rmapp, w);
	rev[i].forw = i;
	rev[i].back = i;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_rmap_unlink);

/**
 * kvmmu_ppc_hpte_unmap() - make a valid HPTE absent (or free), harvesting R/C
 * @vm: the VM, mmu_lock held
 * @hpt: its table
 * @i: the HPTE, locked and valid; the rmap word of its page locked
 * @free: clear it altogether (eviction, H_REMOVE) instead of leaving it
 *	absent with its guest view, to be instantiated again
 *
 * R and C go to the host page (C is what makes it dirty for the host),
 * into the rmap word's summary bits and into the guest's view.
 */
void kvmmu_ppc_hpte_unmap(struct kvmmu_vm *vm, struct ppc_hpt *hpt, u32 i,
			  bool free)
{
	u64 *hptep = ppc_hptep(hpt, i);
	struct ppc_rev *rev = &hpt->rev[i];
	u64 v = READ_ONCE(hptep[0]), r = READ_ONCE(hptep[1]);
	u64 rc = r & (HPTE_R_R | HPTE_R_C);

	lockdep_assert_held(&vm->mmu_lock);
	if (kvmmu_bug_on(!(v & HPTE_V_VALID), vm))
		return;
	/* A broken ring is reported; the HPTE goes all the same. */
	if (!kvmmu_bug_on(!rev->rmap || !kvmmu_ppc_rmap_unlink(hpt, rev->rmap,
							       i),
			  vm))
		WRITE_ONCE(*rev->rmap,
			   *rev->rmap | (rc << PPC_RMAP_RC_SHIFT));
	rev->guest_rpte |= rc;
	kvmmu_ppc_hpte_set_v(hptep, free ? 0 :
			     (v & ~HPTE_V_VALID) | HPTE_V_ABSENT);
	WRITE_ONCE(hptep[1], 0);
	kvmmu_mmu_leaf_dropped(ppc_rpn(r), rev->flags & PPC_REV_REFCOUNTED,
			       r & HPTE_R_R, r & HPTE_R_C);
	rev->rmap = NULL;
	rev->flags &= ~PPC_REV_REFCOUNTED;
	if (free) {
		rev->guest_rpte = 0;
		rev->flags = 0;
	}
	atomic64_dec(&vm->stat.mapped_pages);
	atomic64_inc(&vm->stat.sptes_zapped);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_hpte_unmap);

/**
 * kvmmu_ppc_hpte_zap_locked() - make a locked HPTE absent, or free it
 * @vm: the VM, mmu_lock held
 * @hpt: its table
 * @i: the HPTE, locked
 * @free: free it (valid or absent), rather than make a valid one absent
 */
void kvmmu_ppc_hpte_zap_locked(struct kvmmu_vm *vm, struct ppc_hpt *hpt, u32 i,
			       bool free)
{
	u64 *hptep = ppc_hptep(hpt, i);
	struct ppc_rev *rev = &hpt->rev[i];

	lockdep_assert_held(&vm->mmu_lock);
	if (READ_ONCE(hptep[0]) & HPTE_V_VALID) {
		unsigned long *rmapp = rev->rmap;

		if (kvmmu_bug_on(!rmapp, vm))
			return;
		kvmmu_ppc_rmap_lock(rmapp);
		kvmmu_ppc_hpte_unmap(vm, hpt, i, free);
		kvmmu_ppc_rmap_unlock(rmapp);
	} else if (free) {
		kvmmu_ppc_hpte_set_v(hptep, 0);
		WRITE_ONCE(hptep[1], 0);
		rev->guest_rpte = 0;
		rev->flags = 0;
	}
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_hpte_zap_locked);

/**
 * kvmmu_ppc_hpte_install() - instantiate an absent HPTE
 * @vm: the VM; mmu_lock NOT held (it may be)
 * @hpt: its table
 * @i: the HPTE, locked and not valid; its guest view in the revmap
 * @rmapp: the rmap word of the guest page it maps
 * @pfn: the host page
 * @writable: the host page may be written (else the HPTE is read-only,
 *	whatever the guest allowed)
 * @refcounted: @pfn is a refcounted host page
 * @mmu_seq: mmu_invalidate_seq sampled before @pfn was looked up
 *
 * The retry check runs under the page's rmap lock, which every
 * invalidation of the page takes after counting itself in progress; see
 * kvmmu_mmu_invalidate_retry_unlocked().
 *
 * Return: 0, or -EAGAIN if an invalidation raced with the lookup.
 */
int kvmmu_ppc_hpte_install(struct kvmmu_vm *vm, struct ppc_hpt *hpt, u32 i,
			   unsigned long *rmapp, unsigned long pfn,
			   bool writable, bool refcounted,
			   unsigned long mmu_seq)
{
	u64 *hptep = ppc_hptep(hpt, i);
	struct ppc_rev *rev = &hpt->rev[i];
	u64 v = READ_ONCE(hptep[0]), r;

	if (kvmmu_bug_on(v & HPTE_V_VALID, vm))
		return -EIO;
	/* R and C start clear: they say what happened through this HPTE. */
	r = rev->guest_rpte & (HPTE_R_PP | HPTE_R_PP0 | HPTE_R_N);
	if (!writable)
		r = ppc_make_readonly(r);
	r |= HPTE_R_M | ((u64)pfn << HPTE_R_RPN_SHIFT);

	kvmmu_ppc_rmap_lock(rmapp);
	if (kvmmu_mmu_invalidate_retry_unlocked(vm, mmu_seq,
						ppc_rpn(rev->guest_rpte))) {
		kvmmu_ppc_rmap_unlock(rmapp);
		return -EAGAIN;
	}
	kvmmu_ppc_rmap_link(hpt, rmapp, i);
	rev->rmap = rmapp;
	rev->flags = (rev->flags & PPC_REV_VRMA) |
		     (refcounted ? PPC_REV_REFCOUNTED : 0);
	WRITE_ONCE(hptep[1], r);
	kvmmu_ppc_hpte_set_v(hptep, (v & ~HPTE_V_ABSENT) | HPTE_V_VALID);
	atomic64_inc(&vm->stat.mapped_pages);
	kvmmu_ppc_rmap_unlock(rmapp);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_hpte_install);

/* Wait for an HPTE lock someone else holds (rmap lock dropped). */
static void ppc_hpte_wait(u64 *hptep)
{
	while (READ_ONCE(*hptep) & HPTE_V_HVLOCK)
		cpu_relax();
}

/**
 * kvmmu_ppc_zap_rmap() - make every HPTE that maps a guest page absent
 * @vm: the VM, mmu_lock held
 * @hpt: its table
 * @rmapp: the page's rmap word
 *
 * Return: whether any HPTE was valid.
 */
bool kvmmu_ppc_zap_rmap(struct kvmmu_vm *vm, struct ppc_hpt *hpt,
			unsigned long *rmapp)
{
	bool zapped = false;

	lockdep_assert_held(&vm->mmu_lock);
	for (;;) {
		unsigned long w;
		u64 *hptep;
		u32 i;

		kvmmu_ppc_rmap_lock(rmapp);
		w = READ_ONCE(*rmapp);
		if (!(w & PPC_RMAP_PRESENT))
			break;
		i = w & PPC_RMAP_INDEX;
		if (kvmmu_bug_on(i >= hpt->npte, vm))
			break;
		hptep = ppc_hptep(hpt, i);
		/* HPTE -> rmap is the order: only try it from here. */
		if (!kvmmu_ppc_hpte_trylock(hptep)) {
			kvmmu_ppc_rmap_unlock(rmapp);
			ppc_hpte_wait(hptep);
			continue;
		}
		if (kvmmu_bug_on(hpt->rev[i].rmap != rmapp ||
				 !(READ_ONCE(hptep[0]) & HPTE_V_VALID), vm)) {
			kvmmu_ppc_hpte_unlock(hptep);
			break;
		}
		kvmmu_ppc_hpte_unmap(vm, hpt, i, false);
		kvmmu_ppc_rmap_unlock(rmapp);
		kvmmu_ppc_hpte_unlock(hptep);
		zapped = true;
	}
	kvmmu_ppc_rmap_unlock(rmapp);
	return zapped;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_zap_rmap);

/**
 * kvmmu_ppc_age_rmap() - were the HPTEs of a guest page referenced?
 * @vm: the VM, mmu_lock held
 * @hpt: its table
 * @rmapp: the page's rmap word
 * @clear: clear R in them (recording it in the guest's view, as KVM
 *	does) and the rmap word's R summary; else only report
 *
 * Return: whether R was set in the summary or any HPTE of the ring.
 */
bool kvmmu_ppc_age_rmap(struct kvmmu_vm *vm, struct ppc_hpt *hpt,
			unsigned long *rmapp, bool clear)
{
	bool young = false;
	u32 head, i, j, n;

	lockdep_assert_held(&vm->mmu_lock);
retry:
	kvmmu_ppc_rmap_lock(rmapp);
	if (READ_ONCE(*rmapp) & PPC_RMAP_R) {
		young = true;
		if (!clear)
			goto out;
		WRITE_ONCE(*rmapp, *rmapp & ~PPC_RMAP_R);
		atomic64_inc(&vm->stat.young_cleared);
	}
	if (!(READ_ONCE(*rmapp) & PPC_RMAP_PRESENT))
		goto out;
	i = *rmapp & PPC_RMAP_INDEX;
	head = i;
	n = 0;
	do {
		u64 *hptep = ppc_hptep(hpt, i);

		if (kvmmu_bug_on(i >= hpt->npte || ++n > hpt->npte, vm))
			break;
		j = hpt->rev[i].forw;
		if (!(READ_ONCE(hptep[1]) & HPTE_R_R))
			continue;
		young = true;
		if (!clear)
			break;
		if (!kvmmu_ppc_hpte_trylock(hptep)) {
			kvmmu_ppc_rmap_unlock(rmapp);
			ppc_hpte_wait(hptep);
			goto retry;
		}
		if ((READ_ONCE(hptep[0]) & HPTE_V_VALID) &&
		    (hptep[1] & HPTE_R_R)) {
			WRITE_ONCE(hptep[1], hptep[1] & ~HPTE_R_R);
			hpt->rev[i].guest_rpte |= HPTE_R_R;
			atomic64_inc(&vm->stat.young_cleared);
		}
		kvmmu_ppc_hpte_unlock(hptep);
	} while ((i = j) != head);
out:
	kvmmu_ppc_rmap_unlock(rmapp);
	return young;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_age_rmap);

/**
 * kvmmu_ppc_hpt_zap_all() - make the valid HPTEs of gfns in a range absent
 * @vm: the VM, mmu_lock held
 * @hpt: its table
 * @start: first gfn
 * @end: end of the range (exclusive)
 *
 * A walk of the whole table, for callers that have no memslot (the mm going
 * away, the table being replaced).
 *
 * Return: whether any HPTE was valid.
 */
bool kvmmu_ppc_hpt_zap_all(struct kvmmu_vm *vm, struct ppc_hpt *hpt, u64 start,
			   u64 end)
{
	bool zapped = false;
	u32 i;

	lockdep_assert_held(&vm->mmu_lock);
	for (i = 0; i < hpt->npte; i++) {
		u64 *hptep = ppc_hptep(hpt, i);
		u64 gfn;

		if (!(READ_ONCE(hptep[0]) & HPTE_V_VALID))
			continue;
		kvmmu_ppc_hpte_lock(hptep);
		gfn = ppc_rpn(hpt->rev[i].guest_rpte);
		if ((READ_ONCE(hptep[0]) & HPTE_V_VALID) && gfn >= start &&
		    gfn < end) {
			kvmmu_ppc_hpte_zap_locked(vm, hpt, i, false);
			zapped = true;
		}
		kvmmu_ppc_hpte_unlock(hptep);
	}
	return zapped;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_hpt_zap_all);

/*
 * Can HPTE @i be taken?  Pass 0: a free one; 1: an absent VRMA one; 2: a
 * valid VRMA one.  Guest HPTEs are never taken.
 */
static bool ppc_hpte_candidate(struct ppc_hpt *hpt, u32 i, int pass)
{
	u64 v = READ_ONCE(*ppc_hptep(hpt, i));

	if (!(v & (HPTE_V_VALID | HPTE_V_ABSENT)))
		return true;
	if (!pass || !(READ_ONCE(hpt->rev[i].flags) & PPC_REV_VRMA))
		return false;
	return pass == 2 || !(v & HPTE_V_VALID);
}

/* Claim by evicting if need be; mmu_lock held.  Returns a locked index. */
static long ppc_hpt_evict(struct kvmmu_vm *vm, struct ppc_hpt *hpt,
			  const u32 *groups, int ngroups)
{
	u32 start = to_ppc(vm)->evict_next++;
	int pass, g, k;

	lockdep_assert_held(&vm->mmu_lock);
	for (pass = 0; pass < 3; pass++) {
		for (g = 0; g < ngroups; g++) {
			for (k = 0; k < HPTES_PER_GROUP; k++) {
				u32 i = groups[g] * HPTES_PER_GROUP +
					(start + k) % HPTES_PER_GROUP;
				u64 *hptep = ppc_hptep(hpt, i);

				if (!ppc_hpte_candidate(hpt, i, pass))
					continue;
				kvmmu_ppc_hpte_lock(hptep);
				if (!ppc_hpte_candidate(hpt, i, pass)) {
					kvmmu_ppc_hpte_unlock(hptep);
					continue;
				}
				if (READ_ONCE(hptep[0]) &
				    (HPTE_V_VALID | HPTE_V_ABSENT)) {
					kvmmu_ppc_hpte_zap_locked(vm, hpt, i,
								  true);
					atomic64_inc(&vm->stat.hpte_evictions);
				}
				return i;
			}
		}
	}
	return -ENOSPC;
}

/**
 * kvmmu_ppc_hpt_claim() - lock a free HPTE in one of a list of PTEGs
 * @vm: the VM; mmu_lock not held (taken to evict)
 * @hpt: its table
 * @groups: the PTEGs, in order of preference
 * @ngroups: how many
 *
 * A free HPTE if there is one, else a VRMA HPTE, evicted (absent ones
 * first, then valid ones from a rotating position).
 *
 * Return: the index of the HPTE, locked and free, or -ENOSPC.
 */
long kvmmu_ppc_hpt_claim(struct kvmmu_vm *vm, struct ppc_hpt *hpt,
			 const u32 *groups, int ngroups)
{
	long r;
	int g, k;

	/* Without mmu_lock, the common case. */
	for (g = 0; g < ngroups; g++) {
		for (k = 0; k < HPTES_PER_GROUP; k++) {
			u32 i = groups[g] * HPTES_PER_GROUP + k;
			u64 *hptep = ppc_hptep(hpt, i);

			if (READ_ONCE(*hptep) &
			    (HPTE_V_VALID | HPTE_V_ABSENT | HPTE_V_HVLOCK))
				continue;
			if (!kvmmu_ppc_hpte_trylock(hptep))
				continue;
			if (!(READ_ONCE(*hptep) & (HPTE_V_VALID | HPTE_V_ABSENT)))
				return i;
			kvmmu_ppc_hpte_unlock(hptep);
		}
	}
	spin_lock(&vm->mmu_lock);
	r = ppc_hpt_evict(vm, hpt, groups, ngroups);
	spin_unlock(&vm->mmu_lock);
	return r;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_hpt_claim);

/**
 * kvmmu_ppc_hpt_claim_exact() - lock HPTE @i, free, evicting a VRMA HPTE there
 * @vm: the VM; mmu_lock not held
 * @hpt: its table
 * @i: the HPTE
 *
 * Return: 0 with @i locked and free, or -ENOSPC if a guest HPTE is there.
 */
int kvmmu_ppc_hpt_claim_exact(struct kvmmu_vm *vm, struct ppc_hpt *hpt, u32 i)
{
	u64 *hptep = ppc_hptep(hpt, i);
	int r = 0;

	spin_lock(&vm->mmu_lock);
	kvmmu_ppc_hpte_lock(hptep);
	if (READ_ONCE(hptep[0]) & (HPTE_V_VALID | HPTE_V_ABSENT)) {
		if (hpt->rev[i].flags & PPC_REV_VRMA) {
			kvmmu_ppc_hpte_zap_locked(vm, hpt, i, true);
			atomic64_inc(&vm->stat.hpte_evictions);
		} else {
			kvmmu_ppc_hpte_unlock(hptep);
			r = -ENOSPC;
		}
	}
	spin_unlock(&vm->mmu_lock);
	return r;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_ppc_hpt_claim_exact);
