// SPDX-License-Identifier: GPL-2.0
/*
 * x86 shadow paging (KVMMU_VM_X86_SHADOW): the guest's own 4-level page
 * tables, built in guest memory by a small page-table builder (guest.c),
 * as a guest kernel would have them.
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
 *
 * The program is split along these concerns: shadow.h (the layouts and
 * the x86 paging bits), guest.c (the guest page-table builder and the
 * paging and translation helpers), and one file per group of tests.
 * shadow_test.c #includes them all into one translation unit: the
 * kselftest harness is a header that registers tests in the one file
 * that includes it.
 */
#include "shadow.h"

#include "guest.c"

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

/* The tests, by concern */
#include "abi.c"
#include "translate.c"
#include "faults.c"
#include "pt_edit.c"
#include "host_events.c"
#include "stress.c"

int main(int argc, char **argv)
{
	return kvmmu_backend_test_main(argc, argv, KVMMU_VM_X86_SHADOW,
				       "x86 shadow paging", true);
}
