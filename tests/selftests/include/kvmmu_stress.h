/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The multi-vCPU stress loop of the per-backend suites: vCPU threads read
 * guest locations in a loop (and may run the verified in-kernel workload)
 * while the main thread changes what those locations hold, and every value
 * read is checked against what the main thread did.
 *
 * The main thread changes "slots".  A remap slot is a guest mapping the
 * test points at one of two pages in turn (through the guest's page
 * tables, HPTEs...): generation g reads val[g % 2].  A drop slot is a page
 * the process drops (MADV_DONTNEED) and rewrites: generation g reads
 * kvmmu_stress_drop_val(id, g).  Each slot has a sequence count, odd while
 * it changes: a read bracketed by the same even count must see exactly
 * that generation ("exact"); any other read must see a value the slot may
 * hold while it changes ("loose").  The vCPUs read slots at "read"
 * addresses; several may share a slot.
 *
 * The test sets the slots, reads and vCPU threads up, starts them, loops
 * while kvmmu_stress_running() changing slots with kvmmu_stress_begin()
 * and kvmmu_stress_end() (or kvmmu_stress_drop()), stops them, and checks
 * each thread's counters.
 */
#ifndef _KVMMU_STRESS_H
#define _KVMMU_STRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include <linux/kvmmu.h>

#define KVMMU_STRESS_MAX_SLOTS	64
#define KVMMU_STRESS_MAX_READS	64
#define KVMMU_STRESS_MAX_VCPUS	4

/**
 * struct kvmmu_stress_slot - something the main thread changes
 * @seq: even at rest, odd while the slot changes; generation is seq / 2
 * @drop: a drop slot rather than a remap slot
 * @id: a drop slot's number in its values
 * @page: a drop slot's page in the process
 * @val: a remap slot's values, even and odd generations
 */
struct kvmmu_stress_slot {
	unsigned int seq;
	bool drop;
	unsigned int id;
	void *page;
	__u64 val[2];
};

/**
 * struct kvmmu_stress_vcpu - a vCPU thread and what it saw
 * @s: the stress run
 * @fd: the vCPU
 * @read: it reads every read address in each round
 * @wl_gpa: the workload's range, when @wl_size: written then verified,
 *	with a new seed each time
 * @wl_size: its size (0: no workload)
 * @wl_stride: its stride
 * @min_progress: rounds + runs kvmmu_stress_running() waits for
 * @rounds: batches read
 * @checked: exact checks
 * @loose: loose checks
 * @bad: wrong values and failed batches
 * @runs: workload runs
 * @run_bad: failed or mismatching workload runs
 * @progress: @rounds + @runs, for the main thread
 */
struct kvmmu_stress_vcpu {
	struct kvmmu_stress *s;
	int fd;
	bool read;
	__u64 wl_gpa, wl_size, wl_stride;
	unsigned long min_progress;
	unsigned long rounds, checked, loose, bad;
	unsigned long runs, run_bad;
	unsigned long progress;
};

/**
 * struct kvmmu_stress - a stress run
 * @slot: the slots
 * @nr_slots: how many
 * @read_addr: the addresses the vCPUs read
 * @read_slot: the slot each reads
 * @nr_reads: how many
 * @loose_fault: while a remap slot changes, an access may also fail with
 *	@loose_result and @loose_data (the mapping is briefly absent)
 * @loose_result: that result
 * @loose_data: and the data that comes with it
 * @vcpu: the vCPU threads
 * @nr_vcpus: how many
 * @tid: their threads
 * @min_ms: kvmmu_stress_running() runs at least this long
 * @max_ms: and at most this long, for slow kernels to make progress
 * @t0: when the threads started
 * @rnd: the main thread's pseudo-random sequence
 * @stop: tells the threads to stop
 */
struct kvmmu_stress {
	struct kvmmu_stress_slot slot[KVMMU_STRESS_MAX_SLOTS];
	unsigned int nr_slots;
	__u64 read_addr[KVMMU_STRESS_MAX_READS];
	unsigned int read_slot[KVMMU_STRESS_MAX_READS];
	unsigned int nr_reads;
	bool loose_fault;
	int loose_result;
	__u64 loose_data;
	struct kvmmu_stress_vcpu vcpu[KVMMU_STRESS_MAX_VCPUS];
	unsigned int nr_vcpus;
	pthread_t tid[KVMMU_STRESS_MAX_VCPUS];
	long min_ms, max_ms;
	struct timespec t0;
	unsigned int rnd;
	bool stop;
};

