/* SPDX-License-Identifier: GPL-2.0 */
/*
 * /dev/kvmmu, the system-wide control node: interfaces between the device
 * and the rest of the module.
 */
#ifndef _KVMMU_DEVICE_H
#define _KVMMU_DEVICE_H

#include <linux/types.h>

struct file;

int kvmmu_dev_init(void);
void kvmmu_dev_exit(void);

#if IS_ENABLED(CONFIG_KUNIT)
long kvmmu_dev_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg);
bool kvmmu_dev_mode_valid(umode_t mode);
#endif

#endif /* _KVMMU_DEVICE_H */
