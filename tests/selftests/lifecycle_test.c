// SPDX-License-Identifier: GPL-2.0
/*
 * VM and vCPU lifetimes against the host mm's: a process that exits with
 * its VM open, fds closed while guest memory is still mapped, a vCPU fd
 * that outlives its VM fd, many VMs on the same memory, tens of thousands
 * of memslots, exit and signals while an in-kernel workload runs.
 *
 * After each, the host must still be able to unmap the memory (the
 * notifier is gone or still right), and whatever the VM still reports
 * must describe the memory as the process sees it.
 *
 * Every VM is of the type kvmmu_vm_type() names: tests/qemu/init runs this
 * once per VM type the module offers.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvmmu_test.h"

#define PG		PAGE_SIZE_4K

/*
 * Fd passing between processes.  The test kernels have no AF_UNIX, so no
 * SCM_RIGHTS: the child writes its fd numbers to a pipe and the parent
 * takes copies with pidfd_getfd(), while the child waits for a byte on
 * another pipe.
 */
struct fd_link {
	int c2p[2], p2c[2];
};

static int link_open(struct fd_link *l)
{
	if (pipe2(l->c2p, O_CLOEXEC))
		return -1;
	return pipe2(l->p2c, O_CLOEXEC);
}

/* Child: offer @n fds, then wait for the parent to have taken them. */
static int link_offer(struct fd_link *l, const int *fds, int n)
{
	char go;

	if (write(l->c2p[1], fds, n * sizeof(int)) != n * sizeof(int))
		return -1;
	return read(l->p2c[0], &go, 1) == 1 ? 0 : -1;
}

/* Parent: take the @n fds child @pid offers, then let it go on. */
static int link_take(struct fd_link *l, pid_t pid, int *fds, int n)
{
	int nums[4], pidfd, i, r = 0;

	if (read(l->c2p[0], nums, n * sizeof(int)) != n * sizeof(int))
		return -1;
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -1;
	for (i = 0; i < n; i++) {
		fds[i] = syscall(SYS_pidfd_getfd, pidfd, nums[i], 0);
		if (fds[i] < 0)
			r = -1;
	}
	close(pidfd);
	if (write(l->p2c[1], "g", 1) != 1)
		return -1;
	return r;
}

/* After fork: each side keeps its ends, so a death is an EOF. */
static void link_side(struct fd_link *l, bool child)
{
	close(l->c2p[!child]);
	close(l->p2c[child]);
}

static void link_close(struct fd_link *l)
{
	close(l->c2p[0]);
	close(l->p2c[1]);
}

/* Waits up to @secs for @pid; returns its status, or -1 after killing it. */
static int wait_bounded(pid_t pid, int secs, __u64 *took_ns)
{
	__u64 t0 = kvmmu_now_ns();
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (r < 0)
			return -1;
		if (kvmmu_now_ns() - t0 > secs * 1000000000ULL) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		usleep(2000);
	}
	if (took_ns)
		*took_ns = kvmmu_now_ns() - t0;
	return status;
}

/* Every ioctl a process other than the VM's gets EIO for. */
static void expect_foreign_eio(struct __test_metadata *_metadata, int vm,
			       int vcpu, void *hva)
{
	struct kvmmu_translation tr;
	struct kvmmu_run run;
	__u64 v = 0;

	EXPECT_EQ(-EIO, kvmmu_set_region(vm, 7, 0, 0x100000, PG, hva));
	EXPECT_EQ(-EIO, kvmmu_create_vcpu(vm, 5));
	EXPECT_EQ(-EIO, kvmmu_read64(vcpu, 0, &v));
	EXPECT_EQ(-EIO, kvmmu_translate(vcpu, 0, &tr));
	EXPECT_EQ(-EIO, kvmmu_run_workload(vcpu, &run, 0, PG, 0, 1, 1,
					   KVMMU_RUN_READ));
}

/*
 * The child of exit_without_close: builds a VM with @npages written by the
 * guest, offers the VM and vCPU fds to the parent, waits for its go and
 * exits without closing anything.  Exit codes name the failing step.
 */
#define EXIT_PAGES	64

