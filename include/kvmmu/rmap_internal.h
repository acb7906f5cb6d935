/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The rmap operations without their kvmmu_bug_on() report, visible only
 * to the KUnit suite: a WARN fails a whole test run, so the suite checks
 * that misuse is detected, and changes nothing, through these.
 */
#ifndef _KVMMU_RMAP_INTERNAL_H
#define _KVMMU_RMAP_INTERNAL_H

#include "kvmmu/rmap.h"

#if IS_ENABLED(CONFIG_KUNIT)
bool __kvmmu_rmap_remove(unsigned long *head, u64 *sptep);
u64 *__kvmmu_rmap_iter_next(struct kvmmu_rmap_iter *iter, bool *misuse);
#endif

#endif /* _KVMMU_RMAP_INTERNAL_H */
