/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version compatibility for kvmmu, in one place.
 *
 * Kbuild force-includes this header into every kvmmu object and defines
 * KVMMU_HAVE_* from probes of the target kernel's headers, so the rest of
 * the tree is written against one (the newest) kernel API and carries no
 * version checks of its own.  Probe for a feature, not a version number:
 * distributions backport.
 */
#ifndef _KVMMU_COMPAT_H
#define _KVMMU_COMPAT_H

/*
 * <kunit/visibility.h> (6.2): symbols exported only when KUnit is built, in
 * a namespace that test modules import explicitly.
 */
#ifdef KVMMU_HAVE_KUNIT_VISIBILITY
#include <kunit/visibility.h>
#elif IS_ENABLED(CONFIG_KUNIT)
#define VISIBLE_IF_KUNIT
/* Export @symbol to test modules that import EXPORTED_FOR_KUNIT_TESTING. */
#define EXPORT_SYMBOL_IF_KUNIT(symbol) \
	EXPORT_SYMBOL_NS(symbol, EXPORTED_FOR_KUNIT_TESTING)
#else
#define VISIBLE_IF_KUNIT static
/* Without KUnit there is no test module to export to. */
#define EXPORT_SYMBOL_IF_KUNIT(symbol)
#endif

/*
 * Symbol namespaces are string literals since cdd30ebb1b9f (6.13):
 * MODULE_IMPORT_NS("NS"); before, an identifier the macros stringify.
 * Spelling the KUnit namespace as a macro for its own string lets the
 * test modules' MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING) mean the same
 * on both.
 */
#ifdef KVMMU_HAVE_NS_STRING
#define EXPORTED_FOR_KUNIT_TESTING	"EXPORTED_FOR_KUNIT_TESTING"
#endif

/*
 * mmu_notifier_ops.change_pte (removed in 6.10): notifier/change_pte.c is
 * built, and hooked into the ops, only where the kernel has it.
 */
#ifdef KVMMU_HAVE_MN_CHANGE_PTE
#include <linux/mmu_notifier.h>
void kvmmu_mn_change_pte(struct mmu_notifier *mn, struct mm_struct *mm,
			 unsigned long address, pte_t pte);
/* The change_pte member of kvmmu's mmu_notifier_ops initializer. */
#define KVMMU_MN_OPS_CHANGE_PTE	.change_pte = kvmmu_mn_change_pte,
#define KVMMU_CHANGE_PTE	1
#else
/* No change_pte member to initialize. */
#define KVMMU_MN_OPS_CHANGE_PTE
#define KVMMU_CHANGE_PTE	0
#endif

/*
 * mmu_notifier_ops.clear_flush_young, clear_young and test_young return
 * bool since 1fc7dc675e26 (7.2), int before; the kernel builds with
 * -Werror=incompatible-pointer-types, so the callbacks must match.  Either
 * way the value means "some mapping in the range was young".
 */
#ifdef KVMMU_HAVE_MN_YOUNG_BOOL
#define kvmmu_mn_young_t	bool
#else
#define kvmmu_mn_young_t	int
#endif

/*
 * The pfn and writability of a VM_IO/VM_PFNMAP mapping, without a page
 * reference: follow_pfnmap_start() since 6.12 replaced follow_pte(),
 * whose 6.1 form takes the mm.
 */
#include <linux/mm.h>
#ifdef KVMMU_HAVE_FOLLOW_PFNMAP
static inline int kvmmu_follow_pfn(struct vm_area_struct *vma,
				   unsigned long addr, unsigned long *pfn,
				   bool *writable)
{
	struct follow_pfnmap_args args = { .vma = vma, .address = addr };
	int r = follow_pfnmap_start(&args);

	if (r)
		return r;
	*pfn = args.pfn;
	*writable = args.writable;
	follow_pfnmap_end(&args);
	return 0;
}
#else
static inline int kvmmu_follow_pfn(struct vm_area_struct *vma,
				   unsigned long addr, unsigned long *pfn,
				   bool *writable)
{
	spinlock_t *ptl;	/* the page table lock follow_pte() took */
	pte_t *ptep;
	int r = follow_pte(vma->vm_mm, addr, &ptep, &ptl);

	if (r)
		return r;
	/* follow_pte() returns with @ptl held; tell sparse. */
	__acquire(ptl);
	*pfn = pte_pfn(*ptep);
	*writable = pte_write(*ptep);
	pte_unmap_unlock(ptep, ptl);
	return 0;
}
#endif

#endif /* _KVMMU_COMPAT_H */
