// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for memslots: validation (the stateless rows of the errno
 * table), create/delete/move/flags-only changes, gfn and hva lookup, and
 * the INVALID step that deletes and moves go through.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "kvmmu/memslots.h"

#define HVA_BASE	0x7f0000000000UL

struct memslots_test {
	struct srcu_struct srcu;
	struct mutex lock;	/* stands in for the VM's slots_lock */
	struct kvmmu_memslot_space sp;
	/* What flush_slot saw. */
	int flushes;
	u64 flushed_gfn;
	bool flushed_invisible;
};

static int memslots_test_init(struct kunit *test)
{
	struct memslots_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_EQ(test, init_srcu_struct(&t->srcu), 0);
	mutex_init(&t->lock);
	kvmmu_memslot_space_init(&t->sp, &t->srcu, &t->lock, 0);
	test->priv = t;
	return 0;
}

static void memslots_test_exit(struct kunit *test)
{
	struct memslots_test *t = test->priv;

	kvmmu_memslot_space_destroy(&t->sp);
	cleanup_srcu_struct(&t->srcu);
}

static struct kvmmu_userspace_memory_region
region(u32 slot, u32 flags, u64 gpa, u64 size, u64 hva)
{
	return (struct kvmmu_userspace_memory_region) {
		.slot = slot, .flags = flags, .guest_phys_addr = gpa,
		.memory_size = size, .userspace_addr = hva,
	};
}

/* Apply @mem as the ioctl will: stateless checks, then the change. */
static int set(struct kunit *test, struct kvmmu_userspace_memory_region mem,
	       const struct kvmmu_memslot_hooks *hooks)
{
	struct memslots_test *t = test->priv;
	int r = kvmmu_check_memory_region(&mem, true);

	if (r)
		return r;
	mutex_lock(&t->lock);
	r = kvmmu_set_memory_region(&t->sp, &mem, hooks);
	mutex_unlock(&t->lock);
	return r;
}

/* The published set.  Each test is its only updater and reader. */
static struct kvmmu_memslots *active(struct kunit *test)
{
	struct memslots_test *t = test->priv;

	return rcu_dereference_protected(t->sp.active, true);
}

static void memslots_test_check_region(struct kunit *test)
{
	struct kvmmu_userspace_memory_region ok =
		region(0, 0, 0x100000, 0x10000, HVA_BASE), m;
	int bit;

	KUNIT_EXPECT_EQ(test, kvmmu_check_memory_region(&ok, false), 0);

	m = ok;
	m.slot = KVMMU_USER_MEM_SLOTS;
	KUNIT_EXPECT_EQ(test, kvmmu_check_memory_region(&m, false), -EINVAL);
	m.slot = KVMMU_USER_MEM_SLOTS - 1;
	KUNIT_EXPECT_EQ(test, kvmmu_check_memory_region(&m, false), 0);
	m.slot = KVMMU_ADDRESS_SPACE_NUM << 16;
	KUNIT_EXPECT_EQ(test, kvmmu_check_memory_region(&m, false), -EINVAL);

	for (bit = 0; bit < 32; bit++) {
		m = ok;
		m.flags = 1U << bit;
		KUNIT_EXPECT_EQ_MSG(test, kvmmu_check_memory_region(&m, true),
				    bit < 2 ? 0 : -EINVAL, "flag bit %d", bit);
	}
	m.flags = KVMMU_MEM_READONLY;
	KUNIT_EXPECT_EQ(test, kvmmu_check_memory_region(&m, false), -EINVAL);

	m = ok;
	m.memory_size += 1;
	KUNIT_EXPECT_EQ(test, kvmmu_check_memory_region(&m, false), -EINVAL);
	m = ok;
	m.guest_phys_addr += 512;
	KUNIT_EXPECT_EQ(test, kvmmu_check_memory_region(&m, false), -EINVAL);
	m = ok;
	m.userspace_addr += 8;
	KUNIT_EXPECT_EQ(test, kvmmu_check_memory_region(&m, false), -EINVAL);
	m = ok;
	m.userspace_addr = TASK_SIZE_MAX;	/* not user memory */
	KUNIT_EXPECT_EQ(test, kvmmu_check_memory_region(&m, false), -EINVAL);
	m = ok;
	m.userspace_addr = TASK_SIZE_MAX - PAGE_SIZE;	/* runs past it */
	KUNIT_EXPECT_EQ(test, kvmmu_check_memory_region(&m, false), -EINVAL);
	m = ok;
	m.guest_phys_addr = -PAGE_SIZE;		/* gpa + size wraps */
	KUNIT_EXPECT_EQ(test, kvmmu_check_memory_region(&m, false), -EINVAL);
	m = ok;
	m.userspace_addr = 0x1000;
	m.memory_size = (KVMMU_MEM_MAX_NR_PAGES + 1) << PAGE_SHIFT;
	KUNIT_EXPECT_EQ(test, kvmmu_check_memory_region(&m, false), -EINVAL);
	m.memory_size = KVMMU_MEM_MAX_NR_PAGES << PAGE_SHIFT;
	KUNIT_EXPECT_EQ(test, kvmmu_check_memory_region(&m, false), 0);
}

