/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KUnit suites' VM: a struct kvmmu_vm made by the module's own
 * kvmmu_vm_alloc() (real mmu_lock, slots_lock, SRCU and empty memslot
 * spaces) with a backend's ->init_vm(), and vCPUs with its ->init_vcpu();
 * no mm, no notifier, no file.  Both are test-managed resources: KUnit
 * tears them down after the suite's exit (vCPUs first, then the VM, whose
 * mappings are zapped before ->destroy_vm()).
 */
#ifndef _KVMMU_TEST_FAKE_VM_H
#define _KVMMU_TEST_FAKE_VM_H

#include <kunit/test.h>

#include "kvmmu/mmu.h"

struct kvmmu_vm *kvmmu_test_vm(struct kunit *test,
			       const struct kvmmu_arch_ops *ops);
struct kvmmu_vcpu *kvmmu_test_vcpu(struct kunit *test, struct kvmmu_vm *vm,
				   unsigned int id);

#endif /* _KVMMU_TEST_FAKE_VM_H */
