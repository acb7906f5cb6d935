// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 shadow MMU (KVMMU_VM_X86_SHADOW): shadow pages, their reverse
 * maps, write protection of guest page tables, and the backend callbacks.
 * See arch/x86/shadow.h for the data structures and Documentation/design.rst
 * for the whole picture.
 *
 * Everything here but the vCPU ioctls and the fault's preparation runs
 * under mmu_lock.  Leaves are found from their gfn through the rmap in the
 * memslot, so whoever tears one down holds the VM's SRCU (or slots_lock)
 * to look the memslot up; lockdep checks that in kvmmu_vm_memslots().
 */
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/uaccess.h>

#include "kvmmu/rmap.h"
#include "shadow.h"

/* Shadow pages kept at least, and per 50 guest pages (as KVM: 20/1000). */
#define SHADOW_MIN_PAGES	64
#define SHADOW_PAGES_RATIO	50
/* Guest writes to a shadowed table, unused in between, before it goes. */
#define SHADOW_WRITE_FLOODING	3

static struct kmem_cache *kvmmu_sp_cache;

static struct kvmmu_shadow_vm *to_shadow_vm(struct kvmmu_vm *vm)
{
	return vm->arch;
}

static bool spte_present(u64 spte)
{
	return spte & PT_PRESENT;
}

static unsigned long spte_pfn(u64 spte)
{
	return (spte & PT_ADDR_MASK) >> PAGE_SHIFT;
}

/* The shadow page a shadow entry lives in. */
static struct kvmmu_shadow_page *sptep_to_sp(u64 *sptep)
{
	return (struct kvmmu_shadow_page *)page_private(virt_to_page(sptep));
}

/* The shadow page a non-leaf shadow entry points to. */
static struct kvmmu_shadow_page *spte_to_child(u64 spte)
{
	return (struct kvmmu_shadow_page *)
		page_private(pfn_to_page(spte_pfn(spte)));
}

/* The gfn the leaf at @index of level-1 @sp maps. */
static u64 sp_leaf_gfn(const struct kvmmu_shadow_page *sp, unsigned int index)
{
	return sp->role.direct ? sp->gfn + index : sp->gfns[index];
}

/* The level-1 rmap head of @gfn, INVALID slots included. */
static unsigned long *shadow_rmap(struct kvmmu_vm *vm, u64 gfn)
{
	struct kvmmu_memory_slot *slot;

	slot = __kvmmu_gfn_to_memslot(kvmmu_vm_memslots(vm, 0), gfn);
	return slot ? kvmmu_memslot_rmap(slot, gfn, 1) : NULL;
}

/* Does @gfn hold a guest page table we shadow? */
static bool shadow_gfn_protected(struct kvmmu_vm *vm, u64 gfn)
{
	struct kvmmu_shadow_page *sp;

	lockdep_assert_held(&vm->mmu_lock);
	hash_for_each_possible(to_shadow_vm(vm)->hash, sp, hash_link, gfn)
		if (sp->gfn == gfn && !sp->role.direct)
			return true;
	return false;
}

/*
 * Remove the leaf at @sptep of level-1 @sp, whose rmap is @head (NULL:
 * look it up), handing its accessed/dirty state to the host page.
 */
static void shadow_drop_leaf(struct kvmmu_vm *vm, struct kvmmu_shadow_page *sp,
			     u64 *sptep, unsigned long *head)
{
	u64 spte = *sptep;

	lockdep_assert_held(&vm->mmu_lock);
	if (!head)
		head = shadow_rmap(vm, sp_leaf_gfn(sp, sptep - sp->spt));
	WRITE_ONCE(*sptep, 0);
	if (!kvmmu_bug_on(!head, vm))
		kvmmu_rmap_remove(vm, head, sptep);
	kvmmu_mmu_leaf_dropped(spte_pfn(spte), spte & SPTE_REFCOUNTED,
			       spte & PT_ACCESSED, spte & PT_DIRTY);
	atomic64_dec(&vm->stat.mapped_pages);
	atomic64_inc(&vm->stat.sptes_zapped);
}

/* Clear the non-leaf entry @sptep; its child stays, cached, unlinked. */
static void shadow_unlink_child(struct kvmmu_vm *vm, u64 *sptep)
{
	struct kvmmu_shadow_page *child;

	lockdep_assert_held(&vm->mmu_lock);
	child = spte_to_child(*sptep);
	WRITE_ONCE(*sptep, 0);
	kvmmu_rmap_remove(vm, &child->parent_ptes, sptep);
}