/**
 * kvmmu_stress_init() - an empty stress run
 * @s: the run
 * @min_ms: how long it runs at least
 * @max_ms: how long it runs at most
 */
void kvmmu_stress_init(struct kvmmu_stress *s, long min_ms, long max_ms);

/**
 * kvmmu_stress_add_remap() - a remap slot
 * @s: the run
 * @even: what even generations read
 * @odd: what odd generations read
 *
 * Return: the slot's number.
 */
unsigned int kvmmu_stress_add_remap(struct kvmmu_stress *s, __u64 even,
				    __u64 odd);

/**
 * kvmmu_stress_add_drop() - a drop slot
 * @s: the run
 * @id: its number in kvmmu_stress_drop_val()
 * @page: its page in the process, which gets generation 0's value
 *
 * Return: the slot's number.
 */
unsigned int kvmmu_stress_add_drop(struct kvmmu_stress *s, unsigned int id,
				   void *page);

/**
 * kvmmu_stress_add_read() - an address the reading vCPUs read
 * @s: the run
 * @addr: the address (8 bytes, read by KVMMU_ACCESS_READ)
 * @slot: the slot whose value it reads
 */
void kvmmu_stress_add_read(struct kvmmu_stress *s, __u64 addr,
			   unsigned int slot);

/**
 * kvmmu_stress_add_vcpu() - a vCPU thread
 * @s: the run
 * @fd: the vCPU
 * @read: whether it reads every read address in a loop
 * @min_progress: rounds + workload runs the run waits for
 *
 * The caller sets the workload fields if the thread runs one.
 *
 * Return: the thread's state and counters.
 */
struct kvmmu_stress_vcpu *kvmmu_stress_add_vcpu(struct kvmmu_stress *s,
						int fd, bool read,
						unsigned long min_progress);

/**
 * kvmmu_stress_start() - start the vCPU threads
 * @s: the run
 *
 * Return: 0 or the -errno of pthread_create().
 */
int kvmmu_stress_start(struct kvmmu_stress *s);

/**
 * kvmmu_stress_running() - whether the main thread goes on
 * @s: the run
 * @done: the changes the main thread made
 * @min_done: the changes it should make at least
 *
 * At least min_ms; after that, until @min_done changes are made and every
 * thread made its progress, or max_ms.
 *
 * Return: true to go on.
 */
bool kvmmu_stress_running(struct kvmmu_stress *s, unsigned long done,
			  unsigned long min_done);

/**
 * kvmmu_stress_rand() - the next number of the run's pseudo-random sequence
 * @s: the run
 *
 * The same sequence every run, so a failure repeats.
 *
 * Return: the number.
 */
unsigned int kvmmu_stress_rand(struct kvmmu_stress *s);

/**
 * kvmmu_stress_begin() - a slot starts changing
 * @s: the run
 * @slot: the slot
 *
 * Return: the generation it changes to.
 */
unsigned int kvmmu_stress_begin(struct kvmmu_stress *s, unsigned int slot);

/**
 * kvmmu_stress_end() - the slot's change is done
 * @s: the run
 * @slot: the slot
 */
void kvmmu_stress_end(struct kvmmu_stress *s, unsigned int slot);

/**
 * kvmmu_stress_gen() - a slot's generation
 * @s: the run
 * @slot: the slot, at rest
 *
 * Return: the generation.
 */
unsigned int kvmmu_stress_gen(struct kvmmu_stress *s, unsigned int slot);

/**
 * kvmmu_stress_drop_val() - what a drop slot's page holds
 * @id: the slot's number
 * @gen: its generation
 *
 * Return: the value in the page's first qword.
 */
__u64 kvmmu_stress_drop_val(unsigned int id, unsigned int gen);

/**
 * kvmmu_stress_drop() - drop a drop slot's page and rewrite it
 * @s: the run
 * @slot: the slot
 *
 * MADV_DONTNEED, then the next generation's value in the first qword.
 *
 * Return: 0 or madvise()'s -errno.
 */
int kvmmu_stress_drop(struct kvmmu_stress *s, unsigned int slot);

/**
 * kvmmu_stress_round() - one batch over every read address, checked
 * @t: the thread's counters
 *
 * What the threads do in a loop; at rest, the main thread can call it
 * too, and then every check is exact.  The first few wrong values are
 * printed as TAP diagnostics.
 */
void kvmmu_stress_round(struct kvmmu_stress_vcpu *t);

/**
 * kvmmu_stress_stop() - stop the vCPU threads and wait for them
 * @s: the run
 */
void kvmmu_stress_stop(struct kvmmu_stress *s);

#endif /* _KVMMU_STRESS_H */