static void memslots_test_create_and_lookup(struct kunit *test)
{
	struct kvmmu_memory_slot *slot;
	struct kvmmu_memslots *slots;
	u64 gen;

	KUNIT_ASSERT_EQ(test, set(test, region(3, 0, 0x100000, 16 * PAGE_SIZE,
					       HVA_BASE), NULL), 0);
	slots = active(test);
	gen = slots->generation;
	KUNIT_EXPECT_EQ(test, slots->nr_pages, 16ULL);

	KUNIT_EXPECT_NULL(test, kvmmu_gfn_to_memslot(slots, 0xff));
	slot = kvmmu_gfn_to_memslot(slots, 0x100);
	KUNIT_ASSERT_NOT_NULL(test, slot);
	KUNIT_EXPECT_EQ(test, slot->id, 3);
	KUNIT_EXPECT_PTR_EQ(test, kvmmu_gfn_to_memslot(slots, 0x10f), slot);
	KUNIT_EXPECT_NULL(test, kvmmu_gfn_to_memslot(slots, 0x110));
	KUNIT_EXPECT_PTR_EQ(test, kvmmu_id_to_memslot(slots, 3), slot);
	KUNIT_EXPECT_NULL(test, kvmmu_id_to_memslot(slots, 4));
	KUNIT_EXPECT_EQ(test, kvmmu_memslot_gfn_to_hva(slot, 0x101),
			HVA_BASE + PAGE_SIZE);

	/* The same parameters again: success, and nothing is republished. */
	KUNIT_EXPECT_EQ(test, set(test, region(3, 0, 0x100000, 16 * PAGE_SIZE,
					       HVA_BASE), NULL), 0);
	KUNIT_EXPECT_EQ(test, active(test)->generation, gen);
}