/* Clear one entry of @sp; returns whether it was present. */
static bool shadow_zap_spte(struct kvmmu_vm *vm, struct kvmmu_shadow_page *sp,
			    u64 *sptep)
{
	lockdep_assert_held(&vm->mmu_lock);
	if (!spte_present(*sptep))
		return false;
	if (sp->role.level == 1)
		shadow_drop_leaf(vm, sp, sptep, NULL);
	else
		shadow_unlink_child(vm, sptep);
	return true;
}

static void shadow_free_page(struct kvmmu_vm *vm, struct kvmmu_shadow_page *sp)
{
	struct page *page = virt_to_page(sp->spt);

	lockdep_assert_held(&vm->mmu_lock);
	set_page_private(page, 0);
	__free_page(page);
	if (sp->gfns)
		free_page((unsigned long)sp->gfns);
	kmem_cache_free(kvmmu_sp_cache, sp);
	atomic64_dec(&vm->stat.shadow_pages);
	atomic64_dec(&vm->stat.table_pages);
	atomic64_inc(&vm->stat.tables_freed);
}

/**
 * shadow_zap_page() - remove a shadow page
 * @vm: the VM, mmu_lock held
 * @sp: the page
 *
 * Its entries go (leaves from their rmaps, links from their children's
 * parent lists; the children stay cached), every entry pointing to it is
 * cleared, and it leaves the hash, so its gfn is no longer protected on
 * its account.  A root still in use is only marked invalid: the vCPU
 * using it loads another before its next access, and the last one frees
 * it.
 *
 * Return: true (a TLB flush is needed).
 */
static bool shadow_zap_page(struct kvmmu_vm *vm, struct kvmmu_shadow_page *sp)
{
	struct kvmmu_rmap_iter iter;
	u64 *sptep;
	int i;

	lockdep_assert_held(&vm->mmu_lock);
	for (i = 0; i < PT_ENTRIES; i++)
		shadow_zap_spte(vm, sp, &sp->spt[i]);
	for (sptep = kvmmu_rmap_iter_first(vm, &iter, &sp->parent_ptes); sptep;
	     sptep = kvmmu_rmap_iter_next(vm, &iter)) {
		WRITE_ONCE(*sptep, 0);
		kvmmu_rmap_remove(vm, &sp->parent_ptes, sptep);
	}
	hash_del(&sp->hash_link);
	list_del(&sp->link);
	to_shadow_vm(vm)->nr_pages--;
	atomic64_inc(&vm->stat.shadow_zapped);
	if (sp->root_count)
		sp->invalid = true;
	else
		shadow_free_page(vm, sp);
	return true;
}

static bool shadow_zap_all(struct kvmmu_vm *vm)
{
	struct kvmmu_shadow_vm *sv = to_shadow_vm(vm);
	struct kvmmu_shadow_page *sp, *tmp;
	bool flush = false;

	lockdep_assert_held(&vm->mmu_lock);
	list_for_each_entry_safe(sp, tmp, &sv->pages, link)
		flush |= shadow_zap_page(vm, sp);
	return flush;
}

/* Keep the number of shadow pages bounded: the oldest unused ones go. */
static void shadow_make_room(struct kvmmu_vm *vm)
{
	struct kvmmu_shadow_vm *sv = to_shadow_vm(vm);
	struct kvmmu_shadow_page *sp, *tmp;
	bool flush = false;

	lockdep_assert_held(&vm->mmu_lock);
	list_for_each_entry_safe_reverse(sp, tmp, &sv->pages, link) {
		if (sv->nr_pages + PT_LEVELS <= sv->max_pages)
			break;
		if (!sp->root_count)
			flush |= shadow_zap_page(vm, sp);
	}
	if (flush)
		kvmmu_flush_remote_tlbs(vm);
}

/*
 * Make every leaf that maps @gfn read-only: @gfn now holds a guest page
 * table, and the guest's writes to it must trap.
 */
static bool shadow_write_protect_gfn(struct kvmmu_vm *vm, u64 gfn)
{
	unsigned long *head;
	struct kvmmu_rmap_iter iter;
	bool flush = false;
	u64 *sptep;

	lockdep_assert_held(&vm->mmu_lock);
	head = shadow_rmap(vm, gfn);
	if (!head)
		return false;
	for (sptep = kvmmu_rmap_iter_first(vm, &iter, head); sptep;
	     sptep = kvmmu_rmap_iter_next(vm, &iter)) {
		if (*sptep & PT_WRITABLE) {
			WRITE_ONCE(*sptep, *sptep & ~PT_WRITABLE);
			flush = true;
		}
	}
	return flush;
}

/*
 * The shadow page for (@gfn, @role): found in the hash, or made from the
 * vCPU's caches.  A new page shadowing a guest table write-protects it.
 */
