// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the x86 guest paging rules of the shadow backend: which
 * register values KVMMU_SET_PAGING takes, which guest entry bits are
 * reserved at each level, and which 4 KiB frame a leaf maps an address
 * to.  The guest walk itself reads guest memory through a VMM's mapping
 * and is covered by tests/selftests/shadow_test.c.
 */
#include <kunit/test.h>
#include <linux/slab.h>

#include "../../arch/x86/shadow.h"
#include "fake_vm.h"

#define LONG_MODE_CR0	(KVMMU_X86_CR0_PE | KVMMU_X86_CR0_WP | \
			 KVMMU_X86_CR0_PG)

static struct kvmmu_vcpu *paging_vcpu(struct kunit *test)
{
	struct kvmmu_vm *vm = kvmmu_test_vm(test, &kvmmu_x86_shadow_ops);

	return kvmmu_test_vcpu(test, vm, 0);
}

static void paging_set_long_mode(struct kunit *test)
{
	struct kvmmu_vcpu *vcpu = paging_vcpu(test);
	struct kvmmu_shadow_vcpu *sv = vcpu->arch;
	struct kvmmu_paging p = {
		.cr0 = LONG_MODE_CR0,
		.cr3 = 0x1000 | BIT_ULL(3),	/* PWT is ignored, not rejected */
		.cr4 = KVMMU_X86_CR4_PAE,
		.efer = KVMMU_X86_EFER_LME | KVMMU_X86_EFER_NXE,
	};

	KUNIT_ASSERT_EQ(test, kvmmu_paging_set(vcpu, &p), 0);
	KUNIT_EXPECT_TRUE(test, kvmmu_paging(&sv->regs));
	KUNIT_EXPECT_EQ(test, sv->regs.efer,
			p.efer | KVMMU_X86_EFER_LMA);

	/* LMA in the input is the processor's business: recomputed. */
	p.cr0 = 0;
	p.efer |= KVMMU_X86_EFER_LMA;
	KUNIT_ASSERT_EQ(test, kvmmu_paging_set(vcpu, &p), 0);
	KUNIT_EXPECT_FALSE(test, kvmmu_paging(&sv->regs));
	KUNIT_EXPECT_EQ(test, sv->regs.efer & KVMMU_X86_EFER_LMA, 0ULL);
}

static void paging_set_rejects(struct kunit *test)
{
	static const struct {
		const char *why;
		u64 cr0, cr3, cr4, efer, flags;
	} bad[] = {
		{ "PG without PE", KVMMU_X86_CR0_PG | KVMMU_X86_CR0_WP, 0,
		  KVMMU_X86_CR4_PAE, KVMMU_X86_EFER_LME },
		{ "PG without WP", KVMMU_X86_CR0_PG | KVMMU_X86_CR0_PE, 0,
		  KVMMU_X86_CR4_PAE, KVMMU_X86_EFER_LME },
		{ "32-bit paging", LONG_MODE_CR0, 0, 0, 0 },
		{ "PAE paging", LONG_MODE_CR0, 0, KVMMU_X86_CR4_PAE, 0 },
		{ "LA57", LONG_MODE_CR0, 0, KVMMU_X86_CR4_PAE | BIT_ULL(12),
		  KVMMU_X86_EFER_LME },
		{ "SMEP", LONG_MODE_CR0, 0, KVMMU_X86_CR4_PAE | BIT_ULL(20),
		  KVMMU_X86_EFER_LME },
		{ "PCIDE", 0, 0, BIT_ULL(17), 0 },
		{ "CR3 bit 52", 0, BIT_ULL(52), 0, 0 },
		{ "CR0 bit 32", BIT_ULL(32), 0, 0, 0 },
		{ "EFER bit 12", 0, 0, 0, BIT_ULL(12) },
		{ "flags", 0, 0, 0, 0, 1 },
	};
	struct kvmmu_vcpu *vcpu = paging_vcpu(test);
	struct kvmmu_shadow_vcpu *sv = vcpu->arch;
	struct kvmmu_paging good = {
		.cr0 = LONG_MODE_CR0, .cr3 = 0x5000,
		.cr4 = KVMMU_X86_CR4_PAE, .efer = KVMMU_X86_EFER_LME,
	}, before;
	int i;

	KUNIT_ASSERT_EQ(test, kvmmu_paging_set(vcpu, &good), 0);
	before = sv->regs;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct kvmmu_paging p = {
			.cr0 = bad[i].cr0, .cr3 = bad[i].cr3,
			.cr4 = bad[i].cr4, .efer = bad[i].efer,
			.flags = bad[i].flags,
		};

		KUNIT_EXPECT_EQ_MSG(test, kvmmu_paging_set(vcpu, &p), -EINVAL,
				    "%s", bad[i].why);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(&sv->regs, &before,
						 sizeof(before)), 0,
				    "%s changed the registers", bad[i].why);
	}
	good.reserved[2] = 1;
	KUNIT_EXPECT_EQ(test, kvmmu_paging_set(vcpu, &good), -EINVAL);
}

