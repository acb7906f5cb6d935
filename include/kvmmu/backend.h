/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The page-table backends the module offers, by KVMMU_VM_* type: each
 * comes up through its own ->init hook at module load (and goes through
 * ->exit), and only those that came up can be chosen for a VM or are
 * counted in what /dev/kvmmu answers.
 */
#ifndef _KVMMU_BACKEND_H
#define _KVMMU_BACKEND_H

#include <linux/types.h>

struct kvmmu_arch_ops;
struct kvmmu_vm;

int kvmmu_backends_init(void);
void kvmmu_backends_exit(void);
const struct kvmmu_arch_ops *kvmmu_backend(unsigned long type);
long kvmmu_backend_cap(const struct kvmmu_vm *vm, long cap);

#endif /* _KVMMU_BACKEND_H */