static struct kvmmu_shadow_page *shadow_get_page(struct kvmmu_vcpu *vcpu,
						 u64 gfn,
						 union kvmmu_sp_role role)
{
	struct kvmmu_shadow_vcpu *svcpu = to_shadow_vcpu(vcpu);
	struct kvmmu_vm *vm = vcpu->vm;
	struct kvmmu_shadow_vm *sv = to_shadow_vm(vm);
	struct kvmmu_shadow_page *sp;
	struct page *page, *gfns = NULL;

	lockdep_assert_held(&vm->mmu_lock);
	hash_for_each_possible(sv->hash, sp, hash_link, gfn)
		if (sp->gfn == gfn && sp->role.word == role.word)
			return sp;

	if (svcpu->sp_cache.nobjs < 1 || vcpu->cache.nobjs < 2)
		return NULL;
	sp = kvmmu_obj_cache_alloc(&svcpu->sp_cache);
	page = kvmmu_page_cache_alloc(&vcpu->cache);
	if (role.level == 1 && !role.direct)
		gfns = kvmmu_page_cache_alloc(&vcpu->cache);
	sp->spt = page_address(page);
	set_page_private(page, (unsigned long)sp);
	sp->gfns = gfns ? page_address(gfns) : NULL;
	sp->gfn = gfn;
	sp->role = role;
	hash_add(sv->hash, &sp->hash_link, gfn);
	list_add(&sp->link, &sv->pages);
	sv->nr_pages++;
	atomic64_inc(&vm->stat.shadow_pages);
	atomic64_inc(&vm->stat.table_pages);
	if (!role.direct && shadow_write_protect_gfn(vm, gfn))
		kvmmu_flush_remote_tlbs(vm);
	return sp;
}

static void shadow_put_root(struct kvmmu_vm *vm, struct kvmmu_shadow_page *sp)
{
	lockdep_assert_held(&vm->mmu_lock);
	if (!--sp->root_count && sp->invalid)
		shadow_free_page(vm, sp);
}

/**
 * kvmmu_shadow_unload() - the vCPU stops using its shadow root
 * @vcpu: the vCPU: its mutex held, or being destroyed
 *
 * After a change of paging mode or CR3; the next access loads the root
 * for the new state.
 */
void kvmmu_shadow_unload(struct kvmmu_vcpu *vcpu)
{
	struct kvmmu_shadow_vcpu *svcpu = to_shadow_vcpu(vcpu);
	struct kvmmu_vm *vm = vcpu->vm;

	spin_lock(&vm->mmu_lock);
	if (svcpu->root)
		shadow_put_root(vm, svcpu->root);
	svcpu->root = NULL;
	spin_unlock(&vm->mmu_lock);
}

/* The role of the root for the vCPU's paging state. */
static union kvmmu_sp_role shadow_root_role(const struct kvmmu_paging *regs)
{
	union kvmmu_sp_role role = { .level = PT_LEVELS, .access = ACC_ALL };

	role.direct = !kvmmu_paging(regs);
	role.efer_nx = kvmmu_paging(regs) &&
		       (regs->efer & KVMMU_X86_EFER_NXE);
	return role;
}

/* Fill the vCPU's caches for one fault, before taking mmu_lock. */
static int shadow_topup(struct kvmmu_vcpu *vcpu)
{
	struct kvmmu_shadow_vcpu *svcpu = to_shadow_vcpu(vcpu);
	int r;

	/* A root and 3 tables below it, 2 pages each at most. */
	r = kvmmu_page_cache_topup(&vcpu->cache, 2 * PT_LEVELS);
	if (!r)
		r = kvmmu_obj_cache_topup(&svcpu->sp_cache, PT_LEVELS);
	/* One link per level and the leaf may each need a descriptor. */
	if (!r)
		r = kvmmu_obj_cache_topup(&svcpu->desc_cache, PT_LEVELS);
	return r;
}

/* Make sure the vCPU has a valid root; caches topped up, mmu_lock held. */
static int shadow_load_root(struct kvmmu_vcpu *vcpu)
{
	struct kvmmu_shadow_vcpu *svcpu = to_shadow_vcpu(vcpu);
	struct kvmmu_vm *vm = vcpu->vm;
	struct kvmmu_shadow_page *root;
	u64 gfn = 0;

	lockdep_assert_held(&vm->mmu_lock);
	if (svcpu->root && !svcpu->root->invalid)
		return 0;
	if (svcpu->root)
		shadow_put_root(vm, svcpu->root);
	svcpu->root = NULL;
	if (kvmmu_paging(&svcpu->regs))
		gfn = (svcpu->regs.cr3 & PT_ADDR_MASK) >> PAGE_SHIFT;
	root = shadow_get_page(vcpu, gfn, shadow_root_role(&svcpu->regs));
	if (!root)
		return -EAGAIN;
	root->root_count++;
	svcpu->root = root;
	return 0;
}

