// SPDX-License-Identifier: GPL-2.0
/*
 * kvmmu module entry points: bring the pieces up in dependency order and
 * tear them down in reverse.
 */
#include <linux/init.h>
#include <linux/module.h>

#include "kvmmu/backend.h"
#include "kvmmu/device.h"
#include "kvmmu/rmap.h"

static int __init kvmmu_init(void)
{
	int r = kvmmu_rmap_init();

	if (r)
		return r;
	/* Each backend through its own ->init hook. */
	r = kvmmu_backends_init();
	if (r)
		goto out_rmap;
	/* The device goes last: once it exists, userspace can use us. */
	r = kvmmu_dev_init();
	if (r)
		goto out_backends;
	return 0;

out_backends:
	kvmmu_backends_exit();
out_rmap:
	kvmmu_rmap_exit();
	return r;
}

static void __exit kvmmu_exit(void)
{
	kvmmu_dev_exit();
	kvmmu_backends_exit();
	kvmmu_rmap_exit();
}

module_init(kvmmu_init);
module_exit(kvmmu_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kvmmu: a KVM-style secondary MMU kept coherent through mmu_notifier");
MODULE_AUTHOR("The kvmmu developers");
