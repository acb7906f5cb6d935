// SPDX-License-Identifier: GPL-2.0
/*
 * KVMMU_RUN_WORKLOAD: the in-kernel guest workload a vCPU runs, write,
 * read and verify passes over guest memory.  It is vCPU execution, not
 * MMU: every access is an ordinary guest access (kvmmu_vcpu_access(),
 * mmu/access.c), faults and retries included.
 */
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#include <uapi/linux/kvmmu.h>

#include "kvmmu/mmu.h"
#include "kvmmu/vm.h"

#define KVMMU_RUN_FLAGS	(KVMMU_RUN_WRITE | KVMMU_RUN_READ | \
			 KVMMU_RUN_VERIFY | KVMMU_RUN_RANDOM)

static int kvmmu_run_check(struct kvmmu_run *run)
{
	if (!run->stride)
		run->stride = PAGE_SIZE;
	if (run->flags & ~KVMMU_RUN_FLAGS ||
	    !(run->flags & (KVMMU_RUN_WRITE | KVMMU_RUN_READ)) ||
	    !run->passes || !run->size || run->size % 8 || run->gpa % 8 ||
	    run->stride % 8 || run->gpa + run->size < run->gpa)
		return -EINVAL;
	return 0;
}

/* One access of the workload; one a signal interrupted is not counted. */
static int kvmmu_run_access(struct kvmmu_run *run, struct kvmmu_vcpu *vcpu,
			    struct kvmmu_access *a)
{
	int r = kvmmu_vcpu_access(vcpu, a);

	run->faults += a->faults;
	if (r != -EINTR)
		run->accesses++;
	return r;
}

/* One step of the workload at @gpa: write and/or read back. */
static int kvmmu_run_step(struct kvmmu_vcpu *vcpu, struct kvmmu_run *run,
			  u64 gpa)
{
	struct kvmmu_access a = { .gpa = gpa, .size = 8 };
	int r;

	if (run->flags & KVMMU_RUN_WRITE) {
		a.type = KVMMU_ACCESS_WRITE;
		a.data = kvmmu_run_pattern(gpa, run->seed);
		r = kvmmu_run_access(run, vcpu, &a);
		if (r)
			return r;
	}
	if (run->flags & KVMMU_RUN_READ) {
		a.type = KVMMU_ACCESS_READ;
		r = kvmmu_run_access(run, vcpu, &a);
		if (r)
			return r;
		if ((run->flags & KVMMU_RUN_VERIFY) &&
		    a.data != kvmmu_run_pattern(gpa, run->seed)) {
			if (!run->mismatches)
				run->first_mismatch_gpa = gpa;
			run->mismatches++;
		}
	}
	return 0;
}

/**
 * kvmmu_vcpu_run() - the in-kernel guest workload
 * @vcpu: the vCPU, its mutex held
 * @run: parameters in, counters out (see struct kvmmu_run)
 *
 * Every access goes through kvmmu_vcpu_access(), faults and all.  SRCU is
 * held per access, not across the run, so memslot changes are not held
 * off by a long run.
 *
 * Return: 0 (access errors are reported in @run), -EINVAL, or -EINTR when
 * a signal stopped the run (counters valid).
 */
int kvmmu_vcpu_run(struct kvmmu_vcpu *vcpu, struct kvmmu_run *run)
{
	struct kvmmu_vm *vm = vcpu->vm;
	u64 steps, start_retries;
	struct rnd_state rnd;
	ktime_t start;
	u32 pass;
	int r = 0;

	r = kvmmu_run_check(run);
	if (r)
		return r;
	run->accesses = 0;
	run->faults = 0;
	run->retries = 0;
	run->mismatches = 0;
	run->first_mismatch_gpa = 0;
	run->error = 0;
	run->error_gpa = 0;
	run->pad = 0;

	steps = div64_u64(run->size - 1, run->stride) + 1;
	prandom_seed_state(&rnd, run->seed);
	start_retries = atomic64_read(&vm->stat.fault_retries);
	start = ktime_get();
	for (pass = 0; pass < run->passes && !r; pass++) {
		u64 i;

		for (i = 0; i < steps; i++) {
			u64 step = i, gpa;

			if (run->flags & KVMMU_RUN_RANDOM) {
				u64 r = ((u64)prandom_u32_state(&rnd) << 32) |
					prandom_u32_state(&rnd);

				div64_u64_rem(r, steps, &step);
			}
			gpa = run->gpa + step * run->stride;
			r = kvmmu_run_step(vcpu, run, gpa);
			if (r == -EINTR)
				break;
			if (r) {
				run->error = r;
				run->error_gpa = gpa;
				r = 0;
				goto out;
			}
			if (!(i & 255)) {
				if (signal_pending(current)) {
					r = -EINTR;
					break;
				}
				cond_resched();
			}
		}
	}
out:
	run->ns = ktime_to_ns(ktime_sub(ktime_get(), start));
	/* Races lost by any vCPU of the VM during the run. */
	run->retries = atomic64_read(&vm->stat.fault_retries) - start_retries;
	return r;
}