/* A leaf for @f with @access (see shadow_fetch()). */
static u64 shadow_make_leaf(struct kvmmu_vm *vm, const struct kvmmu_fault *f,
			    unsigned int access)
{
	u64 spte = PT_PRESENT | PT_ACCESSED | ((u64)f->pfn << PAGE_SHIFT);

	if (access & ACC_USER)
		spte |= PT_USER;
	if (!(access & ACC_EXEC))
		spte |= PT_NX;
	if (f->page)
		spte |= SPTE_REFCOUNTED;
	if ((access & ACC_WRITE) && f->writable) {
		spte |= SPTE_MMU_WRITABLE;
		if (!shadow_gfn_protected(vm, f->gfn))
			spte |= PT_WRITABLE;
	}
	if (f->write && (spte & PT_WRITABLE))
		spte |= PT_DIRTY;
	return spte;
}

/* Zap every spte of an rmap chain that grew past the threshold. */
static void shadow_recycle_rmap(struct kvmmu_vm *vm, unsigned long *head)
{
	struct kvmmu_rmap_iter iter;
	u64 *sptep;

	lockdep_assert_held(&vm->mmu_lock);
	for (sptep = kvmmu_rmap_iter_first(vm, &iter, head); sptep;
	     sptep = kvmmu_rmap_iter_next(vm, &iter))
		shadow_drop_leaf(vm, sptep_to_sp(sptep), sptep, head);
	atomic64_inc(&vm->stat.rmap_recycled);
	kvmmu_flush_remote_tlbs(vm);
}

/* Install the leaf at @sptep of level-1 @sp. */
static int shadow_set_leaf(struct kvmmu_vcpu *vcpu,
			   struct kvmmu_shadow_page *sp, u64 *sptep,
			   const struct kvmmu_fault *f, u64 spte)
{
	struct kvmmu_shadow_vcpu *svcpu = to_shadow_vcpu(vcpu);
	unsigned int index = sptep - sp->spt;
	struct kvmmu_vm *vm = vcpu->vm;
	unsigned long *head;
	u64 old;
	int n;

	lockdep_assert_held(&vm->mmu_lock);
	old = *sptep;
	if (spte_present(old)) {
		if (spte_pfn(old) == f->pfn &&
		    sp_leaf_gfn(sp, index) == f->gfn) {
			/* Same page: new rights, the dirty state kept. */
			WRITE_ONCE(*sptep, spte | (old & PT_DIRTY));
			return 0;
		}
		shadow_drop_leaf(vm, sp, sptep, NULL);
		kvmmu_flush_remote_tlbs(vm);
	}
	head = kvmmu_memslot_rmap(f->slot, f->gfn, 1);
	if (!sp->role.direct)
		sp->gfns[index] = f->gfn;
	n = kvmmu_rmap_add(vm, head, sptep, &svcpu->desc_cache);
	if (n < 0)
		return n;
	WRITE_ONCE(*sptep, spte);
	atomic64_inc(&vm->stat.mapped_pages);
	if (n > KVMMU_RMAP_RECYCLE_THRESHOLD)
		shadow_recycle_rmap(vm, head);
	return 0;
}

/**
 * shadow_fetch() - build the shadow path for a walked access
 * @vcpu: the vCPU, mmu_lock held, caches topped up
 * @w: the guest walk (paging on), or NULL (paging off: gfn == address)
 * @addr: the address accessed
 * @f: the host page, still valid (the retry check passed)
 *
 * Descends from the root, linking to (or creating) the shadow page for
 * each guest table of the walk, then direct pages below a guest large
 * page, and installs the leaf.  Before an entry is derived from a guest
 * entry, that guest entry is checked unchanged: its table is protected by
 * then, so it cannot change again while mmu_lock is held.
 *
 * Return: 0, -EAGAIN (the guest tables changed: walk again), -ENOMEM.
 */