static int exit_child(struct fd_link *l)
{
	struct kvmmu_vm_stats st;
	struct kvmmu_run run;
	__u64 *mem;
	int fds[2], i;
	char go;

	fds[0] = kvmmu_create_vm(kvmmu_vm_type());
	if (fds[0] < 0)
		return 10;
	fds[1] = kvmmu_create_vcpu(fds[0], 0);
	if (fds[1] < 0)
		return 11;
	mem = kvmmu_alloc_anon(EXIT_PAGES * PG);
	if (mem == MAP_FAILED)
		return 12;
	if (kvmmu_set_region(fds[0], 0, 0, 0, EXIT_PAGES * PG, mem))
		return 13;
	if (kvmmu_run_workload(fds[1], &run, 0, EXIT_PAGES * PG, PG, 42, 1,
			       KVMMU_RUN_WRITE) || run.error)
		return 14;
	for (i = 0; i < EXIT_PAGES; i++)
		if (mem[i * PG / 8] != kvmmu_run_pattern(i * PG, 42))
			return 15;
	if (kvmmu_vm_stats(fds[0], &st) || st.mapped_pages != EXIT_PAGES)
		return 16;
	if (link_offer(l, fds, 2))
		return 17;
	/* The parent looks at the live VM, then lets us go. */
	if (read(l->p2c[0], &go, 1) != 1)
		return 18;
	return 0;
}

/*
 * A process exits with its VM and vCPU fds open (they live on in the
 * parent): the notifier's release must tear every mapping down, and the
 * VM must refuse everything but its statistics.
 */
TEST(exit_without_close)
{
	struct kvmmu_vm_stats st;
	struct fd_link l;
	int fds[2], status;
	void *scratch;
	pid_t pid;

	scratch = kvmmu_alloc_anon(PG);
	ASSERT_NE(MAP_FAILED, scratch);
	ASSERT_EQ(0, link_open(&l));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		link_side(&l, true);
		_exit(exit_child(&l));
	}
	link_side(&l, false);
	if (link_take(&l, pid, fds, 2)) {
		int err = errno;

		close(l.p2c[1]);
		status = wait_bounded(pid, 10, NULL);
		ASSERT_TRUE(0) TH_LOG("taking the child's fds: %s; child %#x",
				      strerror(err), status);
	}

	/* While the creator lives, its VM is not released. */
	ASSERT_EQ(0, kvmmu_vm_stats(fds[0], &st));
	EXPECT_EQ(0, st.released);
	EXPECT_EQ(EXIT_PAGES, st.mapped_pages);
	/* And this process is not its owner. */
	expect_foreign_eio(_metadata, fds[0], fds[1], scratch);

	ASSERT_EQ(1, write(l.p2c[1], "g", 1));
	status = wait_bounded(pid, 20, NULL);
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status %#x", status);
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("child failed at step %d",
						 WEXITSTATUS(status));

	ASSERT_EQ(0, kvmmu_vm_stats(fds[0], &st));
	EXPECT_EQ(1, st.released);
	EXPECT_EQ(0, st.mapped_pages) TH_LOG("release left %llu sptes",
					     (unsigned long long)st.mapped_pages);
	EXPECT_LE(EXIT_PAGES, st.faults);
	/* Read-only queries still answer; everything else is EIO. */
	EXPECT_EQ(1, ioctl(fds[0], KVMMU_CHECK_EXTENSION,
			   KVMMU_CAP_USER_MEMORY));
	expect_foreign_eio(_metadata, fds[0], fds[1], scratch);

	EXPECT_EQ(0, close(fds[1]));
	ASSERT_EQ(0, kvmmu_vm_stats(fds[0], &st));
	EXPECT_EQ(0, st.mapped_pages);
	EXPECT_EQ(0, close(fds[0]));
	link_close(&l);
	munmap(scratch, PG);
}

#define LIVE_PAGES	1024

/*
 * A VM with LIVE_PAGES guest-written pages; closes the fds in the order
 * asked while everything is still mapped, then unmaps the memory (no
 * notifier may be left behind) and checks a new VM works on new memory.
 */
