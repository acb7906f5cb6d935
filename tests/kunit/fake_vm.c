// SPDX-License-Identifier: GPL-2.0
/*
 * One fake VM for every KUnit suite; see fake_vm.h.
 */
#include <kunit/resource.h>
#include <linux/slab.h>
#include <linux/srcu.h>

#include "fake_vm.h"

static int fake_vm_init(struct kunit_resource *res, void *context)
{
	const struct kvmmu_arch_ops *ops = context;
	struct kvmmu_vm *vm = kvmmu_vm_alloc(ops, false);

	if (!vm)
		return -ENOMEM;
	if (ops->init_vm(vm)) {
		kvmmu_vm_free(vm);
		return -ENOMEM;
	}
	res->data = vm;
	return 0;
}

static void fake_vm_free(struct kunit_resource *res)
{
	struct kvmmu_vm *vm = res->data;
	int idx;

	/*
	 * ->destroy_vm() expects no mapping left.  SRCU: a shadow zap looks
	 * memslots up, as at VM destruction.
	 */
	idx = srcu_read_lock(&vm->srcu);
	spin_lock(&vm->mmu_lock);
	kvmmu_mmu_zap_all(vm);
	spin_unlock(&vm->mmu_lock);
	srcu_read_unlock(&vm->srcu, idx);
	vm->ops->destroy_vm(vm);
	kvmmu_vm_free(vm);
}

/**
 * kvmmu_test_vm() - a VM of backend @ops for the current test
 * @test: the test; the VM goes when it ends
 * @ops: the backend, e.g. &kvmmu_x86_ept_ops
 *
 * Asserts (ends the test) if it cannot be made.
 *
 * Return: the VM.
 */
struct kvmmu_vm *kvmmu_test_vm(struct kunit *test,
			       const struct kvmmu_arch_ops *ops)
{
	struct kvmmu_vm *vm;

	vm = kunit_alloc_resource(test, fake_vm_init, fake_vm_free, GFP_KERNEL,
				  (void *)ops);
	KUNIT_ASSERT_NOT_NULL(test, vm);
	return vm;
}

static int fake_vcpu_init(struct kunit_resource *res, void *context)
{
	struct kvmmu_vcpu *vcpu = context;
	struct kvmmu_vm *vm = vcpu->vm;

	mutex_init(&vcpu->mutex);
	if (vm->ops->init_vcpu && vm->ops->init_vcpu(vcpu))
		return -ENOMEM;
	res->data = vcpu;
	return 0;
}

static void fake_vcpu_free(struct kunit_resource *res)
{
	struct kvmmu_vcpu *vcpu = res->data;

	if (vcpu->arch && vcpu->vm->ops->destroy_vcpu)
		vcpu->vm->ops->destroy_vcpu(vcpu);
	kvmmu_page_cache_free(&vcpu->cache);
	kfree(vcpu);
}

/**
 * kvmmu_test_vcpu() - a vCPU of @vm for the current test
 * @test: the test; the vCPU goes when it ends, before its VM
 * @vm: a VM from kvmmu_test_vm()
 * @id: its id
 *
 * Not in @vm->vcpus: nothing in the module looks vCPUs up by id.
 *
 * Return: the vCPU.
 */
struct kvmmu_vcpu *kvmmu_test_vcpu(struct kunit *test, struct kvmmu_vm *vm,
				   unsigned int id)
{
	struct kvmmu_vcpu *vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, vcpu);
	vcpu->vm = vm;
	vcpu->id = id;
	if (!kunit_alloc_resource(test, fake_vcpu_init, fake_vcpu_free,
				  GFP_KERNEL, vcpu)) {
		kfree(vcpu);
		vcpu = NULL;
	}
	/* KUNIT_ASSERT_FAILURE() is KUNIT_FAIL_AND_ABORT() since 6.12. */
	KUNIT_ASSERT_NOT_NULL_MSG(test, vcpu, "vCPU %u: init_vcpu failed", id);
	return vcpu;
}