static int shadow_fetch(struct kvmmu_vcpu *vcpu, const struct kvmmu_walker *w,
			u64 addr, const struct kvmmu_fault *f)
{
	struct kvmmu_shadow_page *sp = to_shadow_vcpu(vcpu)->root, *child;
	struct kvmmu_vm *vm = vcpu->vm;
	unsigned int access = ACC_ALL;
	int level, r;

	lockdep_assert_held(&vm->mmu_lock);
	if (!sp || sp->invalid)
		return -EAGAIN;
	if (w) {
		access = w->pte_access;
		/*
		 * A clean guest entry maps read-only until the guest writes,
		 * so that the walk of that write sets its dirty bit.  Direct
		 * pages carry this in their role: the 4 KiB pieces of a
		 * clean and of a dirty large page are not shared.
		 */
		if (!(w->pte[w->level] & PT_DIRTY))
			access &= ~ACC_WRITE;
	}
	for (level = PT_LEVELS; ; level--) {
		u64 *sptep = &sp->spt[pt_index(addr, level)];
		union kvmmu_sp_role role = { .efer_nx = sp->role.efer_nx };
		u64 gfn;

		sp->write_flooding = 0;
		if (!sp->role.direct && kvmmu_walker_changed(vm, w, level))
			return -EAGAIN;
		if (level == 1)
			break;

		role.level = level - 1;
		if (w && level - 1 >= w->level) {
			/* The next guest table of the walk. */
			gfn = w->table_gfn[level - 1];
			role.access = w->pt_access[level - 1];
		} else {
			/* Guest-physical memory: paging off, or a large page. */
			role.direct = 1;
			role.access = access;
			gfn = f->gfn & ~(BIT_ULL(9 * (level - 1)) - 1);
		}

		if (spte_present(*sptep)) {
			child = spte_to_child(*sptep);
			if (child->gfn == gfn && child->role.word == role.word) {
				sp = child;
				continue;
			}
			shadow_unlink_child(vm, sptep);
			kvmmu_flush_remote_tlbs(vm);
		}
		child = shadow_get_page(vcpu, gfn, role);
		/* The caches ran dry (roots reloaded meanwhile): refill. */
		if (!child)
			return -EAGAIN;
		r = kvmmu_rmap_add(vm, &child->parent_ptes, sptep,
				   &to_shadow_vcpu(vcpu)->desc_cache);
		if (r < 0)
			return r;
		/* Links grant everything: the leaves carry the rights. */
		WRITE_ONCE(*sptep, __pa(child->spt) | PT_PRESENT | PT_WRITABLE |
				   PT_USER | PT_ACCESSED);
		sp = child;
	}
	return shadow_set_leaf(vcpu, sp, &sp->spt[pt_index(addr, 1)], f,
			       shadow_make_leaf(vm, f, access));
}

static int shadow_fault(struct kvmmu_vcpu *vcpu, struct kvmmu_guest_access *ga)
{
	struct kvmmu_shadow_vcpu *svcpu = to_shadow_vcpu(vcpu);
	struct kvmmu_fault f = { .write = ga->type == KVMMU_WRITE };
	bool paging = kvmmu_paging(&svcpu->regs);
	struct kvmmu_vm *vm = vcpu->vm;
	struct kvmmu_shadow_vm *sv = to_shadow_vm(vm);
	struct kvmmu_walker w;
	int r;

	r = shadow_topup(vcpu);
	if (r)
		return r;
	spin_lock(&vm->mmu_lock);
	r = vm->released ? -EFAULT : shadow_load_root(vcpu);
	spin_unlock(&vm->mmu_lock);
	if (r)
		return r;

	if (paging) {
		r = kvmmu_walk_addr(vcpu, &w, ga);
		if (r == KVMMU_RESULT_PAGE_FAULT)
			ga->error_code = w.error_code;
		if (r)
			return r;
		f.gfn = w.gfn;
	} else {
		/* The direct root maps 48 bits of guest-physical space. */
		if (ga->addr >> (PAGE_SHIFT + 9 * PT_LEVELS))
			return -ENOENT;
		f.gfn = ga->addr >> PAGE_SHIFT;
	}
	r = kvmmu_faultin_pfn(vcpu, &f);
	if (r)
		return r;

	spin_lock(&vm->mmu_lock);
	sv->max_pages = max_t(unsigned long, SHADOW_MIN_PAGES,
			      kvmmu_vm_memslots(vm, 0)->nr_pages /
			      SHADOW_PAGES_RATIO);
	r = kvmmu_fault_stale(vm, &f);
	if (!r) {
		shadow_make_room(vm);
		r = shadow_load_root(vcpu);
		if (!r)
			r = shadow_fetch(vcpu, paging ? &w : NULL, ga->addr, &f);
	}
	spin_unlock(&vm->mmu_lock);
	kvmmu_fault_release(vm, &f, r);
	return r;
}

/* The leaf entry the shadow tables give for @addr, or NULL. */
static u64 *shadow_leaf(struct kvmmu_vcpu *vcpu, u64 addr,
			struct kvmmu_shadow_page **leaf_sp)
{
	struct kvmmu_shadow_vcpu *svcpu = to_shadow_vcpu(vcpu);
	struct kvmmu_shadow_page *sp = svcpu->root;
	int level;