static void close_live(struct __test_metadata *_metadata, bool vcpu_first)
{
	struct kvmmu_vm_stats st;
	struct kvmmu_translation tr;
	struct kvmmu_run run;
	int vm, vcpu, i;
	__u64 *mem, v;

	vm = kvmmu_create_vm(kvmmu_vm_type());
	ASSERT_LE(0, vm);
	vcpu = kvmmu_create_vcpu(vm, 3);
	ASSERT_LE(0, vcpu);
	mem = kvmmu_alloc_anon(LIVE_PAGES * PG);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, kvmmu_set_region(vm, 0, 0, 0x40000000,
				      LIVE_PAGES * PG, mem));
	ASSERT_EQ(0, kvmmu_run_workload(vcpu, &run, 0x40000000, LIVE_PAGES * PG,
					PG, 7, 1, KVMMU_RUN_WRITE));
	ASSERT_EQ(0, run.error);
	EXPECT_EQ(LIVE_PAGES, run.accesses);
	for (i = 0; i < LIVE_PAGES; i++)
		ASSERT_EQ(kvmmu_run_pattern(0x40000000 + i * PG, 7),
			  mem[i * PG / 8]) TH_LOG("page %d", i);
	ASSERT_EQ(0, kvmmu_vm_stats(vm, &st));
	EXPECT_EQ(LIVE_PAGES, st.mapped_pages);
	ASSERT_EQ(0, kvmmu_translate(vcpu, 0x40000000 + 5 * PG, &tr));
	EXPECT_TRUE(tr.flags & KVMMU_TR_WRITABLE);

	if (vcpu_first) {
		EXPECT_EQ(0, close(vcpu));
		/* The VM alone still has it all mapped. */
		ASSERT_EQ(0, kvmmu_vm_stats(vm, &st));
		EXPECT_EQ(LIVE_PAGES, st.mapped_pages);
		EXPECT_EQ(0, close(vm));
	} else {
		EXPECT_EQ(0, close(vm));
		/* The vCPU keeps the VM, and its mappings, alive. */
		v = 0;
		EXPECT_EQ(0, kvmmu_read64(vcpu, 0x40000000 + 9 * PG, &v));
		EXPECT_EQ(kvmmu_run_pattern(0x40000000 + 9 * PG, 7), v);
		EXPECT_EQ(0, close(vcpu));
	}

	/* No notifier of the dead VM may run (or crash) on these. */
	EXPECT_EQ(0, madvise(mem, LIVE_PAGES * PG / 2, MADV_DONTNEED));
	EXPECT_EQ(0, mprotect(mem, LIVE_PAGES * PG, PROT_READ));
	EXPECT_EQ(0, munmap(mem, LIVE_PAGES * PG));

	/* The module still works: a new VM on new memory at that address. */
	mem = mmap(mem, LIVE_PAGES * PG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	vm = kvmmu_create_vm(kvmmu_vm_type());
	ASSERT_LE(0, vm);
	vcpu = kvmmu_create_vcpu(vm, 3);
	ASSERT_LE(0, vcpu);
	ASSERT_EQ(0, kvmmu_set_region(vm, 0, 0, 0, LIVE_PAGES * PG, mem));
	mem[17 * PG / 8] = 0x1234;
	v = 0;
	EXPECT_EQ(0, kvmmu_read64(vcpu, 17 * PG, &v));
	EXPECT_EQ(0x1234, v);
	EXPECT_EQ(0, kvmmu_write64(vcpu, 18 * PG, 0x5678));
	EXPECT_EQ(0x5678, mem[18 * PG / 8]);
	EXPECT_EQ(0, close(vcpu));
	EXPECT_EQ(0, close(vm));
	EXPECT_EQ(0, munmap(mem, LIVE_PAGES * PG));
}

TEST(close_vcpu_then_vm_with_mappings_live)
{
	close_live(_metadata, true);
}

TEST(close_vm_then_vcpu_with_mappings_live)
{
	close_live(_metadata, false);
}

/*
 * The VM fd is closed first; the vCPU fd keeps the VM, and its notifier,
 * alive: guest accesses still see the process's memory, host changes still
 * reach the secondary MMU.
 */
