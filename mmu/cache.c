// SPDX-License-Identifier: GPL-2.0
/*
 * Page-table page cache: page-table pages are allocated (and may sleep)
 * before the fault path takes mmu_lock, and are only taken from here under
 * it.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "kvmmu/mmu.h"

/**
 * kvmmu_page_cache_topup() - make sure @cache holds at least @min pages
 * @cache: a vCPU's cache, under the vCPU's mutex
 * @min: pages the coming operation may need
 *
 * Fills the cache up completely when it is below @min, so that most faults
 * do not allocate at all.  Sleeps; never call it under mmu_lock.
 *
 * Return: 0 or -ENOMEM (the pages obtained so far stay cached).
 */
int kvmmu_page_cache_topup(struct kvmmu_page_cache *cache, int min)
{
	might_sleep();
	if (WARN_ON_ONCE(min > KVMMU_PAGE_CACHE_SIZE))
		min = KVMMU_PAGE_CACHE_SIZE;
	if (cache->nobjs >= min)
		return 0;
	while (cache->nobjs < KVMMU_PAGE_CACHE_SIZE) {
		struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

		if (!page)
			return cache->nobjs >= min ? 0 : -ENOMEM;
		cache->pages[cache->nobjs++] = page;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_page_cache_topup);

/* A zeroed page from @cache, or NULL if the caller did not top it up. */
struct page *kvmmu_page_cache_alloc(struct kvmmu_page_cache *cache)
{
	if (WARN_ON_ONCE(!cache->nobjs))
		return NULL;
	return cache->pages[--cache->nobjs];
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_page_cache_alloc);

void kvmmu_page_cache_free(struct kvmmu_page_cache *cache)
{
	while (cache->nobjs)
		__free_page(cache->pages[--cache->nobjs]);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_page_cache_free);

/**
 * kvmmu_obj_cache_topup() - make sure @cache holds at least @min objects
 * @cache: a vCPU's cache, under the vCPU's mutex; ->kc set
 * @min: objects the coming operation may need
 *
 * As kvmmu_page_cache_topup(): fills up completely once below @min.
 * Objects come zeroed.  Sleeps; never call it under mmu_lock.
 *
 * Return: 0 or -ENOMEM (the objects obtained so far stay cached).
 */
int kvmmu_obj_cache_topup(struct kvmmu_obj_cache *cache, int min)
{
	might_sleep();
	if (WARN_ON_ONCE(min > KVMMU_OBJ_CACHE_SIZE))
		min = KVMMU_OBJ_CACHE_SIZE;
	if (cache->nobjs >= min)
		return 0;
	while (cache->nobjs < KVMMU_OBJ_CACHE_SIZE) {
		void *obj = kmem_cache_zalloc(cache->kc, GFP_KERNEL_ACCOUNT);

		if (!obj)
			return cache->nobjs >= min ? 0 : -ENOMEM;
		cache->objs[cache->nobjs++] = obj;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_obj_cache_topup);

/* A zeroed object from @cache, or NULL if the caller did not top it up. */
void *kvmmu_obj_cache_alloc(struct kvmmu_obj_cache *cache)
{
	if (WARN_ON_ONCE(!cache->nobjs))
		return NULL;
	return cache->objs[--cache->nobjs];
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_obj_cache_alloc);

void kvmmu_obj_cache_free(struct kvmmu_obj_cache *cache)
{
	while (cache->nobjs)
		kmem_cache_free(cache->kc, cache->objs[--cache->nobjs]);
}
EXPORT_SYMBOL_IF_KUNIT(kvmmu_obj_cache_free);