	lockdep_assert_held(&vcpu->vm->mmu_lock);
	if (!sp || sp->invalid)
		return NULL;
	/*
	 * Paging on: the upper half is as mappable as the lower one (the
	 * tables index bits 47:12); a non-canonical address is left to the
	 * walk to refuse.  Paging off: 48 bits of guest-physical space.
	 */
	if (kvmmu_paging(&svcpu->regs) ? !is_canonical(addr) :
	    addr >> (PAGE_SHIFT + 9 * PT_LEVELS))
		return NULL;
	for (level = PT_LEVELS; level > 1; level--) {
		u64 spte = sp->spt[pt_index(addr, level)];

		if (!spte_present(spte))
			return NULL;
		sp = spte_to_child(spte);
	}
	*leaf_sp = sp;
	return &sp->spt[pt_index(addr, 1)];
}

static int shadow_access(struct kvmmu_vcpu *vcpu, struct kvmmu_guest_access *ga)
{
	struct kvmmu_vm *vm = vcpu->vm;
	struct kvmmu_shadow_page *sp;
	u64 *sptep, spte, set = PT_ACCESSED;

	lockdep_assert_held(&vm->mmu_lock);
	sptep = shadow_leaf(vcpu, ga->addr, &sp);
	if (!sptep || !spte_present(*sptep))
		return -ENOENT;
	spte = *sptep;
	ga->gfn = sp_leaf_gfn(sp, sptep - sp->spt);
	if ((ga->user && !(spte & PT_USER)) ||
	    (ga->type == KVMMU_FETCH && (spte & PT_NX)))
		return -EACCES;
	if (ga->type == KVMMU_WRITE) {
		if (!(spte & PT_WRITABLE)) {
			if (!(spte & SPTE_MMU_WRITABLE))
				return -EACCES;
			/* Only protection stands in the way. */
			if (shadow_gfn_protected(vm, ga->gfn))
				ga->track_write = true;
			else
				spte |= PT_WRITABLE;
		}
		set |= PT_DIRTY;
	}
	if ((spte & set) != set || spte != *sptep)
		WRITE_ONCE(*sptep, spte | set);
	ga->pfn = spte_pfn(spte);
	return 0;
}

/*
 * A trapped guest write to a page table: the entries of every shadow page
 * of that table that the write touched are dropped, and rebuilt from the
 * new guest entries on the next access.
 */
static void shadow_track_write(struct kvmmu_vcpu *vcpu, u64 gfn,
			       unsigned int offset, unsigned int size)
{
	unsigned int i, first = offset / 8, last = (offset + size - 1) / 8;
	struct kvmmu_vm *vm = vcpu->vm;
	struct kvmmu_shadow_page *sp;
	struct hlist_node *tmp;
	bool flush = false;

	lockdep_assert_held(&vm->mmu_lock);
	atomic64_inc(&vm->stat.pt_writes);
	hash_for_each_possible_safe(to_shadow_vm(vm)->hash, sp, tmp, hash_link,
				    gfn) {
		if (sp->gfn != gfn || sp->role.direct)
			continue;
		if (++sp->write_flooding >= SHADOW_WRITE_FLOODING) {
			flush |= shadow_zap_page(vm, sp);
			continue;
		}
		for (i = first; i <= last; i++)
			flush |= shadow_zap_spte(vm, sp, &sp->spt[i]);
	}
	if (flush)
		kvmmu_flush_remote_tlbs(vm);
}

static void shadow_lookup(struct kvmmu_vcpu *vcpu, u64 addr,
			  struct kvmmu_mapping *m)
{
	struct kvmmu_shadow_page *sp;
	u64 *sptep, spte;

	lockdep_assert_held(&vcpu->vm->mmu_lock);
	memset(m, 0, sizeof(*m));
	if (!vcpu->arch)
		return;
	sptep = shadow_leaf(vcpu, addr, &sp);
	if (!sptep || !spte_present(*sptep))
		return;
	spte = *sptep;
	m->present = true;
	m->readable = true;
	m->writable = spte & PT_WRITABLE;
	m->executable = !(spte & PT_NX);
	m->accessed = spte & PT_ACCESSED;
	m->dirty = spte & PT_DIRTY;
	m->level = 1;
	/* PAT entry 0 (no PWT/PCD/PAT bits): write-back, as EPT's 6. */
	m->memtype = 6;
	m->pfn = spte_pfn(spte);
}