static void paging_reserved_bits(struct kunit *test)
{
	/* XD is reserved only without EFER.NXE. */
	KUNIT_EXPECT_TRUE(test, pt_rsvd_bits(1, false, false) & PT_NX);
	KUNIT_EXPECT_FALSE(test, pt_rsvd_bits(1, false, true) & PT_NX);
	/* PS is reserved in a PML4 entry; bit 7 of a PTE is PAT. */
	KUNIT_EXPECT_TRUE(test, pt_rsvd_bits(4, false, true) & PT_PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, pt_rsvd_bits(1, false, true), 0ULL);
	KUNIT_EXPECT_EQ(test, pt_rsvd_bits(3, false, true), 0ULL);
	/* Large pages: the frame's low bits above PAT (bit 12). */
	KUNIT_EXPECT_EQ(test, pt_rsvd_bits(2, true, true),
			GENMASK_ULL(20, 13));
	KUNIT_EXPECT_EQ(test, pt_rsvd_bits(3, true, true),
			GENMASK_ULL(29, 13));
}

static void paging_leaf_gfn(struct kunit *test)
{
	u64 pat = BIT_ULL(12), flags = PT_PRESENT | PT_WRITABLE | PT_ACCESSED;

	/* 4 KiB: the frame; the address's offset bits do not matter. */
	KUNIT_EXPECT_EQ(test, pt_leaf_gfn(0x1234000 | flags | PT_NX, 1,
					  0x7fff12345678ULL), 0x1234ULL);
	/* 2 MiB: the frame plus the address's 4 KiB index, PAT masked. */
	KUNIT_EXPECT_EQ(test, pt_leaf_gfn(0x40000000 | pat | PT_PAGE_SIZE, 2,
					  0x7fe00000 + 0x1ff000 + 0x123),
			0x40000ULL + 0x1ffULL);
	KUNIT_EXPECT_EQ(test, pt_leaf_gfn(0x40200000 | PT_PAGE_SIZE, 2,
					  0x200000), 0x40200ULL);
	/* 1 GiB: 18 bits of index from the address. */
	KUNIT_EXPECT_EQ(test, pt_leaf_gfn(0x80000000 | pat | PT_PAGE_SIZE, 3,
					  0x40000000 + 0x3ffff000),
			0x80000ULL + 0x3ffffULL);
	/* Address bits 51:12 only: the ignored high bits do not leak. */
	KUNIT_EXPECT_EQ(test, pt_leaf_gfn(GENMASK_ULL(62, 52) | 0x2000, 1, 0),
			2ULL);
}

static struct kunit_case paging_cases[] = {
	KUNIT_CASE(paging_set_long_mode),
	KUNIT_CASE(paging_set_rejects),
	KUNIT_CASE(paging_reserved_bits),
	KUNIT_CASE(paging_leaf_gfn),
	{}
};

static struct kunit_suite paging_suite = {
	.name = "kvmmu_x86_paging",
	.test_cases = paging_cases,
};

kunit_test_suite(paging_suite);
