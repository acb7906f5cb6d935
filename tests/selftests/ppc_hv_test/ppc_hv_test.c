// SPDX-License-Identifier: GPL-2.0
/*
 * PowerPC Book3S HV (KVMMU_VM_PPC_HV): the hashed page table as the guest
 * drives it through hypervisor calls, and as the hypervisor keeps it
 * coherent with the host.
 *
 * The test computes what the guest kernel would: the hash of an effective
 * address (1 TiB segments, VSID = EA >> 40, 4 KiB pages), its primary and
 * secondary PTEG, and the HPTE words in the Power ISA 2.07 format.  The
 * hypervisor must find the guest's entries where the hardware would, and
 * nowhere else.
 *
 * Covered: KVMMU_PPC_ALLOCATE_HTAB, KVMMU_PPC_GET/SET_MSR and the hcall
 * ABI (H_ENTER, H_REMOVE, H_READ, H_CLEAR_REF, H_CLEAR_MOD, bad inputs
 * that change nothing, full PTEGs); data storage interrupts and their
 * DSISR (no HPTE, protection, store); pp permissions for the supervisor
 * and problem state (MSR.PR or a user access), and N for fetches; DR and
 * IR separately; R and C as the guest sees them; idle page tracking;
 * VRMA entries evicted from full groups in real mode, never the guest's;
 * several effective addresses on one guest real page under DONTNEED,
 * KSM, migration, swap, fork and mprotect; and a multi-vCPU stress of
 * hcall remaps and host invalidations against checked reads.
 *
 * Runs as root (pfns, swap, KSM).  The whole program fails if the module
 * offers no PPC HV VMs (every build has them); a test whose host feature
 * is absent skips.
 *
 * The program is split along these concerns: ppc_hv.h (the HPTE, DSISR
 * and layout definitions), guest.c (the hash, hcalls, guest memory and
 * expectation helpers), and one file per group of tests.  ppc_hv_test.c
 * #includes them all into one translation unit: the kselftest harness
 * is a header that registers tests in the one file that includes it.
 */
#include "ppc_hv.h"

#include "guest.c"

/* ------------------------------------------------------------------ */
/* The fixture: a PPC HV VM, one vCPU, 256 MiB of guest real memory */

FIXTURE(hv) {
	int vm;
	int vcpu;
	struct guest g;
	struct kvmmu_host_state hs;
};

FIXTURE_SETUP(hv)
{
	kvmmu_setup_vm(_metadata, KVMMU_VM_PPC_HV, 0, RAM_SIZE, &self->vm,
		       &self->vcpu, &self->g.ram);
	self->g.next_data = DATA_GRA;
}

FIXTURE_TEARDOWN(hv)
{
	kvmmu_host_restore(&self->hs);
	close(self->vcpu);
	close(self->vm);
	munmap(self->g.ram, RAM_SIZE);
}

/* The tests, by concern */
#include "abi.c"
#include "translate.c"
#include "groups.c"
#include "host_events.c"
#include "stress.c"

int main(int argc, char **argv)
{
	return kvmmu_backend_test_main(argc, argv, KVMMU_VM_PPC_HV,
				       "PowerPC Book3S HV", false);
}