/*
 * Shadow pages of guest tables in [@start, @end) of @slot: their content
 * is what the host is taking away, so what was derived from it goes too.
 */
static bool shadow_zap_tables(struct kvmmu_vm *vm,
			      const struct kvmmu_gfn_range *range)
{
	struct kvmmu_shadow_vm *sv = to_shadow_vm(vm);
	u64 gfn, start = range->start, end = range->end;
	struct kvmmu_shadow_page *sp, *tmp;
	struct hlist_node *htmp;
	unsigned int done = 0;
	bool flush = false;

	lockdep_assert_held(&vm->mmu_lock);
	if (end - start > sv->nr_pages) {
		list_for_each_entry_safe(sp, tmp, &sv->pages, link)
			if (!sp->role.direct && sp->gfn >= start &&
			    sp->gfn < end)
				flush |= shadow_zap_page(vm, sp);
		return flush;
	}
	for (gfn = start; gfn < end; gfn++) {
		hash_for_each_possible_safe(sv->hash, sp, htmp, hash_link, gfn)
			if (sp->gfn == gfn && !sp->role.direct)
				flush |= shadow_zap_page(vm, sp);
		kvmmu_mmu_zap_cond_yield(vm, range, &done, &flush);
	}
	return flush;
}

static bool shadow_zap_gfn_range(struct kvmmu_vm *vm,
				 const struct kvmmu_gfn_range *range)
{
	struct kvmmu_rmap_iter iter;
	unsigned int done = 0;
	bool flush = false;
	u64 gfn, *sptep;

	lockdep_assert_held(&vm->mmu_lock);
	if (!range->slot)
		return shadow_zap_all(vm);
	for (gfn = range->start; gfn < range->end; gfn++) {
		unsigned long *head = kvmmu_memslot_rmap(range->slot, gfn, 1);

		for (sptep = kvmmu_rmap_iter_first(vm, &iter, head); sptep;
		     sptep = kvmmu_rmap_iter_next(vm, &iter)) {
			shadow_drop_leaf(vm, sptep_to_sp(sptep), sptep, head);
			flush = true;
		}
		/* Between two gfns nothing of the shadow pages is held. */
		kvmmu_mmu_zap_cond_yield(vm, range, &done, &flush);
	}
	flush |= shadow_zap_tables(vm, range);
	return flush;
}

static bool shadow_age_gfn_range(struct kvmmu_vm *vm,
				 const struct kvmmu_gfn_range *range,
				 bool clear)
{
	struct kvmmu_rmap_iter iter;
	bool young = false;
	u64 gfn, *sptep;

	lockdep_assert_held(&vm->mmu_lock);
	for (gfn = range->start; gfn < range->end; gfn++) {
		unsigned long *head = kvmmu_memslot_rmap(range->slot, gfn, 1);

		for (sptep = kvmmu_rmap_iter_first(vm, &iter, head); sptep;
		     sptep = kvmmu_rmap_iter_next(vm, &iter)) {
			if (!(*sptep & PT_ACCESSED))
				continue;
			young = true;
			if (!clear)
				continue;
			WRITE_ONCE(*sptep, *sptep & ~PT_ACCESSED);
			atomic64_inc(&vm->stat.young_cleared);
		}
	}
	return young;
}

/*
 * The host replaced the page behind the gfn of @range: leaves follow it
 * read-only (KSM, the read side of COW), or are dropped if the host maps
 * it writable, so that write access goes through the fault path.
 */
static bool shadow_change_pte(struct kvmmu_vm *vm,
			      const struct kvmmu_gfn_range *range)
{
	unsigned long *head = kvmmu_memslot_rmap(range->slot, range->start, 1);
	struct kvmmu_rmap_iter iter;
	bool flush = false;
	u64 *sptep;

	lockdep_assert_held(&vm->mmu_lock);
	for (sptep = kvmmu_rmap_iter_first(vm, &iter, head); sptep;
	     sptep = kvmmu_rmap_iter_next(vm, &iter)) {
		u64 old = *sptep;

		flush = true;
		if (range->host_writable) {
			shadow_drop_leaf(vm, sptep_to_sp(sptep), sptep, head);
			continue;
		}
		kvmmu_mmu_leaf_dropped(spte_pfn(old), old & SPTE_REFCOUNTED,
				       old & PT_ACCESSED, old & PT_DIRTY);
		old &= ~(PT_ADDR_MASK | PT_WRITABLE | PT_DIRTY |
			 SPTE_MMU_WRITABLE |
			 SPTE_REFCOUNTED);
		if (pfn_valid(range->pfn))
			old |= SPTE_REFCOUNTED;
		WRITE_ONCE(*sptep, old | ((u64)range->pfn << PAGE_SHIFT));
	}
	return flush;
}

