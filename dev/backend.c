// SPDX-License-Identifier: GPL-2.0
/*
 * The backends, by VM type: brought up and torn down through their own
 * hooks (struct kvmmu_arch_ops ->init, ->exit), looked up when a VM is
 * created, and asked for the capabilities that depend on them.
 *
 * The registered set only changes at module load and unload, before
 * /dev/kvmmu exists and after it is gone, so readers take no lock.
 */
#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/minmax.h>

#include <uapi/linux/kvmmu.h>

#include "kvmmu/backend.h"
#include "kvmmu/mmu.h"

/* The page-table formats the module is built with, by KVMMU_VM_* type. */
static const struct kvmmu_arch_ops *const kvmmu_backends[] = {
	[KVMMU_VM_X86_EPT] = &kvmmu_x86_ept_ops,
	[KVMMU_VM_X86_SHADOW] = &kvmmu_x86_shadow_ops,
	[KVMMU_VM_PPC_HV] = &kvmmu_ppc_hv_ops,
	[KVMMU_VM_MIPS] = &kvmmu_mips_ops,
};

/* BIT(type) of every backend whose ->init succeeded. */
static unsigned long kvmmu_backends_up;

/**
 * kvmmu_backends_init() - bring every backend up, through its ->init hook
 *
 * Return: 0, or the first hook's error (the ones that came up are torn
 * down again).
 */
int kvmmu_backends_init(void)
{
	int i, r;

	for (i = 0; i < ARRAY_SIZE(kvmmu_backends); i++) {
		const struct kvmmu_arch_ops *ops = kvmmu_backends[i];

		if (!ops)
			continue;
		if (WARN_ON_ONCE(ops->type != i)) {
			r = -EINVAL;
			goto err;
		}
		r = ops->init ? ops->init() : 0;
		if (r) {
			pr_err("backend %s: %d\n", ops->name, r);
			goto err;
		}
		kvmmu_backends_up |= BIT(i);
	}
	return 0;

err:
	kvmmu_backends_exit();
	return r;
}

/* Tear down, through their ->exit hooks, the backends that came up. */
void kvmmu_backends_exit(void)
{
	int i;

	for (i = ARRAY_SIZE(kvmmu_backends) - 1; i >= 0; i--) {
		const struct kvmmu_arch_ops *ops = kvmmu_backends[i];

		if (!(kvmmu_backends_up & BIT(i)))
			continue;
		kvmmu_backends_up &= ~BIT(i);
		if (ops->exit)
			ops->exit();
	}
}

/**
 * kvmmu_backend() - the backend of a VM type
 * @type: a KVMMU_VM_* type, without creation flags
 *
 * Return: its ops, or NULL if the module offers no such type.
 */
const struct kvmmu_arch_ops *kvmmu_backend(unsigned long type)
{
	if (type >= ARRAY_SIZE(kvmmu_backends) ||
	    !(kvmmu_backends_up & BIT(type)))
		return NULL;
	return kvmmu_backends[type];
}

/* A capability whose value is the backend's. */
static long kvmmu_backend_ops_cap(const struct kvmmu_arch_ops *ops, long cap)
{
	switch (cap) {
	case KVMMU_CAP_READONLY_MEM:
		return ops->readonly_mem;
	case KVMMU_CAP_GPA_BITS:
		return ops->gpa_bits;
	default:
		return 0;
	}
}

/**
 * kvmmu_backend_cap() - the capabilities that depend on the backend
 * @vm: the VM asked on, or NULL on /dev/kvmmu
 * @cap: a KVMMU_CAP_*
 *
 * Which types are offered (KVMMU_CAP_VM_TYPES) is the same everywhere.
 * Otherwise a VM's backend answers for its VM; /dev/kvmmu is not a VM and
 * answers what the offered types make possible, the most any of them
 * gives.
 *
 * Return: the capability's value; 0 if no backend knows it.
 */
long kvmmu_backend_cap(const struct kvmmu_vm *vm, long cap)
{
	long val = 0;
	int i;

	if (cap == KVMMU_CAP_VM_TYPES)
		return kvmmu_backends_up;
	if (vm)
		return kvmmu_backend_ops_cap(vm->ops, cap);
	for (i = 0; i < ARRAY_SIZE(kvmmu_backends); i++)
		if (kvmmu_backends_up & BIT(i))
			val = max(val, kvmmu_backend_ops_cap(kvmmu_backends[i],
							     cap));
	return val;
}