static void memslots_test_overlap(struct kunit *test)
{
	struct kvmmu_memslots *slots;
	u64 gen;

	KUNIT_ASSERT_EQ(test, set(test, region(0, 0, 0x10000, 0x10000,
					       HVA_BASE), NULL), 0);
	gen = active(test)->generation;
	/* Same range, inside, straddling either end, containing. */
	KUNIT_EXPECT_EQ(test, set(test, region(1, 0, 0x10000, 0x10000,
					       HVA_BASE), NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, set(test, region(1, 0, 0x14000, 0x1000,
					       HVA_BASE), NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, set(test, region(1, 0, 0xf000, 0x2000,
					       HVA_BASE), NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, set(test, region(1, 0, 0x1f000, 0x2000,
					       HVA_BASE), NULL), -EEXIST);
	KUNIT_EXPECT_EQ(test, set(test, region(1, 0, 0x0, 0x100000,
					       HVA_BASE), NULL), -EEXIST);
	slots = active(test);
	KUNIT_EXPECT_EQ(test, slots->generation, gen);
	KUNIT_EXPECT_NULL(test, kvmmu_id_to_memslot(slots, 1));

	/* Adjacent on both sides is fine, and may alias the same hva. */
	KUNIT_EXPECT_EQ(test, set(test, region(1, 0, 0xf000, 0x1000,
					       HVA_BASE), NULL), 0);
	KUNIT_EXPECT_EQ(test, set(test, region(2, 0, 0x20000, 0x1000,
					       HVA_BASE), NULL), 0);
}

static void memslots_test_bad_changes(struct kunit *test)
{
	u64 gen;

	/* Deleting a slot that does not exist. */
	KUNIT_EXPECT_EQ(test, set(test, region(5, 0, 0, 0, 0), NULL), -EINVAL);

	KUNIT_ASSERT_EQ(test, set(test, region(5, 0, 0x10000, 0x4000,
					       HVA_BASE), NULL), 0);
	gen = active(test)->generation;
	KUNIT_EXPECT_EQ(test, set(test, region(5, 0, 0x10000, 0x4000,
					       HVA_BASE + PAGE_SIZE), NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, set(test, region(5, 0, 0x10000, 0x8000,
					       HVA_BASE), NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, set(test, region(5, KVMMU_MEM_READONLY, 0x10000,
					       0x4000, HVA_BASE), NULL),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, active(test)->generation, gen);
}

static void memslots_test_flags_only(struct kunit *test)
{
	struct kvmmu_memory_slot *slot;
	u64 gen;

	KUNIT_ASSERT_EQ(test, set(test, region(1, 0, 0x10000, 0x4000,
					       HVA_BASE), NULL), 0);
	gen = active(test)->generation;
	KUNIT_ASSERT_EQ(test, set(test, region(1, KVMMU_MEM_LOG_DIRTY_PAGES,
					       0x10000, 0x4000, HVA_BASE),
				  NULL), 0);
	KUNIT_EXPECT_GT(test, active(test)->generation, gen);
	slot = kvmmu_gfn_to_memslot(active(test), 0x10);
	KUNIT_ASSERT_NOT_NULL(test, slot);
	KUNIT_EXPECT_EQ(test, slot->flags, (u32)KVMMU_MEM_LOG_DIRTY_PAGES);
	KUNIT_EXPECT_EQ(test, active(test)->nr_pages, 4ULL);
}

/* flush_slot runs after the INVALID copy is what readers see. */
static void record_flush(void *ctx, const struct kvmmu_memory_slot *old)
{
	struct kunit *test = ctx;
	struct memslots_test *t = test->priv;
	struct kvmmu_memslots *slots = active(test);
	struct kvmmu_memory_slot *cur = kvmmu_id_to_memslot(slots, old->id);

	t->flushes++;
	t->flushed_gfn = old->base_gfn;
	t->flushed_invisible = cur && cur != old &&
		(cur->flags & KVMMU_MEMSLOT_INVALID) &&
		!kvmmu_gfn_to_memslot(slots, old->base_gfn);
}

static void memslots_test_delete(struct kunit *test)
{
	struct kvmmu_memslot_hooks hooks = { record_flush, test };
	struct memslots_test *t = test->priv;
	struct kvmmu_memslots *slots;

	KUNIT_ASSERT_EQ(test, set(test, region(7, 0, 0x10000, 0x4000,
					       HVA_BASE), NULL), 0);
	KUNIT_ASSERT_EQ(test, set(test, region(7, 0, 0, 0, 0), &hooks), 0);
	KUNIT_EXPECT_EQ(test, t->flushes, 1);
	KUNIT_EXPECT_EQ(test, t->flushed_gfn, 0x10ULL);
	KUNIT_EXPECT_TRUE(test, t->flushed_invisible);

	slots = active(test);
	KUNIT_EXPECT_NULL(test, kvmmu_gfn_to_memslot(slots, 0x10));
	KUNIT_EXPECT_NULL(test, kvmmu_id_to_memslot(slots, 7));
	KUNIT_EXPECT_NULL(test, kvmmu_memslot_hva_first(slots, 0, ULONG_MAX));
	KUNIT_EXPECT_EQ(test, slots->nr_pages, 0ULL);
	/* The other set was cleaned as well: the next change starts there. */
	KUNIT_ASSERT_EQ(test, set(test, region(7, 0, 0x10000, 0x4000,
					       HVA_BASE), NULL), 0);
	KUNIT_EXPECT_EQ(test, active(test)->nr_pages, 4ULL);
}

static void memslots_test_move(struct kunit *test)
{
	struct kvmmu_memslot_hooks hooks = { record_flush, test };
	struct memslots_test *t = test->priv;
	struct kvmmu_memory_slot *slot;
	struct kvmmu_memslots *slots;

	KUNIT_ASSERT_EQ(test, set(test, region(2, 0, 0x10000, 0x4000,
					       HVA_BASE), NULL), 0);
	KUNIT_ASSERT_EQ(test, set(test, region(3, 0, 0x40000, 0x4000,
					       HVA_BASE), NULL), 0);
	/* Onto another slot: refused, nothing flushed. */
	KUNIT_EXPECT_EQ(test, set(test, region(2, 0, 0x42000, 0x4000,
					       HVA_BASE), &hooks), -EEXIST);
	KUNIT_EXPECT_EQ(test, t->flushes, 0);
	/* Overlapping its own old range is fine. */
	KUNIT_ASSERT_EQ(test, set(test, region(2, 0, 0x12000, 0x4000,
					       HVA_BASE), &hooks), 0);
	KUNIT_EXPECT_EQ(test, t->flushes, 1);
	KUNIT_EXPECT_EQ(test, t->flushed_gfn, 0x10ULL);
	KUNIT_EXPECT_TRUE(test, t->flushed_invisible);

	slots = active(test);
	KUNIT_EXPECT_NULL(test, kvmmu_gfn_to_memslot(slots, 0x11));
	slot = kvmmu_gfn_to_memslot(slots, 0x12);
	KUNIT_ASSERT_NOT_NULL(test, slot);
	KUNIT_EXPECT_EQ(test, slot->id, 2);
	KUNIT_EXPECT_PTR_EQ(test, kvmmu_gfn_to_memslot(slots, 0x15), slot);
	KUNIT_EXPECT_EQ(test, slot->flags, 0U);
	KUNIT_EXPECT_EQ(test, slots->nr_pages, 8ULL);
}

/* A bitmap of the ids of the slots mapping part of [start, last]. */
static unsigned int hva_slots(struct kunit *test, unsigned long start,
			      unsigned long last)
{
	struct kvmmu_memslots *slots = active(test);
	struct kvmmu_memory_slot *slot;
	unsigned int seen = 0;

	for (slot = kvmmu_memslot_hva_first(slots, start, last); slot;
	     slot = kvmmu_memslot_hva_next(slots, slot, start, last))
		seen |= 1U << slot->id;
	return seen;
}

static void memslots_test_hva_aliases(struct kunit *test)
{
	unsigned int seen;

	/* Slots 0 and 1 alias the same hva; slot 2 lies elsewhere. */
	KUNIT_ASSERT_EQ(test, set(test, region(0, 0, 0x0, 0x10000,
					       HVA_BASE), NULL), 0);
	KUNIT_ASSERT_EQ(test, set(test, region(1, 0, 0x100000, 0x4000,
					       HVA_BASE + 0x8000), NULL), 0);
	KUNIT_ASSERT_EQ(test, set(test, region(2, 0, 0x200000, 0x4000,
					       HVA_BASE + 0x100000), NULL), 0);

	seen = hva_slots(test, HVA_BASE + 0x9000, HVA_BASE + 0x9fff);
	KUNIT_EXPECT_EQ(test, seen, 3U);

	seen = hva_slots(test, HVA_BASE + 0x10000, HVA_BASE + 0x100000);
	KUNIT_EXPECT_EQ(test, seen, 4U);
}

/* Many slots in random order against a direct computation. */
static void memslots_test_many(struct kunit *test)
{
	const unsigned int n = 1000;
	unsigned int i, *order;
	struct kvmmu_memslots *slots;

	order = kunit_kmalloc_array(test, n, sizeof(*order), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, order);
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		unsigned int j = get_random_u32() % (i + 1);

		swap(order[i], order[j]);
	}

	/* Slot i covers gfns [4i, 4i + 2]; gfn 4i + 3 is a hole. */
	for (i = 0; i < n; i++)
		KUNIT_ASSERT_EQ(test, set(test, region(order[i], 0,
						       4ULL * order[i] * PAGE_SIZE,
						       3 * PAGE_SIZE,
						       HVA_BASE), NULL), 0);
	slots = active(test);
	KUNIT_EXPECT_EQ(test, slots->nr_pages, 3ULL * n);
	for (i = 0; i < 4 * n; i++) {
		struct kvmmu_memory_slot *slot = kvmmu_gfn_to_memslot(slots, i);

		if (i % 4 == 3) {
			KUNIT_EXPECT_NULL(test, slot);
		} else {
			KUNIT_ASSERT_NOT_NULL_MSG(test, slot, "gfn %u", i);
			KUNIT_EXPECT_EQ(test, slot->id, i / 4);
		}
	}
	/* Delete the odd slots; their gfns become holes. */
	for (i = 1; i < n; i += 2)
		KUNIT_ASSERT_EQ(test, set(test, region(i, 0, 0, 0, 0), NULL), 0);
	slots = active(test);
	for (i = 0; i < 4 * n; i++) {
		struct kvmmu_memory_slot *slot = kvmmu_gfn_to_memslot(slots, i);
		bool hole = i % 4 == 3 || (i / 4) % 2;

		KUNIT_EXPECT_EQ_MSG(test, !slot, hole, "gfn %u", i);
	}
	KUNIT_EXPECT_EQ(test, slots->nr_pages, 3ULL * n / 2);
}

static struct kunit_case memslots_test_cases[] = {
	KUNIT_CASE(memslots_test_check_region),
	KUNIT_CASE(memslots_test_create_and_lookup),
	KUNIT_CASE(memslots_test_overlap),
	KUNIT_CASE(memslots_test_bad_changes),
	KUNIT_CASE(memslots_test_flags_only),
	KUNIT_CASE(memslots_test_delete),
	KUNIT_CASE(memslots_test_move),
	KUNIT_CASE(memslots_test_hva_aliases),
	KUNIT_CASE(memslots_test_many),
	{}
};

static struct kunit_suite memslots_test_suite = {
	.name = "kvmmu_memslots",
	.init = memslots_test_init,
	.exit = memslots_test_exit,
	.test_cases = memslots_test_cases,
};

kunit_test_suite(memslots_test_suite);