/* The backend's ->init and ->exit: the shadow-page header cache. */
static int shadow_init(void)
{
	kvmmu_sp_cache = KMEM_CACHE(kvmmu_shadow_page, 0);
	return kvmmu_sp_cache ? 0 : -ENOMEM;
}

static void shadow_exit(void)
{
	kmem_cache_destroy(kvmmu_sp_cache);
	kvmmu_sp_cache = NULL;
}

static int shadow_init_vm(struct kvmmu_vm *vm)
{
	struct kvmmu_shadow_vm *sv = kzalloc(sizeof(*sv), GFP_KERNEL_ACCOUNT);

	if (!sv)
		return -ENOMEM;
	hash_init(sv->hash);
	INIT_LIST_HEAD(&sv->pages);
	sv->max_pages = SHADOW_MIN_PAGES;
	vm->arch = sv;
	return 0;
}

static void shadow_destroy_vm(struct kvmmu_vm *vm)
{
	struct kvmmu_shadow_vm *sv = to_shadow_vm(vm);
	int idx;

	/* No vCPU is left, so no root is in use. */
	idx = srcu_read_lock(&vm->srcu);
	spin_lock(&vm->mmu_lock);
	shadow_zap_all(vm);
	spin_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->srcu, idx);
	WARN_ON_ONCE(sv->nr_pages || !list_empty(&sv->pages));
	kfree(sv);
}

static int shadow_init_vcpu(struct kvmmu_vcpu *vcpu)
{
	struct kvmmu_shadow_vcpu *svcpu;

	svcpu = kzalloc(sizeof(*svcpu), GFP_KERNEL_ACCOUNT);
	if (!svcpu)
		return -ENOMEM;
	svcpu->sp_cache.kc = kvmmu_sp_cache;
	svcpu->desc_cache.kc = kvmmu_rmap_desc_cache();
	vcpu->arch = svcpu;
	return 0;
}

static void shadow_destroy_vcpu(struct kvmmu_vcpu *vcpu)
{
	struct kvmmu_shadow_vcpu *svcpu = to_shadow_vcpu(vcpu);

	kvmmu_shadow_unload(vcpu);
	kvmmu_obj_cache_free(&svcpu->sp_cache);
	kvmmu_obj_cache_free(&svcpu->desc_cache);
	kfree(svcpu);
	vcpu->arch = NULL;
}

static long shadow_vcpu_ioctl(struct kvmmu_vcpu *vcpu, unsigned int ioctl,
			      void __user *argp)
{
	struct kvmmu_shadow_vcpu *svcpu = to_shadow_vcpu(vcpu);
	struct kvmmu_vm *vm = vcpu->vm;
	struct kvmmu_paging regs;

	switch (ioctl) {
	case KVMMU_GET_PAGING:
		if (copy_to_user(argp, &svcpu->regs, sizeof(svcpu->regs)))
			return -EFAULT;
		return 0;
	case KVMMU_SET_PAGING:
		if (copy_from_user(&regs, argp, sizeof(regs)))
			return -EFAULT;
		return kvmmu_paging_set(vcpu, &regs);
	case KVMMU_MMU_RESET:
		spin_lock(&vm->mmu_lock);
		if (shadow_zap_all(vm))
			kvmmu_flush_remote_tlbs(vm);
		spin_unlock(&vm->mmu_lock);
		return 0;
	}
	return -ENOTTY;
}

const struct kvmmu_arch_ops kvmmu_x86_shadow_ops = {
	.name = "x86-shadow",
	.type = KVMMU_VM_X86_SHADOW,
	/* What a 4-level direct root maps while paging is off. */
	.gpa_bits = 48,
	.readonly_mem = true,
	.rmap_levels = 1,
	.rmap_destroy = kvmmu_rmap_destroy,
	.cache_pages = 2 * PT_LEVELS,
	.init = shadow_init,
	.exit = shadow_exit,
	.init_vm = shadow_init_vm,
	.destroy_vm = shadow_destroy_vm,
	.init_vcpu = shadow_init_vcpu,
	.destroy_vcpu = shadow_destroy_vcpu,
	.vcpu_ioctl = shadow_vcpu_ioctl,
	.fault = shadow_fault,
	.access = shadow_access,
	.track_write = shadow_track_write,
	.lookup = shadow_lookup,
	.zap_gfn_range = shadow_zap_gfn_range,
	.age_gfn_range = shadow_age_gfn_range,
	.change_pte = shadow_change_pte,
};
EXPORT_SYMBOL_IF_KUNIT(kvmmu_x86_shadow_ops);
