/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Time, process accesses to guest memory, and counters shared between a
 * test's threads.
 */
#ifndef _KVMMU_UTIL_H
#define _KVMMU_UTIL_H

#include <time.h>

#include <linux/types.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/**
 * kvmmu_sleep_ms() - sleep
 * @ms: milliseconds
 */
void kvmmu_sleep_ms(long ms);

/**
 * kvmmu_now_ns() - the CLOCK_MONOTONIC time
 *
 * Return: the time in nanoseconds.
 */
__u64 kvmmu_now_ns(void);

/**
 * kvmmu_ms_since() - milliseconds elapsed
 * @t0: a CLOCK_MONOTONIC time
 *
 * Return: the milliseconds since @t0.
 */
long kvmmu_ms_since(const struct timespec *t0);

/*
 * Process accesses to guest memory, never cached by the compiler: the
 * guest changes that memory behind the compiler's back.
 */
static inline __u64 kvmmu_peek(const void *p)
{
	return __atomic_load_n((const __u64 *)p, __ATOMIC_RELAXED);
}

static inline void kvmmu_poke(void *p, __u64 v)
{
	__atomic_store_n((__u64 *)p, v, __ATOMIC_RELAXED);
}

/*
 * A counter shared between test threads, sequentially consistent: the
 * stress tests bracket a change with two bumps and a read with two loads.
 */
static inline unsigned int kvmmu_seq_load(unsigned int *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static inline void kvmmu_seq_bump(unsigned int *p)
{
	__atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST);
}

#endif /* _KVMMU_UTIL_H */