TEST(vcpu_outlives_vm_fd)
{
	const __u64 gpa = 0x200000, npages = 32;
	struct kvmmu_vm_stats st;
	struct kvmmu_translation tr;
	struct kvmmu_run run;
	__u64 *mem, v;
	int vm, vcpu, i;
	void *p;

	vm = kvmmu_create_vm(kvmmu_vm_type());
	ASSERT_LE(0, vm);
	vcpu = kvmmu_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	mem = kvmmu_alloc_anon(npages * PG);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, kvmmu_set_region(vm, 0, 0, gpa, npages * PG, mem));
	for (i = 0; i < npages; i++)
		ASSERT_EQ(0, kvmmu_write64(vcpu, gpa + i * PG, 0xa000 + i));
	ASSERT_EQ(0, kvmmu_vm_stats(vm, &st));
	EXPECT_EQ(npages, st.mapped_pages);
	ASSERT_EQ(0, close(vm));

	/* Reads and writes through the existing mappings. */
	for (i = 0; i < npages; i++) {
		v = 0;
		EXPECT_EQ(0, kvmmu_read64(vcpu, gpa + i * PG, &v));
		EXPECT_EQ(0xa000 + i, v);
		EXPECT_EQ(0xa000 + i, mem[i * PG / 8]);
	}
	EXPECT_EQ(0, kvmmu_write64(vcpu, gpa + 8, 0xfeed));
	EXPECT_EQ(0xfeed, mem[1]);
	mem[2] = 0xbeef;
	EXPECT_EQ(0, kvmmu_read64(vcpu, gpa + 16, &v));
	EXPECT_EQ(0xbeef, v);

	/* The notifier still runs: zap, fault back in, unmap. */
	ASSERT_EQ(0, madvise(mem, 4 * PG, MADV_DONTNEED));
	ASSERT_EQ(0, kvmmu_translate(vcpu, gpa, &tr));
	EXPECT_FALSE(tr.flags & KVMMU_TR_PRESENT);
	v = 1;
	EXPECT_EQ(0, kvmmu_read64(vcpu, gpa, &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, munmap(mem + 16 * PG / 8, 16 * PG));
	EXPECT_EQ(-EFAULT, kvmmu_read64(vcpu, gpa + 20 * PG, &v));
	EXPECT_EQ(-EFAULT, kvmmu_write64(vcpu, gpa + 30 * PG, 1));
	p = mmap(mem + 16 * PG / 8, 16 * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ((void *)(mem + 16 * PG / 8), p);
	v = 1;
	EXPECT_EQ(0, kvmmu_read64(vcpu, gpa + 20 * PG, &v));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, kvmmu_run_workload(vcpu, &run, gpa, npages * PG, 64, 3, 2,
					KVMMU_RUN_WRITE));
	EXPECT_EQ(0, run.error);
	EXPECT_EQ(kvmmu_run_pattern(gpa + 20 * PG + 64, 3),
		  mem[(20 * PG + 64) / 8]);

	EXPECT_EQ(0, close(vcpu));
	EXPECT_EQ(0, munmap(mem, npages * PG));
}

#define NR_VMS		16
#define MANY_PAGES	32
#define MANY_HALF	(MANY_PAGES / 2)

/* gpa of page @pg (0 .. MANY_PAGES-1) in VM @i: two slots, own layout. */
static __u64 many_gpa(int i, int pg)
{
	if (pg < MANY_HALF)
		return (__u64)(i + 1) << 24 | (__u64)pg * PG;
	return (__u64)(i + 1) << 32 | (__u64)(pg - MANY_HALF) * PG;
}

/*
 * NR_VMS VMs, each with its own slots (own ids and gpas) over the same
 * memory: a guest write in one is seen by every other and by the host; an
 * munmap reaches all of them.
 */
TEST(many_vms_on_the_same_memory)
{
	int vm[NR_VMS], vcpu[NR_VMS], i, pg;
	struct kvmmu_vm_stats st;
	__u64 *mem, v;
	void *p;

	mem = kvmmu_alloc_anon(MANY_PAGES * PG);
	ASSERT_NE(MAP_FAILED, mem);
	for (pg = 0; pg < MANY_PAGES; pg++)
		mem[pg * PG / 8] = 0xab00 + pg;
	for (i = 0; i < NR_VMS; i++) {
		vm[i] = kvmmu_create_vm(kvmmu_vm_type());
		ASSERT_LE(0, vm[i]);
		vcpu[i] = kvmmu_create_vcpu(vm[i], i);
		ASSERT_LE(0, vcpu[i]);
		ASSERT_EQ(0, kvmmu_set_region(vm[i], i, 0, many_gpa(i, 0),
					      MANY_HALF * PG, mem));
		ASSERT_EQ(0, kvmmu_set_region(vm[i], 100 + i, 0,
					      many_gpa(i, MANY_HALF),
					      MANY_HALF * PG,
					      mem + MANY_HALF * PG / 8));
	}

	for (i = 0; i < NR_VMS; i++)
		for (pg = 0; pg < MANY_PAGES; pg++) {
			v = 0;
			ASSERT_EQ(0, kvmmu_read64(vcpu[i], many_gpa(i, pg),
						  &v));
			ASSERT_EQ(0xab00 + pg, v) TH_LOG("vm %d page %d", i, pg);
		}
	/* VM i writes word 1 of page 2i; every VM sees every write. */
	for (i = 0; i < NR_VMS; i++)
		ASSERT_EQ(0, kvmmu_write64(vcpu[i], many_gpa(i, 2 * i) + 8,
					   0xcd00 + i));
	for (i = 0; i < NR_VMS; i++) {
		int j;

		for (j = 0; j < NR_VMS; j++) {
			v = 0;
			EXPECT_EQ(0, kvmmu_read64(vcpu[i],
						  many_gpa(i, 2 * j) + 8, &v));
			EXPECT_EQ(0xcd00 + j, v) TH_LOG("vm %d sees vm %d", i, j);
		}
		EXPECT_EQ(0xcd00 + i, mem[2 * i * PG / 8 + 1]);
		ASSERT_EQ(0, kvmmu_vm_stats(vm[i], &st));
		EXPECT_EQ(MANY_PAGES, st.mapped_pages) TH_LOG("vm %d", i);
	}

	/* munmap across both slots: every VM loses those pages, only. */
	ASSERT_EQ(0, munmap(mem + 8 * PG / 8, 16 * PG));
	for (i = 0; i < NR_VMS; i++) {
		ASSERT_EQ(0, kvmmu_vm_stats(vm[i], &st));
		EXPECT_GE(MANY_PAGES - 16, st.mapped_pages) TH_LOG("vm %d", i);
		EXPECT_LT(0, st.invalidations_hit);
		for (pg = 0; pg < MANY_PAGES; pg++) {
			int want = pg >= 8 && pg < 24 ? -EFAULT : 0;

			v = 0;
			EXPECT_EQ(want, kvmmu_read64(vcpu[i], many_gpa(i, pg),
						     &v))
				TH_LOG("vm %d pg %d", i, pg);
			if (!want)
				EXPECT_EQ(0xab00 + pg, v);
		}
	}

	/* All of it, then new memory in its place reads as zeroes. */
	ASSERT_EQ(0, munmap(mem, MANY_PAGES * PG));
	for (i = 0; i < NR_VMS; i++) {
		ASSERT_EQ(0, kvmmu_vm_stats(vm[i], &st));
		EXPECT_EQ(0, st.mapped_pages) TH_LOG("vm %d", i);
	}
	p = mmap(mem, MANY_PAGES * PG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ((void *)mem, p);
	for (i = 0; i < NR_VMS; i++) {
		for (pg = 0; pg < MANY_PAGES; pg += 3) {
			v = 1;
			EXPECT_EQ(0, kvmmu_read64(vcpu[i], many_gpa(i, pg),
						  &v));
			EXPECT_EQ(0, v) TH_LOG("vm %d pg %d", i, pg);
		}
		EXPECT_EQ(0, close(vcpu[i]));
		EXPECT_EQ(0, close(vm[i]));
	}
	munmap(mem, MANY_PAGES * PG);
}

/* Memslot k (one page) sits at gpa 2k pages: every other page is a hole. */
#define SCALE_GPA(k)		((__u64)(k) * 2 * PG)
#define SCALE_CREATE_NS		(3 * 1000000000ULL)
#define SCALE_DELETE_NS		(8 * 1000000000ULL)
#define SCALE_PROBES		12

static int delete_slot(int vm, int k)
{
	return kvmmu_set_region(vm, k, 0, SCALE_GPA(k), 0, NULL);
}

/*
 * As many one-page memslots as the module offers (32766 of the 32767 ids)
 * or as fit in a time budget: lookups still land in the right slot, holes
 * stay holes, and deleting slots unmaps exactly what they mapped.  What
 * the delete budget leaves goes with the VM.  (Memslot changes wait for
 * SRCU grace periods, whose cost under TCG swings with the host's load.)
 */
#define NUMA_BALANCING	"/proc/sys/kernel/numa_balancing"

TEST(memslots_at_scale)
{
	__u64 t0, t_create, t_del, v, *mem;
	struct kvmmu_vm_stats st;
	int vm, vcpu, cap, want, n, k, i, del = 0, touched = 0;
	int probe[SCALE_PROBES];
	char *gone, numa[8] = "";

	/*
	 * The count of mapped pages below is exact: automatic NUMA
	 * balancing (on in the stock kernel) would unmap pages of this
	 * 128 MiB mapping whenever its scanner passes.  Off for the test.
	 */
	if (!kvmmu_read_file(NUMA_BALANCING, numa, sizeof(numa)))
		kvmmu_write_file(NUMA_BALANCING, "0");

	vm = kvmmu_create_vm(kvmmu_vm_type());
	ASSERT_LE(0, vm);
	vcpu = kvmmu_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	cap = ioctl(vm, KVMMU_CHECK_EXTENSION, KVMMU_CAP_NR_MEMSLOTS);
	ASSERT_EQ(32767, cap);
	want = cap - 1;
	mem = mmap(NULL, (size_t)want * PG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	/*
	 * Exact for the same reason: khugepaged would collapse the 2 MiB
	 * around two neighbouring probes (a collapse is an invalidation).
	 */
	madvise(mem, (size_t)want * PG, MADV_NOHUGEPAGE);
	gone = calloc(want, 1);
	ASSERT_NE(NULL, gone);

	t0 = kvmmu_now_ns();
	for (n = 0; n < want; n++) {
		ASSERT_EQ(0, kvmmu_set_region(vm, n, 0, SCALE_GPA(n), PG,
					      (char *)mem + n * PG))
			TH_LOG("slot %d", n);
		if (!(n & 63) && kvmmu_now_ns() - t0 > SCALE_CREATE_NS) {
			n++;
			break;
		}
	}
	t_create = kvmmu_now_ns() - t0;
	TH_LOG("created %d of %d slots in %llu ms (%llu us per slot)", n, want,
	       t_create / 1000000, t_create / 1000 / n);
	ASSERT_LE(64, n) TH_LOG("memslot creation far too slow");
	/* The id space ends where the capability says. */
	EXPECT_EQ(-EINVAL, kvmmu_set_region(vm, cap, 0, SCALE_GPA(n + 1), PG,
					    mem));

	/* Guest writes land in their slot's page; host writes are seen. */
	probe[0] = 0;
	probe[1] = 1;
	probe[2] = n / 2;
	probe[3] = n - 2;
	probe[4] = n - 1;
	for (i = 5; i < SCALE_PROBES; i++)
		probe[i] = (i * 7919) % n;
	for (i = 0; i < SCALE_PROBES; i++) {
		k = probe[i];
		if (!mem[k * PG / 8 + 2])
			touched++;
		mem[k * PG / 8 + 2] = 0x5100000000ULL | k;
		ASSERT_EQ(0, kvmmu_write64(vcpu, SCALE_GPA(k) + 8, 0x7700 + k));
		EXPECT_EQ(0x7700 + k, mem[k * PG / 8 + 1]) TH_LOG("slot %d", k);
		v = 0;
		ASSERT_EQ(0, kvmmu_read64(vcpu, SCALE_GPA(k) + 16, &v));
		EXPECT_EQ(0x5100000000ULL | k, v) TH_LOG("slot %d", k);
		/* The hole after the slot. */
		EXPECT_EQ(-ENOENT, kvmmu_read64(vcpu, SCALE_GPA(k) + PG, &v));
	}
	EXPECT_EQ(-ENOENT, kvmmu_read64(vcpu, SCALE_GPA(n), &v));
	ASSERT_EQ(0, kvmmu_vm_stats(vm, &st));
	EXPECT_EQ(touched, st.mapped_pages)
		TH_LOG("host invalidations that hit: %llu, zapped %llu, evicted %llu",
		       (unsigned long long)st.invalidations_hit,
		       (unsigned long long)st.sptes_zapped,
		       (unsigned long long)st.hpte_evictions);
	EXPECT_LE(n, st.memslot_updates);

	/* The slots that map something first: then nothing is mapped. */
	t0 = kvmmu_now_ns();
	for (i = 0; i < SCALE_PROBES; i++) {
		if (!gone[probe[i]]) {
			ASSERT_EQ(0, delete_slot(vm, probe[i]));
			gone[probe[i]] = 1;
			del++;
		}
		EXPECT_EQ(-ENOENT, kvmmu_read64(vcpu, SCALE_GPA(probe[i]) + 8,
						&v));
	}
	ASSERT_EQ(0, kvmmu_vm_stats(vm, &st));
	EXPECT_EQ(0, st.mapped_pages);
	if (numa[0])
		kvmmu_write_file(NUMA_BALANCING, numa);
	/* The others, odd ids then even ones, while the budget lasts. */
	for (i = 0; i < 2; i++)
		for (k = !i; k < n; k += 2) {
			if (gone[k])
				continue;
			if (kvmmu_now_ns() - t0 > SCALE_DELETE_NS)
				break;
			ASSERT_EQ(0, delete_slot(vm, k)) TH_LOG("slot %d", k);
			del++;
		}
	t_del = kvmmu_now_ns() - t0;
	TH_LOG("deleted %d slots in %llu ms, %d left for the VM's close", del,
	       t_del / 1000000, n - del);
	ASSERT_EQ(0, kvmmu_vm_stats(vm, &st));
	EXPECT_EQ(0, st.mapped_pages);
	if (numa[0])
		kvmmu_write_file(NUMA_BALANCING, numa);
	EXPECT_LE(n + del, st.memslot_updates);
	/* Deleting one again is an error; its id is free again. */
	EXPECT_EQ(-EINVAL, delete_slot(vm, probe[0]));
	ASSERT_EQ(0, kvmmu_set_region(vm, probe[0], 0, SCALE_GPA(n + 1), PG,
				      mem));
	v = 0;
	EXPECT_EQ(0, kvmmu_read64(vcpu, SCALE_GPA(n + 1) + 8, &v));
	EXPECT_EQ(0x7700, v);

	EXPECT_EQ(0, close(vcpu));
	EXPECT_EQ(0, close(vm));
	munmap(mem, (size_t)want * PG);
	free(gone);
}

#define WL_PAGES	4096

struct wl_thread {
	int vcpu;
	__u64 gpa;
	__u32 flags;
	struct kvmmu_run run;
	int ret;
};

static void *wl_thread_fn(void *arg)
{
	struct wl_thread *w = arg;

	w->ret = kvmmu_run_workload(w->vcpu, &w->run, w->gpa, WL_PAGES / 2 * PG,
				    64, 9, 1U << 30, w->flags);
	return NULL;
}

/*
 * The child of exit_during_workload: two vCPU threads run endless
 * workloads; once they have faulted memory in, the main thread calls
 * exit_group.  The VM fd went to the parent first.
 */
static int exit_during_workload_child(struct fd_link *l)
{
	struct wl_thread w[2];
	struct kvmmu_vm_stats st;
	pthread_t th[2];
	__u64 t0;
	void *mem;
	int vm, i;

	memset(w, 0, sizeof(w));
	vm = kvmmu_create_vm(kvmmu_vm_type());
	if (vm < 0)
		return 10;
	mem = kvmmu_alloc_anon(WL_PAGES * PG);
	if (mem == MAP_FAILED)
		return 11;
	if (kvmmu_set_region(vm, 0, 0, 0, WL_PAGES * PG, mem))
		return 12;
	if (link_offer(l, &vm, 1))
		return 13;
	for (i = 0; i < 2; i++) {
		w[i].vcpu = kvmmu_create_vcpu(vm, i);
		if (w[i].vcpu < 0)
			return 14;
		w[i].gpa = i * (WL_PAGES / 2) * PG;
		w[i].flags = i ? KVMMU_RUN_READ | KVMMU_RUN_RANDOM :
				 KVMMU_RUN_WRITE;
		if (pthread_create(&th[i], NULL, wl_thread_fn, &w[i]))
			return 15;
	}
	t0 = kvmmu_now_ns();
	do {
		if (kvmmu_now_ns() - t0 > 20 * 1000000000ULL)
			return 16;
		usleep(5000);
		if (kvmmu_vm_stats(vm, &st))
			return 17;
	} while (st.mapped_pages < 64);
	usleep(100000);
	/* Both workloads must still be running: they never finish. */
	for (i = 0; i < 2; i++)
		if (w[i].run.accesses || w[i].ret)
			return 18;
	if (write(l->c2p[1], "x", 1) != 1)
		return 19;
	syscall(SYS_exit_group, 0);
	return 20;
}

/*
 * exit_group while vCPU threads are inside RUN_WORKLOAD: the workloads
 * must notice the fatal signal, the process must exit in bounded time and
 * its VM (kept open by the parent) must be released with nothing mapped.
 */
TEST(exit_during_workload)
{
	struct kvmmu_vm_stats st;
	struct fd_link l;
	int vm, status;
	__u64 took;
	pid_t pid;
	char x;

	ASSERT_EQ(0, link_open(&l));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		link_side(&l, true);
		_exit(exit_during_workload_child(&l));
	}
	link_side(&l, false);
	ASSERT_EQ(0, link_take(&l, pid, &vm, 1));
	/* The child says when it calls exit_group (EOF if it failed). */
	x = 0;
	EXPECT_EQ(1, read(l.c2p[0], &x, 1));
	status = wait_bounded(pid, 20, &took);
	ASSERT_NE(-1, status) TH_LOG("the child did not exit within 20 s");
	ASSERT_TRUE(WIFEXITED(status)) TH_LOG("child status %#x", status);
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("child failed at step %d",
						 WEXITSTATUS(status));
	EXPECT_EQ('x', x);
	TH_LOG("the child took %llu ms to exit",
	       (unsigned long long)took / 1000000);

	ASSERT_EQ(0, kvmmu_vm_stats(vm, &st));
	EXPECT_EQ(1, st.released);
	EXPECT_EQ(0, st.mapped_pages);
	EXPECT_LE(64, st.faults);
	EXPECT_EQ(0, close(vm));
	link_close(&l);
}

static int alarms;

static void on_alarm(int sig)
{
	__atomic_fetch_add(&alarms, 1, __ATOMIC_SEQ_CST);
}

/*
 * A signal stops a long RUN_WORKLOAD: -EINTR, with the counters of the
 * work done; the vCPU is usable afterwards.
 */
TEST(signal_interrupts_workload)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { .tv_usec = 300000 } };
	const __u64 size = WL_PAGES * PG;
	struct kvmmu_run run;
	__u64 *mem, t0, took, done;
	int vm, vcpu, i;

	vm = kvmmu_create_vm(kvmmu_vm_type());
	ASSERT_LE(0, vm);
	vcpu = kvmmu_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	mem = kvmmu_alloc_anon(size);
	ASSERT_NE(MAP_FAILED, mem);
	ASSERT_EQ(0, kvmmu_set_region(vm, 0, 0, 0, size, mem));

	/* No SA_RESTART: the interrupted ioctl must come back as EINTR. */
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	t0 = kvmmu_now_ns();
	EXPECT_EQ(-EINTR, kvmmu_run_workload(vcpu, &run, 0, size, 64, 5,
					     1U << 30, KVMMU_RUN_WRITE));
	took = kvmmu_now_ns() - t0;
	EXPECT_EQ(1, __atomic_load_n(&alarms, __ATOMIC_SEQ_CST));
	TH_LOG("interrupted after %llu ms: %llu accesses, %llu faults",
	       (unsigned long long)took / 1000000,
	       (unsigned long long)run.accesses,
	       (unsigned long long)run.faults);
	EXPECT_GT(5000000000ULL, took) TH_LOG("slow to notice the signal");
	ASSERT_LT(0, run.accesses);
	EXPECT_LT(0, run.faults);
	EXPECT_GE(run.accesses, run.faults);
	EXPECT_GE(WL_PAGES, run.faults);
	EXPECT_EQ(0, run.error);
	EXPECT_EQ(0, run.mismatches);
	EXPECT_LT(0, run.ns);
	/* What it wrote is in memory. */
	EXPECT_EQ(kvmmu_run_pattern(0, 5), mem[0]);
	EXPECT_EQ(kvmmu_run_pattern(64, 5), mem[8]);

	/*
	 * The vCPU still works: a complete run verifies what the interrupted
	 * one wrote (its first pass is sequential from gpa 0).
	 */
	done = run.accesses < size / 64 ? run.accesses * 64 : size;
	EXPECT_EQ(kvmmu_run_pattern(done - 64, 5), mem[(done - 64) / 8])
		TH_LOG("the last access counted (gpa %#llx) was not done",
		       done - 64);
	ASSERT_EQ(0, kvmmu_run_workload(vcpu, &run, 0, done, 64, 5, 1,
					KVMMU_RUN_READ | KVMMU_RUN_VERIFY));
	EXPECT_EQ(0, run.error);
	EXPECT_EQ(done / 64, run.accesses);
	EXPECT_EQ(0, run.mismatches) TH_LOG("first at %#llx",
					    run.first_mismatch_gpa);
	/* ... and nothing beyond it. */
	for (i = 1; i < 4 && done + i * PG < size; i++)
		EXPECT_EQ(0, mem[(done + i * PG) / 8]);

	EXPECT_EQ(0, close(vcpu));
	EXPECT_EQ(0, close(vm));
	munmap(mem, size);
}

TEST_HARNESS_MAIN
