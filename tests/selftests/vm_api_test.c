// SPDX-License-Identifier: GPL-2.0
/*
 * What a VMM sees of the kvmmu VM API, host-mm coherency aside: creating
 * VMs and vCPUs, the capabilities, every rule of
 * KVMMU_SET_USER_MEMORY_REGION (each rejected call is shown, through guest
 * accesses, to have changed nothing), memslot create, flags change, move
 * and delete, read-only slots, guest accesses of every size and every
 * malformed kind, translations (checked against /proc/self/pagemap), the
 * in-kernel workload, the VM statistics, and what a process other than
 * the VM's owner may do with its file descriptors.
 *
 * Every VM is of the type kvmmu_vm_type() names: tests/qemu/init runs this
 * program once per VM type the module offers.  Where the ABI fixes a value
 * per type (the guest-physical width, the memory type of RAM) it is in
 * vm_type_abi[]; everything else is the same on every type.
 *
 * Runs as root: pfns in pagemap and KVMMU_TRANSLATE, fault injection.
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>

#include "kvmmu_test.h"

#define PG		PAGE_SIZE_4K
#define SLOT_PAGES	16
#define SLOT_SIZE	(SLOT_PAGES * PG)
#define SLOT_GPA	0x100000ULL	/* slot 0 of the fixture */
#define PROBE_SLOT	1
#define PROBE_GPA	0x10000000ULL	/* mapped only where a test says */
#define RUN_SLOT	2
#define RUN_GPA		0x40000000ULL
#define RUN_PAGES	64
#define RUN_SIZE	(RUN_PAGES * PG)
#define RUN_WORDS	(RUN_SIZE / 8)
#define MAX_VCPUS	256
#define MAX_VCPU_ID	1024
#define NR_MEMSLOTS	32767
#define PM_PRESENT	0x8000000000000000ULL
#define PM_PFN_MASK	((1ULL << 55) - 1)
#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define FAIL_NTH	"/proc/thread-self/fail-nth"

/*
 * What Documentation/api.rst specifies per VM type: KVMMU_CAP_GPA_BITS on
 * a VM fd, and the memory type KVMMU_TRANSLATE reports for ordinary RAM
 * (6: write-back).  A type without an entry fails the tests that need it:
 * a new backend states its values here.
 */
struct vm_type_abi {
	int gpa_bits;
	int memtype;
};

static const struct vm_type_abi vm_type_abi[KVMMU_VM_MIPS + 1] = {
	[KVMMU_VM_X86_EPT] = { .gpa_bits = 48, .memtype = 6 },
	[KVMMU_VM_X86_SHADOW] = { .gpa_bits = 48, .memtype = 6 },
	/* WIMG = 0010: memory coherence required */
	[KVMMU_VM_PPC_HV] = { .gpa_bits = 48, .memtype = 2 },
	/* cache coherency attribute 3: cacheable, noncoherent */
	[KVMMU_VM_MIPS] = { .gpa_bits = 48, .memtype = 3 },
};

/* The documented values of VM type @type (the test fails without). */
static struct vm_type_abi type_abi(struct __test_metadata *_metadata,
				   int type)
{
	ASSERT_TRUE(type >= 0 && type < (int)ARRAY_SIZE(vm_type_abi) &&
		    vm_type_abi[type].gpa_bits)
		TH_LOG("VM type %d has no entry in vm_type_abi[]", type);
	return vm_type_abi[type];
}

#define TR_READ_BITS	(KVMMU_TR_PRESENT | KVMMU_TR_READABLE | KVMMU_TR_ACCESSED)
#define TR_WRITE_BITS	(TR_READ_BITS | KVMMU_TR_WRITABLE | KVMMU_TR_DIRTY)

/* What the process keeps in the first word of each page it registers. */
static __u64 mem_word(int page)
{
	return 0x6d656d0000000000ULL + page;
}

static __u64 other_word(int page)
{
	return 0x6f74680000000000ULL + page;
}

static __u64 *word(void *base, __u64 off)
{
	return (__u64 *)((__u8 *)base + off);
}

static int set_region(int vm, __u32 slot, __u32 flags, __u64 gpa,
		      __u64 size, __u64 hva)
{
	return kvmmu_set_region(vm, slot, flags, gpa, size,
				(void *)(uintptr_t)hva);
}

static int access_batch(int vcpu, struct kvmmu_access *a, __u32 nr,
			__u32 *done)
{
	struct kvmmu_access_batch b = {
		.nr = nr,
		.accesses = (uintptr_t)a,
		.nr_done = 0xdead,
	};
	int r = kvmmu_ioctl(vcpu, KVMMU_GUEST_ACCESS, &b);

	if (done)
		*done = b.nr_done;
	return r;
}

/* One access; returns its result or the ioctl's error, and its faults. */
static int access_faults(int vcpu, int type, __u64 gpa, int size,
			 __u64 *data, int *faults)
{
	struct kvmmu_access a = {
		.gpa = gpa,
		.data = *data,
		.type = type,
		.size = size,
		.faults = 0xffff,
		.result = 1,
	};
	int r = access_batch(vcpu, &a, 1, NULL);

	*faults = a.faults;	/* 0xffff (not set) if the ioctl failed */
	if (r)
		return r;
	*data = a.data;
	return a.result;
}

static long check_extension(int fd, unsigned long cap)
{
	long r = ioctl(fd, KVMMU_CHECK_EXTENSION, cap);

	return r < 0 ? -errno : r;
}

/* 2^KVMMU_CAP_GPA_BITS of @vm: where its guest-physical space ends. */
static __u64 gpa_top(struct __test_metadata *_metadata, int vm)
{
	long bits = check_extension(vm, KVMMU_CAP_GPA_BITS);

	ASSERT_TRUE(bits >= 32 && bits < 64)
		TH_LOG("KVMMU_CAP_GPA_BITS %ld", bits);
	return 1ULL << bits;
}

/* The host frame behind @hva, from /proc/self/pagemap (0: not present). */
static __u64 pagemap_pfn(void *hva)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	__u64 e = 0;

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (uintptr_t)hva / PG * sizeof(e)) !=
	    sizeof(e))
		e = 0;
	close(fd);
	return (e & PM_PRESENT) ? e & PM_PFN_MASK : 0;
}

/* Is anything mapped at [@hva, @hva + @size)?  (msync: ENOMEM if not) */
static bool hva_mapped(__u64 hva, __u64 size)
{
	return !msync((void *)(uintptr_t)hva, size, MS_ASYNC) ||
	       errno != ENOMEM;
}

/*
 * The end of the user address space: 2^47 with 4-level paging, 2^56 with
 * 5-level.  A fixed mapping at 2^47 succeeds only in the latter.
 */
static __u64 user_va_top(void)
{
	void *hint = (void *)(1UL << 47);
	void *p = mmap(hint, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		       MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED)
		return 1ULL << 47;
	munmap(p, PG);
	return p == hint ? 1ULL << 56 : 1ULL << 47;
}

static int kernel_has_change_pte(void)
{
	struct utsname u;
	int maj, min;

	if (uname(&u) || sscanf(u.release, "%d.%d", &maj, &min) != 2)
		return -1;
	return maj < 6 || (maj == 6 && min < 10);
}

static int set_sys_admin(bool on)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	if (on)
		d[0].effective |= 1U << CAP_SYS_ADMIN;
	else
		d[0].effective &= ~(1U << CAP_SYS_ADMIN);
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/*
 * Run @fn in a forked child: a process with its own mm holding the same
 * file descriptors.  @fn stores what it saw in @out (shared memory) and
 * returns its exit status.  Returns that status, or -1.
 */
static int in_other_process(int (*fn)(int vm, int vcpu, long *out), int vm,
			    int vcpu, long *out)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(fn(vm, vcpu, out));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static long *shared_page(void)
{
	void *p = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* ---------------------------------------------------------------------- */
/* /dev/kvmmu: VMs and capabilities                                       */
/* ---------------------------------------------------------------------- */

TEST(create_vm_types)
{
	static const unsigned long bad[] = {
		4, 99, 0x80000000UL, 0xffffffffUL, 1UL << 32, ~0UL,
	};
	long types;
	int dev, vm;
	unsigned int i;

	dev = open(KVMMU_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev) TH_LOG("open: %s", strerror(errno));
	vm = ioctl(dev, KVMMU_CREATE_VM, (unsigned long)KVMMU_VM_X86_EPT);
	ASSERT_LE(0, vm) TH_LOG("CREATE_VM(0): %s", strerror(errno));
	close(vm);

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-1, ioctl(dev, KVMMU_CREATE_VM, bad[i]))
			TH_LOG("type %#lx", bad[i]);
		EXPECT_EQ(EINVAL, errno) TH_LOG("type %#lx", bad[i]);
	}

	/*
	 * Every backend is built in, whatever the kernel: all four types
	 * are offered, and work exactly when VM_TYPES says so.
	 */
	types = check_extension(dev, KVMMU_CAP_VM_TYPES);
	EXPECT_EQ((1L << (KVMMU_VM_MIPS + 1)) - 1, types);
	for (i = 1; i <= KVMMU_VM_MIPS; i++) {
		vm = ioctl(dev, KVMMU_CREATE_VM, (unsigned long)i);
		if (types & (1L << i)) {
			EXPECT_LE(0, vm) TH_LOG("type %u is offered", i);
		} else {
			EXPECT_EQ(-1, vm) TH_LOG("type %u is not offered", i);
			EXPECT_EQ(EINVAL, errno);
		}
		if (vm >= 0)
			close(vm);
	}
	close(dev);
}

TEST(vm_fds_are_independent)
{
	__u8 *ma = kvmmu_alloc_anon(PG), *mb = kvmmu_alloc_anon(PG);
	int va, vb, ca, cb;
	__u64 v = 0;

	ASSERT_NE(MAP_FAILED, ma);
	ASSERT_NE(MAP_FAILED, mb);
	*word(ma, 0) = 0xaaaa;
	*word(mb, 0) = 0xbbbb;

	va = kvmmu_create_vm(kvmmu_vm_type());
	vb = kvmmu_create_vm(kvmmu_vm_type());
	ASSERT_LE(0, va);
	ASSERT_LE(0, vb);
	ASSERT_NE(va, vb);
	/* Same vCPU id, same slot id, same gpa: separate VMs. */
	ca = kvmmu_create_vcpu(va, 0);
	cb = kvmmu_create_vcpu(vb, 0);
	ASSERT_LE(0, ca);
	ASSERT_LE(0, cb);
	ASSERT_EQ(0, kvmmu_set_region(va, 0, 0, SLOT_GPA, PG, ma));
	ASSERT_EQ(0, kvmmu_set_region(vb, 0, 0, SLOT_GPA, PG, mb));
	ASSERT_EQ(0, kvmmu_set_region(va, 1, 0, PROBE_GPA, PG, mb));

	EXPECT_EQ(0, kvmmu_read64(ca, SLOT_GPA, &v));
	EXPECT_EQ(0xaaaa, v);
	EXPECT_EQ(0, kvmmu_read64(cb, SLOT_GPA, &v));
	EXPECT_EQ(0xbbbb, v);
	EXPECT_EQ(-ENOENT, kvmmu_read64(cb, PROBE_GPA, &v));

	/* Closing one VM leaves the other working. */
	close(ca);
	close(va);
	EXPECT_EQ(0, kvmmu_write64(cb, SLOT_GPA, 0xcccc));
	EXPECT_EQ(0xcccc, *word(mb, 0));
	EXPECT_EQ(0, kvmmu_read64(cb, SLOT_GPA, &v));
	EXPECT_EQ(0xcccc, v);
	EXPECT_EQ(0xaaaa, *word(ma, 0));
	close(cb);
	close(vb);
}

/* The capabilities of @fd, whose backend-dependent values are @type's. */
static void check_caps(struct __test_metadata *_metadata, int fd, int type,
		       const char *what)
{
	const long gpa_bits = type_abi(_metadata, type).gpa_bits;
	static const unsigned long unknown[] = {
		0, 2, 4, 17, 0x1003, 99999, 0xffffffffUL, ~0UL,
	};
	const struct {
		unsigned long cap;
		long val;
	} caps[] = {
		{ KVMMU_CAP_USER_MEMORY, 1 },
		{ KVMMU_CAP_SYNC_MMU, 1 },
		{ KVMMU_CAP_NR_MEMSLOTS, NR_MEMSLOTS },
		{ KVMMU_CAP_READONLY_MEM, 1 },
		{ KVMMU_CAP_MULTI_ADDRESS_SPACE, 1 },
		{ KVMMU_CAP_MAX_VCPUS, MAX_VCPUS },
		{ KVMMU_CAP_MAX_VCPU_ID, MAX_VCPU_ID },
		{ KVMMU_CAP_NR_VCPUS, sysconf(_SC_NPROCESSORS_ONLN) },
		{ KVMMU_CAP_CHANGE_PTE, kernel_has_change_pte() },
		{ KVMMU_CAP_GPA_BITS, gpa_bits },
		{ KVMMU_CAP_PIN_MEMORY, 1 },
	};
	unsigned int i;
	long types;

	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		unsigned long cap = caps[i].cap;
		long val = caps[i].val;

		EXPECT_EQ(val, check_extension(fd, cap))
			TH_LOG("%s: cap %lu", what, cap);
	}
	types = check_extension(fd, KVMMU_CAP_VM_TYPES);
	EXPECT_TRUE(types & (1L << KVMMU_VM_X86_EPT)) TH_LOG("%s", what);
	EXPECT_TRUE(types & (1L << kvmmu_vm_type()))
		TH_LOG("%s: type %d under test", what, kvmmu_vm_type());
	EXPECT_EQ(0, types & ~0xfL)
		TH_LOG("%s: undefined types %#lx", what, types);
	for (i = 0; i < ARRAY_SIZE(unknown); i++)
		EXPECT_EQ(0, check_extension(fd, unknown[i]))
			TH_LOG("%s: unknown cap %#lx", what, unknown[i]);
}

TEST(check_extension_values)
{
	int dev = open(KVMMU_DEV, O_RDWR | O_CLOEXEC);
	int vm;

	ASSERT_LE(0, dev);
	/* /dev/kvmmu answers for the default type. */
	check_caps(_metadata, dev, KVMMU_VM_X86_EPT, "/dev/kvmmu");
	vm = ioctl(dev, KVMMU_CREATE_VM, (unsigned long)kvmmu_vm_type());
	ASSERT_LE(0, vm);
	check_caps(_metadata, vm, kvmmu_vm_type(), "VM fd");
	close(vm);
	close(dev);
}

TEST(vm_fd_not_seekable_and_unknown_ioctls)
{
	int vm = kvmmu_create_vm(kvmmu_vm_type());
	struct kvmmu_translation tr = { .gpa = 0 };
	int vcpu, dev;

	ASSERT_LE(0, vm);
	EXPECT_EQ(-1, lseek(vm, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);

	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vm, _IO(KVMMUIO, 0xff), NULL));
	/* KVM_CREATE_VCPU: KVM's magic is not answered. */
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vm, _IO(0xAE, 0x41), NULL));
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vm, KVMMU_CREATE_VM, NULL));
	vcpu = kvmmu_create_vcpu(vm, 0);
	ASSERT_LE(0, vcpu);
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, _IO(KVMMUIO, 0xff), NULL));
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vcpu, KVMMU_CREATE_VCPU, NULL));
	/* vCPU ioctls are not VM ioctls. */
	EXPECT_EQ(-ENOTTY, kvmmu_ioctl(vm, KVMMU_TRANSLATE, &tr));
	dev = open(KVMMU_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	EXPECT_EQ(-1, ioctl(dev, KVMMU_CREATE_VCPU, 0UL));
	EXPECT_EQ(ENOTTY, errno);
	close(dev);
	close(vcpu);
	close(vm);
}

/* ---------------------------------------------------------------------- */
/* The VM fixture: one vCPU, slot 0 = SLOT_PAGES pages at SLOT_GPA        */
/* ---------------------------------------------------------------------- */

FIXTURE(vm) {
	int vm;
	int vcpu;
	__u8 *mem;		/* slot 0 */
	__u8 *other;		/* 2 * SLOT_SIZE, not registered by setup */
	__u8 *run;		/* RUN_SIZE of fresh memory, add_run_slot() */
	__u64 updates;	/* memslot_updates the layout checks expect */
	char fs_gfp[8];		/* failslab settings to restore */
	char fs_verbose[8];
};

static void note_updates(struct __test_metadata *_metadata,
			 struct _test_data_vm *self)
{
	struct kvmmu_vm_stats st;

	ASSERT_EQ(0, kvmmu_vm_stats(self->vm, &st));
	self->updates = st.memslot_updates;
}

FIXTURE_SETUP(vm)
{
	int i;

	self->vm = kvmmu_create_vm(kvmmu_vm_type());
	ASSERT_LE(0, self->vm) TH_LOG("CREATE_VM: %s", strerror(-self->vm));
	self->vcpu = kvmmu_create_vcpu(self->vm, 0);
	ASSERT_LE(0, self->vcpu)
		TH_LOG("CREATE_VCPU: %s", strerror(-self->vcpu));
	self->mem = kvmmu_alloc_anon(SLOT_SIZE);
	ASSERT_NE(MAP_FAILED, self->mem);
	self->other = kvmmu_alloc_anon(2 * SLOT_SIZE);
	ASSERT_NE(MAP_FAILED, self->other);
	self->run = MAP_FAILED;
	for (i = 0; i < SLOT_PAGES; i++)
		*word(self->mem, i * PG) = mem_word(i);
	for (i = 0; i < 2 * SLOT_PAGES; i++)
		*word(self->other, i * PG) = other_word(i);
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 0, 0, SLOT_GPA, SLOT_SIZE,
				      self->mem));
	note_updates(_metadata, self);
}

FIXTURE_TEARDOWN(vm)
{
	if (self->fs_gfp[0])
		kvmmu_write_file(FAILSLAB "ignore-gfp-wait", self->fs_gfp);
	if (self->fs_verbose[0])
		kvmmu_write_file(FAILSLAB "verbose", self->fs_verbose);
	if (self->vcpu > 0)
		close(self->vcpu);
	if (self->vm > 0)
		close(self->vm);
}

/* Slot RUN_SLOT: RUN_SIZE of fresh memory at RUN_GPA. */
static void add_run_slot(struct __test_metadata *_metadata,
			 struct _test_data_vm *self)
{
	self->run = kvmmu_alloc_anon(RUN_SIZE);
	ASSERT_NE(MAP_FAILED, self->run);
	ASSERT_EQ(0, kvmmu_set_region(self->vm, RUN_SLOT, 0, RUN_GPA, RUN_SIZE,
				      self->run));
}

/*
 * The fixture's layout is intact: slot 0 still maps self->mem at SLOT_GPA
 * (every page reads what the process keeps there), @probe maps nothing,
 * and no memslot set was published since note_updates().
 */
static void check_layout(struct __test_metadata *_metadata,
			 struct _test_data_vm *self, __u64 probe,
			 const char *what)
{
	struct kvmmu_access a[SLOT_PAGES + 1] = {};
	struct kvmmu_vm_stats st;
	__u32 done;
	int i;

	for (i = 0; i <= SLOT_PAGES; i++) {
		a[i].gpa = SLOT_GPA + i * PG;
		a[i].size = 8;
		a[i].type = KVMMU_ACCESS_READ;
	}
	a[SLOT_PAGES].gpa = probe;
	ASSERT_EQ(0, access_batch(self->vcpu, a, ARRAY_SIZE(a), &done))
		TH_LOG("after %s", what);
	EXPECT_EQ(ARRAY_SIZE(a), done);
	for (i = 0; i < SLOT_PAGES; i++) {
		EXPECT_EQ(0, a[i].result)
			TH_LOG("after %s: slot 0 page %d", what, i);
		EXPECT_EQ(mem_word(i), a[i].data)
			TH_LOG("after %s: slot 0 page %d", what, i);
	}
	EXPECT_EQ(-ENOENT, a[SLOT_PAGES].result)
		TH_LOG("after %s: gpa %#llx is mapped", what,
		       (unsigned long long)probe);
	ASSERT_EQ(0, kvmmu_vm_stats(self->vm, &st));
	EXPECT_EQ(self->updates, st.memslot_updates)
		TH_LOG("after %s: a memslot set was published", what);
}

/* A SET_USER_MEMORY_REGION that must fail with @err and change nothing. */
static void expect_rejected(struct __test_metadata *_metadata,
			    struct _test_data_vm *self, int err, __u32 slot,
			    __u32 flags, __u64 gpa, __u64 size,
			    __u64 hva, __u64 probe, const char *what)
{
	EXPECT_EQ(-err, set_region(self->vm, slot, flags, gpa, size, hva))
		TH_LOG("%s: slot %#x flags %#x gpa %#llx size %#llx hva %#llx",
		       what, slot, flags, (unsigned long long)gpa,
		       (unsigned long long)size, (unsigned long long)hva);
	check_layout(_metadata, self, probe, what);
}

static __u64 hva_of(void *p)
{
	return (uintptr_t)p;
}

/* ---------------------------------------------------------------------- */
/* KVMMU_SET_USER_MEMORY_REGION: the errno table, row by row, in order    */
/* ---------------------------------------------------------------------- */

TEST_F(vm, region_row01_efault)
{
	struct kvmmu_userspace_memory_region *r;
	__u8 *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mprotect(p + PG, PG, PROT_NONE));

	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vm, KVMMU_SET_USER_MEMORY_REGION,
				       NULL));
	check_layout(_metadata, self, PROBE_GPA, "NULL argument");
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vm, KVMMU_SET_USER_MEMORY_REGION,
				       p + PG));
	check_layout(_metadata, self, PROBE_GPA, "PROT_NONE argument");
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vm, KVMMU_SET_USER_MEMORY_REGION,
				       (void *)0xffff888000000000UL));
	check_layout(_metadata, self, PROBE_GPA, "kernel-address argument");

	/* A valid region whose last field lies on the PROT_NONE page. */
	r = (void *)(p + PG - 8 - offsetof(typeof(*r), userspace_addr));
	r->slot = PROBE_SLOT;
	r->flags = 0;
	r->guest_phys_addr = PROBE_GPA;
	r->memory_size = PG;
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vm, KVMMU_SET_USER_MEMORY_REGION,
				       (__u8 *)r + 8));
	check_layout(_metadata, self, PROBE_GPA, "straddling argument");
}

TEST_F(vm, region_row02_slot_and_address_space_id)
{
	__u64 hva = hva_of(self->other), v = 0;

	expect_rejected(_metadata, self, EINVAL, NR_MEMSLOTS, 0, PROBE_GPA,
			PG, hva, PROBE_GPA, "slot 32767");
	expect_rejected(_metadata, self, EINVAL, 0xffff, 0, PROBE_GPA, PG,
			hva, PROBE_GPA, "slot 0xffff");
	expect_rejected(_metadata, self, EINVAL, 1U << 16 | PROBE_SLOT, 0,
			PROBE_GPA, PG, hva, PROBE_GPA, "address space 1");
	expect_rejected(_metadata, self, EINVAL, 1U << 16, 0, PROBE_GPA, PG,
			hva, PROBE_GPA, "address space 1, slot 0");
	expect_rejected(_metadata, self, EINVAL, 0xffffU << 16 | PROBE_SLOT,
			0, PROBE_GPA, PG, hva, PROBE_GPA,
			"address space 0xffff");
	/* Deleting through address space 1 is refused too. */
	expect_rejected(_metadata, self, EINVAL, 1U << 16, 0, SLOT_GPA, 0,
			hva_of(self->mem), PROBE_GPA, "delete in space 1");

	/* The last slot id works. */
	ASSERT_EQ(0, set_region(self->vm, NR_MEMSLOTS - 1, 0, PROBE_GPA, PG,
				hva));
	EXPECT_EQ(0, kvmmu_read64(self->vcpu, PROBE_GPA, &v));
	EXPECT_EQ(other_word(0), v);
	ASSERT_EQ(0, set_region(self->vm, NR_MEMSLOTS - 1, 0, 0, 0, 0));
	EXPECT_EQ(-ENOENT, kvmmu_read64(self->vcpu, PROBE_GPA, &v));
}

TEST_F(vm, region_row03_flag_bits)
{
	__u64 hva = hva_of(self->other), v = 0;
	char what[32];
	int bit;

	for (bit = 0; bit < 32; bit++) {
		__u32 f = 1U << bit;

		snprintf(what, sizeof(what), "flag bit %d", bit);
		if (f != KVMMU_MEM_LOG_DIRTY_PAGES && f != KVMMU_MEM_READONLY) {
			expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, f,
					PROBE_GPA, PG, hva, PROBE_GPA, what);
			continue;
		}
		EXPECT_EQ(0, set_region(self->vm, PROBE_SLOT, f, PROBE_GPA, PG,
					hva)) TH_LOG("%s", what);
		EXPECT_EQ(0, kvmmu_read64(self->vcpu, PROBE_GPA, &v));
		EXPECT_EQ(other_word(0), v);
		EXPECT_EQ(0, set_region(self->vm, PROBE_SLOT, 0, 0, 0, 0));
		note_updates(_metadata, self);
	}
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, ~0U, PROBE_GPA,
			PG, hva, PROBE_GPA, "all flag bits");
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT,
			KVMMU_MEM_READONLY | 1U << 2, PROBE_GPA, PG, hva,
			PROBE_GPA, "READONLY | bit 2");
	EXPECT_EQ(0, set_region(self->vm, PROBE_SLOT,
				KVMMU_MEM_LOG_DIRTY_PAGES | KVMMU_MEM_READONLY,
				PROBE_GPA, PG, hva));
	EXPECT_EQ(0, kvmmu_read64(self->vcpu, PROBE_GPA, &v));
	EXPECT_EQ(other_word(0), v);
}

TEST_F(vm, region_row04_alignment)
{
	__u64 hva = hva_of(self->other);

	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, PROBE_GPA,
			PG - 1, hva, PROBE_GPA, "size 4095");
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, PROBE_GPA,
			PG + 1, hva, PROBE_GPA, "size 4097");
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, PROBE_GPA,
			2 * PG - 512, hva, PROBE_GPA, "size 7.5 KiB");
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, PROBE_GPA + 8,
			PG, hva, PROBE_GPA, "gpa + 8");
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0,
			PROBE_GPA + 2048, PG, hva, PROBE_GPA, "gpa + 2048");
	/* Unaligned gpa that would overlap slot 0: alignment is checked first. */
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, SLOT_GPA + 8,
			PG, hva, PROBE_GPA, "gpa inside slot 0 + 8");
}

TEST_F(vm, region_row05_user_address_range)
{
	__u64 top = user_va_top(), hva = hva_of(self->other);
	__u64 last = top - 2 * PG, v = 0;

	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, PROBE_GPA, PG,
			hva + 8, PROBE_GPA, "hva + 8");
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, PROBE_GPA, PG,
			hva + 2048, PROBE_GPA, "hva + 2048");
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, PROBE_GPA, PG,
			0xffff888000000000ULL, PROBE_GPA, "kernel direct map");
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, PROBE_GPA, PG,
			0xffffffff81000000ULL, PROBE_GPA, "kernel text");
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, PROBE_GPA, PG,
			0xfffffffffffff000ULL, PROBE_GPA, "last page of 2^64");
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, PROBE_GPA, PG,
			0x8000000000000000ULL, PROBE_GPA, "non-canonical 2^63");
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, PROBE_GPA, PG,
			top, PROBE_GPA, "first page above user space");
	/* TASK_SIZE_MAX = top - 4 KiB: that guard page is not user memory. */
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, PROBE_GPA, PG,
			top - PG, PROBE_GPA, "guard page below the top");
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, PROBE_GPA,
			2 * PG, top - 2 * PG, PROBE_GPA,
			"range crossing the end of user space");
	/* A user range that only ends in kernel space. */
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, 0,
			0x8000000000000000ULL, hva, 0,
			"user start, size 2^63 (also too many pages)");

	/* The last user page itself is fine, mapped or not. */
	ASSERT_EQ(0, set_region(self->vm, PROBE_SLOT, 0, PROBE_GPA, PG, last));
	if (!hva_mapped(last, PG))
		EXPECT_EQ(-EFAULT, kvmmu_read64(self->vcpu, PROBE_GPA, &v))
			TH_LOG("nothing is mapped at %#llx",
			       (unsigned long long)last);
}

TEST_F(vm, region_row06_gpa_wraps)
{
	__u64 hva = hva_of(self->other);

	/*
	 * Every wrapping gfn range also ends above 2^GPA_BITS, so the GPA
	 * bits rule rejects these too (same errno, whichever runs first):
	 * this row cannot be isolated from that one.  The hva range is a
	 * valid user range in every case.
	 */
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0,
			0xfffffffffffff000ULL, 2 * PG, hva, PROBE_GPA,
			"last gpa page + 1 page");
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0,
			-(__u64)SLOT_SIZE, SLOT_SIZE, hva, PROBE_GPA,
			"range ending exactly at 2^64");
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0,
			-(__u64)PG, 0x100000000ULL, 0x100000000000ULL,
			PROBE_GPA, "4 GiB from the last gpa page");
}

TEST_F(vm, region_row07_too_many_pages)
{
	/*
	 * An hva 16 TiB up with 8 TiB or less: a user range with 4- and
	 * 5-level paging (access_ok passes; nothing needs to be mapped
	 * there), a gpa range from 16 TiB that neither wraps nor reaches
	 * 2^GPA_BITS and overlaps no slot: only the page-count rule is left.
	 */
	const __u64 hva = 0x100000000000ULL, gpa = 1ULL << 44;
	const __u64 max = (1ULL << 31) - 1;
	__u64 v = 0;
	int r;

	ASSERT_LE(gpa + (max + 2) * PG, gpa_top(_metadata, self->vm))
		TH_LOG("GPA_BITS too small to isolate the page-count rule");

	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, gpa,
			(max + 1) * PG, hva, gpa, "2^31 pages");
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, gpa,
			(max + 2) * PG, hva, gpa, "2^31 + 1 pages");

	/* 2^31 - 1 pages is allowed (or too much memory for this kernel). */
	r = set_region(self->vm, PROBE_SLOT, 0, gpa, max * PG, hva);
	EXPECT_TRUE(r == 0 || r == -ENOMEM) TH_LOG("2^31-1 pages: %d", r);
	if (r == 0) {
		if (!hva_mapped(hva, PG))
			EXPECT_EQ(-EFAULT, kvmmu_read64(self->vcpu, gpa, &v));
		EXPECT_EQ(0, set_region(self->vm, PROBE_SLOT, 0, 0, 0, 0));
	}
}

TEST_F(vm, region_row08_delete_missing_slot)
{
	expect_rejected(_metadata, self, EINVAL, 5, 0, PROBE_GPA, 0,
			hva_of(self->other), PROBE_GPA, "delete slot 5");
	expect_rejected(_metadata, self, EINVAL, NR_MEMSLOTS - 1, 0, 0, 0, 0,
			PROBE_GPA, "delete slot 32766");

	/* Deleting the same slot twice. */
	ASSERT_EQ(0, set_region(self->vm, PROBE_SLOT, 0, PROBE_GPA, PG,
				hva_of(self->other)));
	ASSERT_EQ(0, set_region(self->vm, PROBE_SLOT, 0, PROBE_GPA, 0, 0));
	note_updates(_metadata, self);
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, PROBE_GPA, 0,
			0, PROBE_GPA, "second delete");
}

TEST_F(vm, region_row09_change_existing_slot)
{
	__u64 mem = hva_of(self->mem), oth = hva_of(self->other);

	expect_rejected(_metadata, self, EINVAL, 0, 0, SLOT_GPA, SLOT_SIZE,
			oth, PROBE_GPA, "new hva");
	expect_rejected(_metadata, self, EINVAL, 0, 0, SLOT_GPA, SLOT_SIZE,
			mem + PG, PROBE_GPA, "hva + 1 page");
	expect_rejected(_metadata, self, EINVAL, 0, 0, SLOT_GPA,
			SLOT_SIZE - PG, mem, PROBE_GPA, "one page smaller");
	expect_rejected(_metadata, self, EINVAL, 0, 0, SLOT_GPA,
			SLOT_SIZE + PG, mem, SLOT_GPA + SLOT_SIZE,
			"one page larger");
	expect_rejected(_metadata, self, EINVAL, 0, KVMMU_MEM_READONLY,
			SLOT_GPA, SLOT_SIZE, mem, PROBE_GPA, "READONLY set");
	expect_rejected(_metadata, self, EINVAL, 0,
			KVMMU_MEM_READONLY | KVMMU_MEM_LOG_DIRTY_PAGES,
			SLOT_GPA, SLOT_SIZE, mem, PROBE_GPA,
			"READONLY and LOG_DIRTY_PAGES set");
	expect_rejected(_metadata, self, EINVAL, 0, 0, PROBE_GPA, SLOT_SIZE,
			oth, PROBE_GPA, "move with a new hva");
	expect_rejected(_metadata, self, EINVAL, 0, 0, PROBE_GPA,
			SLOT_SIZE - PG, mem, PROBE_GPA, "move with a new size");

	/* And READONLY cannot be cleared either. */
	ASSERT_EQ(0, set_region(self->vm, PROBE_SLOT, KVMMU_MEM_READONLY,
				PROBE_GPA, PG, oth));
	note_updates(_metadata, self);
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, PROBE_GPA, PG,
			oth, SLOT_GPA + SLOT_SIZE, "READONLY cleared");
	EXPECT_EQ(-EACCES, kvmmu_write64(self->vcpu, PROBE_GPA, 1));
	EXPECT_EQ(other_word(0), *word(self->other, 0));
}

TEST_F(vm, region_row10_same_parameters)
{
	struct kvmmu_vm_stats s0, s1;
	struct kvmmu_translation tr;
	__u64 v = 0;

	ASSERT_EQ(0, kvmmu_read64(self->vcpu, SLOT_GPA, &v));
	ASSERT_EQ(0, kvmmu_translate(self->vcpu, SLOT_GPA, &tr));
	ASSERT_TRUE(tr.flags & KVMMU_TR_PRESENT);
	ASSERT_EQ(0, kvmmu_vm_stats(self->vm, &s0));

	EXPECT_EQ(0, kvmmu_set_region(self->vm, 0, 0, SLOT_GPA, SLOT_SIZE,
				      self->mem));
	ASSERT_EQ(0, kvmmu_vm_stats(self->vm, &s1));
	EXPECT_EQ(s0.memslot_updates, s1.memslot_updates);
	EXPECT_EQ(s0.mapped_pages, s1.mapped_pages);
	EXPECT_EQ(s0.sptes_zapped, s1.sptes_zapped);
	/* Nothing was zapped: the mapping is still there. */
	ASSERT_EQ(0, kvmmu_translate(self->vcpu, SLOT_GPA, &tr));
	EXPECT_TRUE(tr.flags & KVMMU_TR_PRESENT);
	check_layout(_metadata, self, PROBE_GPA, "same parameters");
}

TEST_F(vm, region_row11_gpa_overlap)
{
	const __u64 end = SLOT_GPA + SLOT_SIZE;
	__u64 oth = hva_of(self->other), v = 0;

	expect_rejected(_metadata, self, EEXIST, PROBE_SLOT, 0, SLOT_GPA - PG,
			2 * PG, oth, SLOT_GPA - PG, "overlapping the start");
	expect_rejected(_metadata, self, EEXIST, PROBE_SLOT, 0, end - PG,
			2 * PG, oth, end, "overlapping the end");
	expect_rejected(_metadata, self, EEXIST, PROBE_SLOT, 0,
			SLOT_GPA + 4 * PG, 2 * PG, oth, PROBE_GPA, "inside");
	expect_rejected(_metadata, self, EEXIST, PROBE_SLOT, 0, SLOT_GPA - PG,
			SLOT_SIZE + 2 * PG, oth, end, "covering");
	expect_rejected(_metadata, self, EEXIST, PROBE_SLOT, 0, SLOT_GPA,
			SLOT_SIZE, oth, PROBE_GPA, "identical range");
	expect_rejected(_metadata, self, EEXIST, PROBE_SLOT, 0, SLOT_GPA,
			SLOT_SIZE, hva_of(self->mem), PROBE_GPA,
			"identical range and hva");

	/* Moving an existing slot onto another one. */
	ASSERT_EQ(0, set_region(self->vm, PROBE_SLOT, 0, PROBE_GPA, PG, oth));
	note_updates(_metadata, self);
	expect_rejected(_metadata, self, EEXIST, PROBE_SLOT, 0,
			SLOT_GPA + PG, PG, oth, end, "move onto slot 0");
	EXPECT_EQ(0, kvmmu_read64(self->vcpu, PROBE_GPA, &v));
	EXPECT_EQ(other_word(0), v);
	/* Moving slot 0 onto slot 1, by one page. */
	expect_rejected(_metadata, self, EEXIST, 0, 0, PROBE_GPA - PG,
			SLOT_SIZE, hva_of(self->mem), end, "move slot 0");

	/* Adjacent ranges do not overlap. */
	EXPECT_EQ(0, set_region(self->vm, 2, 0, end, PG, oth + PG));
	EXPECT_EQ(0, set_region(self->vm, 3, 0, SLOT_GPA - PG, PG,
				oth + 2 * PG));
	EXPECT_EQ(0, kvmmu_read64(self->vcpu, end, &v));
	EXPECT_EQ(other_word(1), v);
	EXPECT_EQ(0, kvmmu_read64(self->vcpu, SLOT_GPA - PG, &v));
	EXPECT_EQ(other_word(2), v);
}

/* Set up @op, then run it with the n-th slab allocation failing, n = 1.. */
struct enomem_op {
	const char *what;
	struct kvmmu_userspace_memory_region op, undo;
	__u64 probe;
};

static int region_fail_nth(int nth, int vm,
			   struct kvmmu_userspace_memory_region *r, int n,
			   bool *injected)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n), ret;

	if (pwrite(nth, buf, len, 0) != len)
		return -EBADF;
	ret = kvmmu_ioctl(vm, KVMMU_SET_USER_MEMORY_REGION, r);
	len = pread(nth, buf, sizeof(buf) - 1, 0);
	if (pwrite(nth, "0", 1, 0) != 1 || len <= 0)
		return -EBADF;
	buf[len] = 0;
	*injected = !strtoul(buf, NULL, 10);
	return ret;
}

TEST_F(vm, region_row12_enomem_changes_nothing)
{
	struct enomem_op ops[] = {
		{ "create", { PROBE_SLOT, 0, PROBE_GPA, PG, 0 },
		  { PROBE_SLOT, 0, PROBE_GPA, 0, 0 }, PROBE_GPA },
		{ "flags", { 0, KVMMU_MEM_LOG_DIRTY_PAGES, SLOT_GPA,
			     SLOT_SIZE, 0 },
		  { 0, 0, SLOT_GPA, SLOT_SIZE, 0 }, PROBE_GPA },
		{ "move", { 0, 0, PROBE_GPA, SLOT_SIZE, 0 },
		  { 0, 0, SLOT_GPA, SLOT_SIZE, 0 }, PROBE_GPA },
		{ "delete", { 0, 0, SLOT_GPA, 0, 0 },
		  { 0, 0, SLOT_GPA, SLOT_SIZE, 0 }, PROBE_GPA },
	};
	unsigned int i, enomem;
	char what[64];
	int nth, n, r;
	bool injected;

	if (kvmmu_read_file(FAILSLAB "ignore-gfp-wait", self->fs_gfp,
			    sizeof(self->fs_gfp)) ||
	    kvmmu_read_file(FAILSLAB "verbose", self->fs_verbose,
			    sizeof(self->fs_verbose)) ||
	    access(FAIL_NTH, W_OK)) {
		self->fs_gfp[0] = 0;
		self->fs_verbose[0] = 0;
		SKIP(return, "no failslab fault injection in this kernel");
	}
	/* GFP_KERNEL allocations fail too; no splat on the console. */
	ASSERT_EQ(0, kvmmu_write_file(FAILSLAB "ignore-gfp-wait", "N"));
	ASSERT_EQ(0, kvmmu_write_file(FAILSLAB "verbose", "0"));
	nth = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, nth);

	ops[0].op.userspace_addr = hva_of(self->other);
	for (i = 1; i < ARRAY_SIZE(ops); i++) {
		ops[i].op.userspace_addr = hva_of(self->mem);
		ops[i].undo.userspace_addr = hva_of(self->mem);
	}
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		enomem = 0;
		for (n = 1; n <= 100; n++) {
			snprintf(what, sizeof(what), "%s, allocation %d fails",
				 ops[i].what, n);
			/* Fault everything in: a zap has something to do. */
			check_layout(_metadata, self, ops[i].probe, what);
			r = region_fail_nth(nth, self->vm, &ops[i].op, n,
					    &injected);
			ASSERT_NE(-EBADF, r);
			if (!injected || !r) {
				/* No allocation left to fail, or it was
				 * not needed: the call worked.
				 */
				EXPECT_EQ(0, r) TH_LOG("%s", what);
				r = kvmmu_ioctl(self->vm,
						KVMMU_SET_USER_MEMORY_REGION,
						&ops[i].undo);
				ASSERT_EQ(0, r) TH_LOG("undo %s", what);
				note_updates(_metadata, self);
				if (!injected)
					break;
				continue;
			}
			EXPECT_EQ(-ENOMEM, r) TH_LOG("%s", what);
			enomem++;
			check_layout(_metadata, self, ops[i].probe, what);
		}
		EXPECT_GE(100, n) TH_LOG("%s: still failing", ops[i].what);
		/* Each of them allocates: injection must have been seen. */
		EXPECT_LT(0, enomem) TH_LOG("%s: no ENOMEM", ops[i].what);
	}
	close(nth);
}

static int child_set_regions(int vm, int vcpu, long *out)
{
	struct kvmmu_userspace_memory_region r = {
		.slot = PROBE_SLOT,
		.guest_phys_addr = PROBE_GPA,
		.memory_size = PG,
		.userspace_addr = (uintptr_t)out,
	};

	out[0] = kvmmu_ioctl(vm, KVMMU_SET_USER_MEMORY_REGION, &r);
	/* EIO is decided before the argument is read. */
	out[1] = kvmmu_ioctl(vm, KVMMU_SET_USER_MEMORY_REGION, NULL);
	r.slot = 0;
	r.memory_size = 0;
	out[2] = kvmmu_ioctl(vm, KVMMU_SET_USER_MEMORY_REGION, &r);
	return 0;
}

TEST_F(vm, region_row13_eio_from_other_process)
{
	long *out = shared_page();

	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, in_other_process(child_set_regions, self->vm,
				      self->vcpu, out));
	EXPECT_EQ(-EIO, out[0]) TH_LOG("create");
	EXPECT_EQ(-EIO, out[1]) TH_LOG("NULL argument");
	EXPECT_EQ(-EIO, out[2]) TH_LOG("delete slot 0");
	check_layout(_metadata, self, PROBE_GPA, "calls from a child");
}

/* ---------------------------------------------------------------------- */
/* KVMMU_SET_USER_MEMORY_REGION: the other rules                          */
/* ---------------------------------------------------------------------- */

/* The VM's own KVMMU_CAP_GPA_BITS is where its memslots must end. */
TEST_F(vm, region_gpa_bits)
{
	const __u64 top = gpa_top(_metadata, self->vm);
	const __u64 oth = hva_of(self->other);
	__u64 v = 0;

	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, top - PG,
			2 * PG, oth, top - PG, "ending one page above the top");
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, top, PG, oth,
			top - PG, "starting at the top");
	expect_rejected(_metadata, self, EINVAL, PROBE_SLOT, 0, 1ULL << 63,
			PG, oth, top - PG, "at 2^63");

	/* Ending exactly at the top is fine, and the last page is reachable. */
	ASSERT_EQ(0, set_region(self->vm, PROBE_SLOT, 0, top - PG, PG, oth));
	EXPECT_EQ(0, kvmmu_read64(self->vcpu, top - PG, &v));
	EXPECT_EQ(other_word(0), v);
	EXPECT_EQ(0, kvmmu_write64(self->vcpu, top - 8, 0x4848));
	EXPECT_EQ(0x4848, *word(self->other, PG - 8));
}

TEST_F(vm, region_overlapping_hva_is_allowed)
{
	__u64 v = 0;

	/* Slot 1 maps slot 0's memory; slot 2 maps half of it again. */
	ASSERT_EQ(0, kvmmu_set_region(self->vm, PROBE_SLOT, 0, PROBE_GPA,
				      SLOT_SIZE, self->mem));
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 2, 0, 2 * PROBE_GPA,
				      SLOT_SIZE / 2, self->mem + PG));
	EXPECT_EQ(0, kvmmu_read64(self->vcpu, PROBE_GPA + 3 * PG, &v));
	EXPECT_EQ(mem_word(3), v);
	EXPECT_EQ(0, kvmmu_write64(self->vcpu, PROBE_GPA + 2 * PG + 8, 0x1234));
	EXPECT_EQ(0, kvmmu_read64(self->vcpu, SLOT_GPA + 2 * PG + 8, &v));
	EXPECT_EQ(0x1234, v);
	EXPECT_EQ(0, kvmmu_read64(self->vcpu, 2 * PROBE_GPA + PG + 8, &v));
	EXPECT_EQ(0x1234, v);
	EXPECT_EQ(0x1234, *word(self->mem, 2 * PG + 8));
}

TEST_F(vm, region_flags_only_change_keeps_contents)
{
	struct kvmmu_vm_stats st;
	__u64 v = 0;
	int i, round;

	for (i = 0; i < SLOT_PAGES; i++)
		ASSERT_EQ(0, kvmmu_write64(self->vcpu, SLOT_GPA + i * PG + 16,
					   0xf1a90000 + i));
	for (round = 0; round < 2; round++) {
		__u32 f = round ? 0 : KVMMU_MEM_LOG_DIRTY_PAGES;

		ASSERT_EQ(0, kvmmu_set_region(self->vm, 0, f, SLOT_GPA,
					      SLOT_SIZE, self->mem));
		ASSERT_EQ(0, kvmmu_vm_stats(self->vm, &st));
		EXPECT_LT(self->updates, st.memslot_updates)
			TH_LOG("flags %#x", f);
		note_updates(_metadata, self);
		check_layout(_metadata, self, PROBE_GPA, "flags change");
		for (i = 0; i < SLOT_PAGES; i++) {
			EXPECT_EQ(0, kvmmu_read64(self->vcpu,
						  SLOT_GPA + i * PG + 16, &v));
			EXPECT_EQ(0xf1a90000 + i, v) TH_LOG("flags %#x", f);
			EXPECT_EQ(0xf1a90000 + i,
				  *word(self->mem, i * PG + 16));
		}
		/* Writes still work and land in the process's memory. */
		EXPECT_EQ(0, kvmmu_write64(self->vcpu, SLOT_GPA + 24, f + 7));
		EXPECT_EQ(f + 7, *word(self->mem, 24));
	}
}

TEST_F(vm, region_delete_and_recreate)
{
	struct kvmmu_translation tr;
	struct kvmmu_vm_stats st;
	__u64 v = 0;
	int i;

	for (i = 0; i < SLOT_PAGES; i++)
		ASSERT_EQ(0, kvmmu_read64(self->vcpu, SLOT_GPA + i * PG, &v));
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 0, 0, SLOT_GPA, 0, NULL));
	ASSERT_EQ(0, kvmmu_vm_stats(self->vm, &st));
	EXPECT_EQ(0, st.mapped_pages);
	for (i = 0; i < SLOT_PAGES; i++) {
		EXPECT_EQ(0, kvmmu_translate(self->vcpu, SLOT_GPA + i * PG,
					     &tr));
		EXPECT_EQ(0, tr.flags) TH_LOG("page %d still mapped", i);
		EXPECT_EQ(-ENOENT, kvmmu_read64(self->vcpu, SLOT_GPA + i * PG,
						&v));
		EXPECT_EQ(-ENOENT, kvmmu_write64(self->vcpu, SLOT_GPA + i * PG,
						 1));
		EXPECT_EQ(mem_word(i), *word(self->mem, i * PG));
	}

	/* Re-created as it was. */
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 0, 0, SLOT_GPA, SLOT_SIZE,
				      self->mem));
	note_updates(_metadata, self);
	check_layout(_metadata, self, PROBE_GPA, "re-create");

	/* Deleted again, re-created with other memory and another size. */
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 0, 0, SLOT_GPA, 0, NULL));
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 0, 0, SLOT_GPA, 2 * SLOT_SIZE,
				      self->other));
	for (i = 0; i < 2 * SLOT_PAGES; i++) {
		EXPECT_EQ(0, kvmmu_read64(self->vcpu, SLOT_GPA + i * PG, &v));
		EXPECT_EQ(other_word(i), v);
	}
	ASSERT_EQ(0, kvmmu_translate(self->vcpu, SLOT_GPA, &tr));
	EXPECT_EQ(pagemap_pfn(self->other), tr.pfn);
}

TEST_F(vm, region_move)
{
	struct kvmmu_translation tr;
	__u64 v = 0;
	int i;

	for (i = 0; i < SLOT_PAGES; i++)
		ASSERT_EQ(0, kvmmu_read64(self->vcpu, SLOT_GPA + i * PG, &v));
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 0, 0, PROBE_GPA, SLOT_SIZE,
				      self->mem));
	for (i = 0; i < SLOT_PAGES; i++) {
		/* No stale mapping at the old place (CVE-2020-36313). */
		EXPECT_EQ(0, kvmmu_translate(self->vcpu, SLOT_GPA + i * PG,
					     &tr));
		EXPECT_EQ(0, tr.flags) TH_LOG("old page %d still mapped", i);
		EXPECT_EQ(-ENOENT, kvmmu_read64(self->vcpu, SLOT_GPA + i * PG,
						&v));
		EXPECT_EQ(0, kvmmu_read64(self->vcpu, PROBE_GPA + i * PG, &v));
		EXPECT_EQ(mem_word(i), v);
	}
	EXPECT_EQ(0, kvmmu_write64(self->vcpu, PROBE_GPA + 5 * PG + 8, 0x3e));
	EXPECT_EQ(0x3e, *word(self->mem, 5 * PG + 8));

	/* And back. */
	ASSERT_EQ(0, kvmmu_set_region(self->vm, 0, 0, SLOT_GPA, SLOT_SIZE,
				      self->mem));
	note_updates(_metadata, self);
	check_layout(_metadata, self, PROBE_GPA, "move back");
	EXPECT_EQ(0, kvmmu_read64(self->vcpu, SLOT_GPA + 5 * PG + 8, &v));
	EXPECT_EQ(0x3e, v);
}

TEST_F(vm, region_readonly)
{
	struct kvmmu_translation tr;
	struct kvmmu_run run;
	__u8 copy[2 * PG];
	__u64 v = 0;
	int size;

	memcpy(copy, self->other, sizeof(copy));
	ASSERT_EQ(0, kvmmu_set_region(self->vm, PROBE_SLOT, KVMMU_MEM_READONLY,
				      PROBE_GPA, 2 * PG, self->other));
	EXPECT_EQ(0, kvmmu_read64(self->vcpu, PROBE_GPA, &v));
	EXPECT_EQ(other_word(0), v);
	for (size = 1; size <= 8; size *= 2) {
		v = 0x5555555555555555ULL;
		EXPECT_EQ(-EACCES, kvmmu_access1(self->vcpu, KVMMU_ACCESS_WRITE,
						 PROBE_GPA + 8 * size, size,
						 &v)) TH_LOG("size %d", size);
	}
	/* A write as the first access to a page. */
	EXPECT_EQ(-EACCES, kvmmu_write64(self->vcpu, PROBE_GPA + PG, 7));
	EXPECT_EQ(0, memcmp(copy, self->other, sizeof(copy)));

	ASSERT_EQ(0, kvmmu_translate(self->vcpu, PROBE_GPA, &tr));
	EXPECT_EQ(TR_READ_BITS,
		  tr.flags & (TR_READ_BITS | KVMMU_TR_WRITABLE |
			      KVMMU_TR_DIRTY));

	/* The workload stops at the first write. */
	EXPECT_EQ(0, kvmmu_run_workload(self->vcpu, &run, PROBE_GPA, 2 * PG, 8,
					1, 1, KVMMU_RUN_WRITE));
	EXPECT_EQ(-EACCES, run.error);
	EXPECT_EQ(PROBE_GPA, run.error_gpa);
	EXPECT_EQ(0, memcmp(copy, self->other, sizeof(copy)));

	/* Reads of the whole slot work. */
	EXPECT_EQ(0, kvmmu_run_workload(self->vcpu, &run, PROBE_GPA, 2 * PG, 8,
					1, 1, KVMMU_RUN_READ));
	EXPECT_EQ(0, run.error);
	EXPECT_EQ(2 * PG / 8, run.accesses);
}

/* ---------------------------------------------------------------------- */
/* KVMMU_CREATE_VCPU                                                      */
/* ---------------------------------------------------------------------- */

TEST_F(vm, create_vcpu_ids)
{
	static const unsigned long bad[] = {
		MAX_VCPU_ID, MAX_VCPU_ID + 1, 0xffffffffUL, 1UL << 32,
		(1UL << 32) + 1, ~0UL,
	};
	int fds[8], fd;
	unsigned int i;

	/* The fixture holds id 0. */
	for (i = 1; i < ARRAY_SIZE(fds); i++) {
		fds[i] = kvmmu_create_vcpu(self->vm, i);
		EXPECT_LE(0, fds[i]) TH_LOG("id %u", i);
	}
	fd = kvmmu_create_vcpu(self->vm, MAX_VCPU_ID - 1);
	EXPECT_LE(0, fd) TH_LOG("id 1023");
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, kvmmu_create_vcpu(self->vm, bad[i]))
			TH_LOG("id %#lx", bad[i]);
	EXPECT_EQ(-EEXIST, kvmmu_create_vcpu(self->vm, 0));
	EXPECT_EQ(-EEXIST, kvmmu_create_vcpu(self->vm, 5));
	EXPECT_EQ(-EEXIST, kvmmu_create_vcpu(self->vm, MAX_VCPU_ID - 1));
	/* Every vCPU accesses the same guest memory. */
	for (i = 1; i < ARRAY_SIZE(fds); i++) {
		__u64 v = 0;

		EXPECT_EQ(0, kvmmu_read64(fds[i], SLOT_GPA + i * PG, &v));
		EXPECT_EQ(mem_word(i), v);
	}
}

TEST_F(vm, create_vcpu_max)
{
	int i, fd;

	/* 256 in all with the fixture's id 0: ids 4, 8, ... 1020. */
	for (i = 1; i < MAX_VCPUS; i++) {
		fd = kvmmu_create_vcpu(self->vm, 4 * i);
		ASSERT_LE(0, fd) TH_LOG("vCPU %d (id %d)", i + 1, 4 * i);
	}
	EXPECT_EQ(-EINVAL, kvmmu_create_vcpu(self->vm, 1));
	EXPECT_EQ(-EINVAL, kvmmu_create_vcpu(self->vm, MAX_VCPU_ID - 1));
	/* Ids in use are still duplicates; fresh ones hit the limit. */
	fd = kvmmu_create_vcpu(self->vm, 8);
	EXPECT_TRUE(fd == -EEXIST || fd == -EINVAL) TH_LOG("%d", fd);
}

static int child_vcpu_ioctls(int vm, int vcpu, long *out)
{
	struct kvmmu_translation tr;
	struct kvmmu_vm_stats st;
	struct kvmmu_run run;
	__u64 v = 0;

	memset(&st, 0, sizeof(st));
	out[0] = kvmmu_create_vcpu(vm, 1);
	out[1] = kvmmu_read64(vcpu, SLOT_GPA, &v);
	out[2] = kvmmu_write64(vcpu, SLOT_GPA + 8, 0xbad);
	out[3] = kvmmu_translate(vcpu, SLOT_GPA, &tr);
	out[4] = kvmmu_run_workload(vcpu, &run, SLOT_GPA, PG, 8, 0, 1,
				    KVMMU_RUN_WRITE);
	out[5] = kvmmu_vm_stats(vm, &st);
	out[6] = check_extension(vm, KVMMU_CAP_USER_MEMORY);
	out[7] = st.memslot_updates;
	return 0;
}

TEST_F(vm, vcpu_ioctls_eio_from_other_process)
{
	long *out = shared_page();
	__u64 v = 0;
	int fd;

	ASSERT_NE(NULL, out);
	ASSERT_EQ(0, kvmmu_read64(self->vcpu, SLOT_GPA, &v));
	ASSERT_EQ(0, in_other_process(child_vcpu_ioctls, self->vm, self->vcpu,
				      out));
	EXPECT_EQ(-EIO, out[0]) TH_LOG("CREATE_VCPU");
	EXPECT_EQ(-EIO, out[1]) TH_LOG("GUEST_ACCESS read");
	EXPECT_EQ(-EIO, out[2]) TH_LOG("GUEST_ACCESS write");
	EXPECT_EQ(-EIO, out[3]) TH_LOG("TRANSLATE");
	EXPECT_EQ(-EIO, out[4]) TH_LOG("RUN_WORKLOAD");
	EXPECT_EQ(0, out[5]) TH_LOG("GET_VM_STATS");
	EXPECT_EQ(1, out[6]) TH_LOG("CHECK_EXTENSION");
	EXPECT_EQ(self->updates, out[7]);
	/* Nothing the child asked for happened. */
	EXPECT_EQ(0, *word(self->mem, 8));
	EXPECT_EQ(0, *word(self->mem, 16));
	check_layout(_metadata, self, PROBE_GPA, "child's vCPU ioctls");
	fd = kvmmu_create_vcpu(self->vm, 1);
	EXPECT_LE(0, fd) TH_LOG("id 1 was created by the child: %d", fd);
}

/* ---------------------------------------------------------------------- */
/* KVMMU_GUEST_ACCESS                                                     */
/* ---------------------------------------------------------------------- */

TEST_F(vm, access_read_sizes)
{
	static const unsigned int offs[] = { 0, 1, 3, 8, 13, 2047, 4088 };
	__u8 *page = self->mem + 2 * PG;
	__u64 want, got;
	unsigned int i, s;
	int size;

	for (i = 0; i < PG; i++)
		page[i] = i * 37 + 11;
	for (s = 0; s < 4; s++) {
		size = 1 << s;
		for (i = 0; i < ARRAY_SIZE(offs); i++) {
			want = 0;
			memcpy(&want, page + offs[i], size);
			/* Garbage in: the value read replaces all of it. */
			got = 0xdeadbeefdeadbeefULL;
			EXPECT_EQ(0, kvmmu_access1(self->vcpu,
						   KVMMU_ACCESS_READ,
						   SLOT_GPA + 2 * PG + offs[i],
						   size, &got))
				TH_LOG("size %d offset %u", size, offs[i]);
			EXPECT_EQ(want, got)
				TH_LOG("size %d offset %u", size, offs[i]);
		}
	}
	/* The end of a page. */
	got = 0;
	EXPECT_EQ(0, kvmmu_access1(self->vcpu, KVMMU_ACCESS_READ,
				   SLOT_GPA + 3 * PG - 1, 1, &got));
	EXPECT_EQ(page[PG - 1], got);
}

/*
 * Naturally aligned accesses are single-copy atomic, as on hardware:
 * while the process flips a qword, a dword and a word between two values
 * whose every byte differs, guest reads of them see one value or the
 * other, never a mix; and while the guest flips a qword, the process never
 * reads a mix either.
 */
#define ATOMIC_A	0x0123456789abcdefULL
#define ATOMIC_B	0xfedcba9876543210ULL
#define ATOMIC_BATCH	512

struct atomic_flip {
	__u64 *q;
	__u32 *d;
	__u16 *w;
	__u64 *gq;	/* the qword the guest writes */
	int stop;
	unsigned long flips, torn;
};

/* Single loads and stores, as the compiler must not split them. */
#define LOAD(p)		__atomic_load_n(p, __ATOMIC_RELAXED)
#define STORE(p, v)	__atomic_store_n(p, v, __ATOMIC_RELAXED)

static void *atomic_flipper(void *arg)
{
	struct atomic_flip *f = arg;
	unsigned long i;

	for (i = 0; !LOAD(&f->stop); i++) {
		__u64 v = i & 1 ? ATOMIC_B : ATOMIC_A, g = LOAD(f->gq);

		STORE(f->q, v);
		STORE(f->d, (__u32)v);
		STORE(f->w, (__u16)v);
		if (g != ATOMIC_A && g != ATOMIC_B)
			f->torn++;
		f->flips++;
	}
	return NULL;
}

TEST_F(vm, access_single_copy_atomic)
{
	static struct kvmmu_access a[ATOMIC_BATCH];
	struct atomic_flip f = {
		.q = (__u64 *)(self->mem + 3 * PG),
		.d = (__u32 *)(self->mem + 3 * PG + 8),
		.w = (__u16 *)(self->mem + 3 * PG + 16),
		.gq = (__u64 *)(self->mem + 3 * PG + 64),
	};
	struct kvmmu_access_batch b = {
		.nr = ATOMIC_BATCH,
		.accesses = (uintptr_t)a,
	};
	unsigned long torn = 0, seen_a = 0, seen_b = 0;
	pthread_t th;
	int round, i;

	STORE(f.q, ATOMIC_A);
	STORE(f.d, (__u32)ATOMIC_A);
	STORE(f.w, (__u16)ATOMIC_A);
	STORE(f.gq, ATOMIC_A);
	ASSERT_EQ(0, pthread_create(&th, NULL, atomic_flipper, &f));
	/*
	 * 40 rounds at least, more until both values were seen: on one CPU
	 * the flipper runs between rounds only, and may stop at the same
	 * value every time its slice ends; sched_yield() lets it run.
	 */
	for (round = 0; round < 40 || (round < 4000 && !(seen_a && seen_b));
	     round++) {
		sched_yield();
		for (i = 0; i < ATOMIC_BATCH; i++) {
			static const unsigned int off[] = { 0, 8, 16, 64 };
			static const __u8 size[] = { 8, 4, 2, 8 };
			int k = i % 4;

			memset(&a[i], 0, sizeof(a[i]));
			a[i].gpa = SLOT_GPA + 3 * PG + off[k];
			a[i].size = size[k];
			a[i].type = k == 3 ? KVMMU_ACCESS_WRITE : KVMMU_ACCESS_READ;
			a[i].data = i & 4 ? ATOMIC_B : ATOMIC_A;
			a[i].result = 1;
		}
		ASSERT_EQ(0, kvmmu_ioctl(self->vcpu, KVMMU_GUEST_ACCESS, &b));
		for (i = 0; i < ATOMIC_BATCH; i++) {
			__u64 mask = a[i].size == 8 ? ~0ULL :
				     (1ULL << (8 * a[i].size)) - 1;

			ASSERT_EQ(0, a[i].result);
			if (a[i].type == KVMMU_ACCESS_WRITE)
				continue;
			if (a[i].data == (ATOMIC_A & mask))
				seen_a++;
			else if (a[i].data == (ATOMIC_B & mask))
				seen_b++;
			else if (torn++ < 4)
				TH_LOG("size %u read %#llx", a[i].size,
				       (unsigned long long)a[i].data);
		}
	}
	STORE(&f.stop, 1);
	pthread_join(th, NULL);
	TH_LOG("%lu host flips, guest saw A %lu times, B %lu times",
	       f.flips, seen_a, seen_b);
	EXPECT_EQ(0, torn);
	EXPECT_EQ(0, f.torn) TH_LOG("the process read a torn guest write");
	/* Both values were seen: the reads did race with the flips. */
	EXPECT_LT(0, seen_a);
	EXPECT_LT(0, seen_b);
}

TEST_F(vm, access_write_sizes)
{
	static const unsigned int offs[] = { 0, 65, 130, 199, 256 };
	const __u64 val = 0x8877665544332211ULL;
	__u8 *page = self->mem + 2 * PG, ref[PG];
	__u64 off, v;
	unsigned int i, s;
	int size;

	memset(page, 0xaa, PG);
	memset(ref, 0xaa, PG);
	for (s = 0; s < 4; s++) {
		size = 1 << s;
		for (i = 0; i < ARRAY_SIZE(offs); i++) {
			off = 1024 * s + offs[i];
			v = val;
			EXPECT_EQ(0, kvmmu_access1(self->vcpu,
						   KVMMU_ACCESS_WRITE,
						   SLOT_GPA + 2 * PG + off,
						   size, &v))
				TH_LOG("size %d offset %llu", size,
				       (unsigned long long)off);
			memcpy(ref + off, &val, size);
		}
	}
	v = val;
	EXPECT_EQ(0, kvmmu_access1(self->vcpu, KVMMU_ACCESS_WRITE,
				   SLOT_GPA + 3 * PG - 8, 8, &v));
	memcpy(ref + PG - 8, &val, 8);
	/* Exactly the written bytes changed, little endian. */
	for (i = 0; i < PG; i++)
		EXPECT_EQ(ref[i], page[i]) TH_LOG("byte %u", i);
	/* And the guest reads back what it wrote. */
	v = 0;
	EXPECT_EQ(0, kvmmu_access1(self->vcpu, KVMMU_ACCESS_READ,
				   SLOT_GPA + 2 * PG + 2048 + 130, 4, &v));
	EXPECT_EQ(val & 0xffffffff, v);
}

TEST_F(vm, access_malformed)
{
	static const int bad_sizes[] = { 0, 3, 5, 6, 7, 9, 16, 255 };
	static const struct {
		unsigned int off;
		int size;
	} cross[] = {
		{ PG - 1, 2 }, { PG - 2, 4 }, { PG - 3, 4 }, { PG - 4, 8 },
		{ PG - 7, 8 }, { PG - 1, 8 },
	}, fits[] = {
		{ PG - 8, 8 }, { PG - 4, 4 }, { PG - 2, 2 }, { PG - 1, 1 },
	};
	/* KVMMU_ACCESS_USER (0x80) is a modifier: invalid with a bad type. */
	static const int bad_types[] = { 3, 4, 0x40, 0x83, 0xff };
	const __u64 gpa = SLOT_GPA + 2 * PG;
	__u8 copy[2 * PG];
	unsigned int i;
	__u64 v = 0;

	memcpy(copy, self->mem + 2 * PG, sizeof(copy));
	for (i = 0; i < ARRAY_SIZE(bad_sizes); i++) {
		v = 0;
		EXPECT_EQ(-EINVAL, kvmmu_access1(self->vcpu, KVMMU_ACCESS_READ,
						 gpa, bad_sizes[i], &v))
			TH_LOG("read size %d", bad_sizes[i]);
		v = ~0ULL;
		EXPECT_EQ(-EINVAL, kvmmu_access1(self->vcpu, KVMMU_ACCESS_WRITE,
						 gpa + 64, bad_sizes[i], &v))
			TH_LOG("write size %d", bad_sizes[i]);
		v = 0;
		EXPECT_EQ(-EINVAL, kvmmu_access1(self->vcpu, KVMMU_ACCESS_FETCH,
						 gpa, bad_sizes[i], &v))
			TH_LOG("fetch size %d", bad_sizes[i]);
	}
	for (i = 0; i < ARRAY_SIZE(cross); i++) {
		v = 0;
		EXPECT_EQ(-EINVAL, kvmmu_access1(self->vcpu, KVMMU_ACCESS_READ,
						 gpa + cross[i].off,
						 cross[i].size, &v))
			TH_LOG("read %d at %#x", cross[i].size, cross[i].off);
		v = ~0ULL;
		EXPECT_EQ(-EINVAL, kvmmu_access1(self->vcpu, KVMMU_ACCESS_WRITE,
						 gpa + cross[i].off,
						 cross[i].size, &v))
			TH_LOG("write %d at %#x", cross[i].size, cross[i].off);
	}
	for (i = 0; i < ARRAY_SIZE(bad_types); i++) {
		v = ~0ULL;
		EXPECT_EQ(-EINVAL, kvmmu_access1(self->vcpu, bad_types[i],
						 gpa + 128, 8, &v))
			TH_LOG("type %d", bad_types[i]);
	}
	/* Nothing was written by any of them. */
	EXPECT_EQ(0, memcmp(copy, self->mem + 2 * PG, sizeof(copy)));

	for (i = 0; i < ARRAY_SIZE(fits); i++) {
		v = 0;
		EXPECT_EQ(0, kvmmu_access1(self->vcpu, KVMMU_ACCESS_READ,
					   gpa + fits[i].off, fits[i].size, &v))
			TH_LOG("read %d at %#x", fits[i].size, fits[i].off);
	}
}

TEST_F(vm, access_batch_flags)
{
	struct kvmmu_access a = {
		.gpa = SLOT_GPA + 8,
		.data = 0xf1a9,
		.type = KVMMU_ACCESS_WRITE,
		.size = 8,
		.result = 1,
	};
	struct kvmmu_access_batch b = {
		.nr = 1,
		.accesses = (uintptr_t)&a,
	};
	int bit;

	for (bit = 0; bit < 32; bit++) {
		b.flags = 1U << bit;
		EXPECT_EQ(-EINVAL, kvmmu_ioctl(self->vcpu, KVMMU_GUEST_ACCESS,
					       &b)) TH_LOG("flag bit %d", bit);
	}
	/* None of them performed the write. */
	EXPECT_EQ(0, *word(self->mem, 8));
	b.flags = 0;
	EXPECT_EQ(0, kvmmu_ioctl(self->vcpu, KVMMU_GUEST_ACCESS, &b));
	EXPECT_EQ(0, a.result);
	EXPECT_EQ(1, b.nr_done);
	EXPECT_EQ(0xf1a9, *word(self->mem, 8));
}

TEST_F(vm, access_batch_nr)
{
	const size_t len = (KVMMU_ACCESS_MAX + 1) * sizeof(struct kvmmu_access);
	struct kvmmu_access *a = mmap(NULL, len, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvmmu_access_batch b = { .nr_done = 77 };
	unsigned int i, bad = 0;

	ASSERT_NE(MAP_FAILED, a);
	for (i = 0; i <= KVMMU_ACCESS_MAX; i++) {
		a[i].gpa = SLOT_GPA + i % SLOT_PAGES * PG;
		a[i].size = 8;
		a[i].result = 1;
	}
	b.accesses = (uintptr_t)a;

	b.nr = 0;
	EXPECT_EQ(0, kvmmu_ioctl(self->vcpu, KVMMU_GUEST_ACCESS, &b));
	EXPECT_EQ(0, b.nr_done);
	EXPECT_EQ(1, a[0].result);

	b.nr = KVMMU_ACCESS_MAX + 1;
	EXPECT_EQ(-E2BIG, kvmmu_ioctl(self->vcpu, KVMMU_GUEST_ACCESS, &b));
	b.nr = ~0U;
	EXPECT_EQ(-E2BIG, kvmmu_ioctl(self->vcpu, KVMMU_GUEST_ACCESS, &b));
	EXPECT_EQ(1, a[0].result);

	b.nr = KVMMU_ACCESS_MAX;
	EXPECT_EQ(0, kvmmu_ioctl(self->vcpu, KVMMU_GUEST_ACCESS, &b));
	EXPECT_EQ(KVMMU_ACCESS_MAX, b.nr_done);
	for (i = 0; i < KVMMU_ACCESS_MAX; i++)
		bad += a[i].result || a[i].data != mem_word(i % SLOT_PAGES);
	EXPECT_EQ(0, bad);
	/* The one past the end was not touched. */
	EXPECT_EQ(1, a[KVMMU_ACCESS_MAX].result);
}

TEST_F(vm, access_batch_efault)
{
	struct kvmmu_access_batch b = { .nr = 1 };
	__u8 *p = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);

	ASSERT_NE(MAP_FAILED, p);
	b.accesses = 0;
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_GUEST_ACCESS, &b));
	b.accesses = (uintptr_t)p;
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_GUEST_ACCESS, &b));
	b.accesses = 0xffff888000000000ULL;
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_GUEST_ACCESS, &b));
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_GUEST_ACCESS, NULL));
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_GUEST_ACCESS, p));
}

TEST_F(vm, access_mixed_batch)
{
	struct kvmmu_access a[] = {
		{ .gpa = SLOT_GPA, .size = 8 },
		{ .gpa = SLOT_GPA + PG + 8, .data = 0x5eed, .size = 8,
		  .type = KVMMU_ACCESS_WRITE },
		{ .gpa = PROBE_GPA, .size = 8 },
		{ .gpa = SLOT_GPA, .size = 3 },
		{ .gpa = 2 * PROBE_GPA, .data = 1, .size = 4,
		  .type = KVMMU_ACCESS_WRITE },
		{ .gpa = SLOT_GPA, .size = 8, .type = 3 },
		{ .gpa = SLOT_GPA + PG + 8, .size = 8 },
		{ .gpa = SLOT_GPA + PG - 4, .size = 8,
		  .type = KVMMU_ACCESS_FETCH },
		{ .gpa = SLOT_GPA + 3 * PG, .size = 2,
		  .type = KVMMU_ACCESS_FETCH },
		/* USER changes nothing while paging is off (as in every test here). */
		{ .gpa = SLOT_GPA + 2 * PG + 8, .data = 0x05e4, .size = 8,
		  .type = KVMMU_ACCESS_WRITE | KVMMU_ACCESS_USER },
		{ .gpa = SLOT_GPA + 2 * PG + 8, .size = 8,
		  .type = KVMMU_ACCESS_READ | KVMMU_ACCESS_USER },
		{ .gpa = SLOT_GPA + 3 * PG, .size = 2,
		  .type = KVMMU_ACCESS_FETCH | KVMMU_ACCESS_USER },
		{ .gpa = 2 * PROBE_GPA + 8, .data = 1, .size = 8,
		  .type = KVMMU_ACCESS_WRITE | KVMMU_ACCESS_USER },
		{ .gpa = PROBE_GPA, .size = 8,
		  .type = KVMMU_ACCESS_READ | KVMMU_ACCESS_USER },
	};
	static const int want[] = {
		0, 0, -ENOENT, -EINVAL, -EACCES, -EINVAL, 0, -EINVAL, 0,
		0, 0, 0, -EACCES, -ENOENT,
	};
	__u32 done;
	unsigned int i;

	ASSERT_EQ(0, kvmmu_set_region(self->vm, PROBE_SLOT, KVMMU_MEM_READONLY,
				      2 * PROBE_GPA, PG, self->other));
	for (i = 0; i < ARRAY_SIZE(a); i++)
		a[i].result = 1;
	ASSERT_EQ(0, access_batch(self->vcpu, a, ARRAY_SIZE(a), &done));
	EXPECT_EQ(ARRAY_SIZE(a), done);
	for (i = 0; i < ARRAY_SIZE(a); i++)
		EXPECT_EQ(want[i], a[i].result) TH_LOG("access %u", i);
	EXPECT_EQ(mem_word(0), a[0].data);
	EXPECT_EQ(0x5eed, a[6].data);
	EXPECT_EQ(mem_word(3) & 0xffff, a[8].data);
	EXPECT_EQ(0x5eed, *word(self->mem, PG + 8));
	EXPECT_EQ(0x05e4, a[10].data);
	EXPECT_EQ(0x05e4, *word(self->mem, 2 * PG + 8));
	EXPECT_EQ(mem_word(3) & 0xffff, a[11].data);
	EXPECT_EQ(other_word(0), *word(self->other, 0));
	EXPECT_EQ(0, *word(self->other, 8));
}

TEST_F(vm, access_faults_count)
{
	struct kvmmu_access a[2] = {
		{ .gpa = SLOT_GPA + 7 * PG, .size = 8 },
		{ .gpa = SLOT_GPA + 7 * PG + 8, .size = 8 },
	};
	__u64 v = 0;
	int f;

	/* Present in the process, not yet in the secondary MMU. */
	EXPECT_EQ(0, access_faults(self->vcpu, KVMMU_ACCESS_READ,
				   SLOT_GPA + 4 * PG, 8, &v, &f));
	EXPECT_LE(1, f) TH_LOG("first read");
	EXPECT_EQ(0, access_faults(self->vcpu, KVMMU_ACCESS_READ,
				   SLOT_GPA + 4 * PG + 64, 4, &v, &f));
	EXPECT_EQ(0, f) TH_LOG("second read");

	v = 9;
	EXPECT_EQ(0, access_faults(self->vcpu, KVMMU_ACCESS_WRITE,
				   SLOT_GPA + 5 * PG + 8, 8, &v, &f));
	EXPECT_LE(1, f) TH_LOG("first write");
	EXPECT_EQ(0, access_faults(self->vcpu, KVMMU_ACCESS_WRITE,
				   SLOT_GPA + 5 * PG + 16, 8, &v, &f));
	EXPECT_EQ(0, f) TH_LOG("second write");
	EXPECT_EQ(0, access_faults(self->vcpu, KVMMU_ACCESS_READ,
				   SLOT_GPA + 5 * PG, 8, &v, &f));
	EXPECT_EQ(0, f) TH_LOG("read after write");
	EXPECT_EQ(mem_word(5), v);

	/* Within one batch. */
	a[0].faults = 0xffff;
	a[1].faults = 0xffff;
	ASSERT_EQ(0, access_batch(self->vcpu, a, 2, NULL));
	EXPECT_LE(1, a[0].faults);
	EXPECT_EQ(0, a[1].faults);

	/* Memory the process never touched: read (zero page), then write. */
	add_run_slot(_metadata, self);
	EXPECT_EQ(0, access_faults(self->vcpu, KVMMU_ACCESS_READ, RUN_GPA, 8,
				   &v, &f));
	EXPECT_LE(1, f);
	EXPECT_EQ(0, v);
	v = 0x2e20;
	EXPECT_EQ(0, access_faults(self->vcpu, KVMMU_ACCESS_WRITE, RUN_GPA, 8,
				   &v, &f));
	EXPECT_EQ(0x2e20, *word(self->run, 0));
	EXPECT_EQ(0, access_faults(self->vcpu, KVMMU_ACCESS_READ, RUN_GPA, 8,
				   &v, &f));
	EXPECT_EQ(0x2e20, v);
	EXPECT_EQ(0, f);
}

TEST_F(vm, access_fetch)
{
	struct kvmmu_translation tr;
	__u64 v = 0;
	int size;

	for (size = 1; size <= 8; size *= 2) {
		v = 0;
		EXPECT_EQ(0, kvmmu_access1(self->vcpu, KVMMU_ACCESS_FETCH,
					   SLOT_GPA + 6 * PG, size, &v))
			TH_LOG("size %d", size);
		EXPECT_EQ(mem_word(6) & (~0ULL >> (64 - 8 * size)), v)
			TH_LOG("size %d", size);
	}
	ASSERT_EQ(0, kvmmu_translate(self->vcpu, SLOT_GPA + 6 * PG, &tr));
	EXPECT_EQ(TR_READ_BITS | KVMMU_TR_EXECUTABLE,
		  tr.flags & (TR_READ_BITS | KVMMU_TR_EXECUTABLE));
	EXPECT_EQ(-ENOENT, kvmmu_access1(self->vcpu, KVMMU_ACCESS_FETCH,
					 PROBE_GPA, 8, &v));
}

/* ---------------------------------------------------------------------- */
/* KVMMU_TRANSLATE                                                        */
/* ---------------------------------------------------------------------- */

TEST_F(vm, translate_states)
{
	const __u64 gpa = SLOT_GPA + 3 * PG;
	const int memtype = type_abi(_metadata, kvmmu_vm_type()).memtype;
	struct kvmmu_translation tr;
	struct kvmmu_vm_stats s0, s1;
	__u64 v = 0, pfn = pagemap_pfn(self->mem + 3 * PG);

	ASSERT_NE(0, pfn) TH_LOG("no pfn in pagemap: not root?");

	/* Translating faults nothing in. */
	ASSERT_EQ(0, kvmmu_vm_stats(self->vm, &s0));
	ASSERT_EQ(0, kvmmu_translate(self->vcpu, gpa, &tr));
	EXPECT_EQ(0, tr.flags);
	EXPECT_EQ(0, tr.level);
	ASSERT_EQ(0, kvmmu_translate(self->vcpu, gpa, &tr));
	EXPECT_EQ(0, tr.flags);
	ASSERT_EQ(0, kvmmu_vm_stats(self->vm, &s1));
	EXPECT_EQ(s0.faults, s1.faults);
	EXPECT_EQ(s0.mapped_pages, s1.mapped_pages);

	ASSERT_EQ(0, kvmmu_read64(self->vcpu, gpa, &v));
	ASSERT_EQ(0, kvmmu_translate(self->vcpu, gpa, &tr));
	EXPECT_EQ(gpa, tr.gpa);
	EXPECT_EQ(TR_READ_BITS, tr.flags & (TR_READ_BITS | KVMMU_TR_DIRTY));
	EXPECT_EQ(1, tr.level);
	EXPECT_EQ(memtype, tr.memtype);
	EXPECT_EQ(pfn, tr.pfn);

	ASSERT_EQ(0, kvmmu_write64(self->vcpu, gpa + 8, 1));
	ASSERT_EQ(0, kvmmu_translate(self->vcpu, gpa, &tr));
	EXPECT_EQ(TR_WRITE_BITS, tr.flags & TR_WRITE_BITS);
	EXPECT_EQ(1, tr.level);
	EXPECT_EQ(memtype, tr.memtype);
	EXPECT_EQ(pagemap_pfn(self->mem + 3 * PG), tr.pfn);
	EXPECT_EQ(pfn, tr.pfn);

	/* The neighbour page is still absent. */
	ASSERT_EQ(0, kvmmu_translate(self->vcpu, gpa + PG, &tr));
	EXPECT_EQ(0, tr.flags);

	/* Without CAP_SYS_ADMIN: the same mapping, no pfn. */
	ASSERT_EQ(0, set_sys_admin(false));
	ASSERT_EQ(0, kvmmu_translate(self->vcpu, gpa, &tr));
	ASSERT_EQ(0, set_sys_admin(true));
	EXPECT_EQ(TR_WRITE_BITS, tr.flags & TR_WRITE_BITS);
	EXPECT_EQ(0, tr.pfn);
}

TEST_F(vm, translate_no_slot)
{
	const __u64 gpas[] = {
		0, SLOT_GPA - PG, SLOT_GPA + SLOT_SIZE, PROBE_GPA,
		gpa_top(_metadata, self->vm) - PG,
	};
	struct kvmmu_translation tr;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(gpas); i++) {
		memset(&tr, 0xff, sizeof(tr));
		tr.gpa = gpas[i];
		EXPECT_EQ(0, kvmmu_ioctl(self->vcpu, KVMMU_TRANSLATE, &tr));
		EXPECT_EQ(0, tr.flags) TH_LOG("gpa %#llx",
					      (unsigned long long)gpas[i]);
		EXPECT_EQ(0, tr.level);
		EXPECT_EQ(0, tr.pfn);
	}
	EXPECT_EQ(-EFAULT, kvmmu_ioctl(self->vcpu, KVMMU_TRANSLATE, NULL));
}

/* ---------------------------------------------------------------------- */
/* KVMMU_RUN_WORKLOAD                                                     */
/* ---------------------------------------------------------------------- */

/* How many words of the run slot differ from the pattern for @seed. */
static unsigned int run_words_wrong(struct _test_data_vm *self, __u64 seed,
				    unsigned int *first)
{
	unsigned int i, n = 0;

	for (i = 0; i < RUN_WORDS; i++) {
		if (*word(self->run, 8 * i) ==
		    kvmmu_run_pattern(RUN_GPA + 8 * i, seed))
			continue;
		if (!n++)
			*first = i;
	}
	return n;
}

TEST_F(vm, run_einval)
{
	static const struct {
		__u64 gpa_off, size, stride;
		__u32 passes, flags;
		const char *what;
	} bad[] = {
		{ 0, 0, 8, 1, KVMMU_RUN_WRITE, "size 0" },
		{ 4, RUN_SIZE - 8, 8, 1, KVMMU_RUN_WRITE, "gpa 4-aligned" },
		{ 1, RUN_SIZE - 8, 8, 1, KVMMU_RUN_WRITE, "gpa odd" },
		{ 0, RUN_SIZE - 4, 8, 1, KVMMU_RUN_WRITE, "size 4-aligned" },
		{ 0, 12, 8, 1, KVMMU_RUN_WRITE, "size 12" },
		{ 0, RUN_SIZE, 12, 1, KVMMU_RUN_WRITE, "stride 12" },
		{ 0, RUN_SIZE, 4, 1, KVMMU_RUN_WRITE, "stride 4" },
		{ 0, RUN_SIZE, 4097, 1, KVMMU_RUN_WRITE, "stride 4097" },
		{ 0, RUN_SIZE, 8, 0, KVMMU_RUN_WRITE, "passes 0" },
		{ 0, RUN_SIZE, 8, 1, KVMMU_RUN_WRITE | 1U << 4, "flag bit 4" },
		{ 0, RUN_SIZE, 8, 1, KVMMU_RUN_WRITE | 1U << 31,
		  "flag bit 31" },
		{ 0, RUN_SIZE, 8, 1, 0, "no flags" },
		{ 0, RUN_SIZE, 8, 1, KVMMU_RUN_VERIFY, "VERIFY only" },
		{ 0, RUN_SIZE, 8, 1, KVMMU_RUN_RANDOM, "RANDOM only" },
		{ 0, RUN_SIZE, 8, 1, KVMMU_RUN_RANDOM | KVMMU_RUN_VERIFY,
		  "RANDOM | VERIFY" },
	};
	struct kvmmu_translation tr;
	struct kvmmu_vm_stats s0, s1;
	struct kvmmu_run run;
	unsigned int i, first;

	add_run_slot(_metadata, self);
	ASSERT_EQ(0, kvmmu_vm_stats(self->vm, &s0));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *what = bad[i].what;
		int r = kvmmu_run_workload(self->vcpu, &run,
					   RUN_GPA + bad[i].gpa_off,
					   bad[i].size, bad[i].stride, 5,
					   bad[i].passes, bad[i].flags);

		EXPECT_EQ(-EINVAL, r) TH_LOG("%s", what);
	}
	/* None of them accessed anything. */
	ASSERT_EQ(0, kvmmu_vm_stats(self->vm, &s1));
	EXPECT_EQ(s0.faults, s1.faults);
	EXPECT_EQ(0, s1.mapped_pages);
	ASSERT_EQ(0, kvmmu_translate(self->vcpu, RUN_GPA, &tr));
	EXPECT_EQ(0, tr.flags);
	EXPECT_EQ(RUN_WORDS, run_words_wrong(self, 5, &first));

	/* The same base run is fine. */
	EXPECT_EQ(0, kvmmu_run_workload(self->vcpu, &run, RUN_GPA, RUN_SIZE, 8,
					5, 1, KVMMU_RUN_WRITE));
	EXPECT_EQ(0, run.error);
	EXPECT_EQ(0, run_words_wrong(self, 5, &first));
}

TEST_F(vm, run_write_pattern)
{
	const __u64 seed = 0x5eed0001;
	struct kvmmu_run run;
	unsigned int first = 0;

	add_run_slot(_metadata, self);
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, RUN_GPA, RUN_SIZE, 8,
					seed, 1, KVMMU_RUN_WRITE));
	EXPECT_EQ(0, run.error);
	EXPECT_EQ(RUN_WORDS, run.accesses);
	EXPECT_EQ(RUN_PAGES, run.faults) TH_LOG("first pass, fresh memory");
	EXPECT_EQ(0, run.mismatches);
	EXPECT_LT(0, run.ns);
	EXPECT_EQ(0, run_words_wrong(self, seed, &first))
		TH_LOG("first wrong word at +%#x", first * 8);

	/* A second pass: everything is mapped and writable. */
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, RUN_GPA, RUN_SIZE, 8,
					seed + 1, 2, KVMMU_RUN_WRITE));
	EXPECT_EQ(0, run.error);
	EXPECT_EQ(2 * RUN_WORDS, run.accesses);
	EXPECT_EQ(0, run.faults) TH_LOG("second pass");
	EXPECT_EQ(0, run_words_wrong(self, seed + 1, &first));

	/* Stride 0 means 4096: one access per page. */
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, RUN_GPA, RUN_SIZE, 0,
					seed, 1, KVMMU_RUN_READ));
	EXPECT_EQ(0, run.error);
	EXPECT_EQ(RUN_PAGES, run.accesses);
}

TEST_F(vm, run_verify)
{
	const __u64 seed = 77, bad1 = 37 * PG + 0x128, bad2 = 50 * PG + 8;
	struct kvmmu_run run;
	unsigned int i;

	add_run_slot(_metadata, self);
	for (i = 0; i < RUN_WORDS; i++)
		*word(self->run, 8 * i) = kvmmu_run_pattern(RUN_GPA + 8 * i,
							    seed);
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, RUN_GPA, RUN_SIZE, 8,
					seed, 1,
					KVMMU_RUN_READ | KVMMU_RUN_VERIFY));
	EXPECT_EQ(0, run.error);
	EXPECT_EQ(RUN_WORDS, run.accesses);
	EXPECT_EQ(0, run.mismatches);

	*word(self->run, bad2) ^= 1;
	*word(self->run, bad1) ^= 1ULL << 63;
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, RUN_GPA, RUN_SIZE, 8,
					seed, 1,
					KVMMU_RUN_READ | KVMMU_RUN_VERIFY));
	EXPECT_EQ(0, run.error);
	EXPECT_EQ(2, run.mismatches);
	EXPECT_EQ(RUN_GPA + bad1, run.first_mismatch_gpa);
	*word(self->run, bad1) ^= 1ULL << 63;
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, RUN_GPA, RUN_SIZE, 8,
					seed, 1,
					KVMMU_RUN_READ | KVMMU_RUN_VERIFY));
	EXPECT_EQ(1, run.mismatches);
	EXPECT_EQ(RUN_GPA + bad2, run.first_mismatch_gpa);

	/* Without VERIFY nothing is compared. */
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, RUN_GPA, RUN_SIZE, 8,
					seed, 1, KVMMU_RUN_READ));
	EXPECT_EQ(0, run.mismatches);
	/* Another seed: another pattern, every word differs. */
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, RUN_GPA, RUN_SIZE, 8,
					seed + 1, 1,
					KVMMU_RUN_READ | KVMMU_RUN_VERIFY));
	EXPECT_EQ(RUN_WORDS, run.mismatches);
	EXPECT_EQ(RUN_GPA, run.first_mismatch_gpa);
}

/* Which words a RANDOM write run with @seed leaves nonzero, in @set. */
static void random_write_set(struct __test_metadata *_metadata,
			     struct _test_data_vm *self, __u64 seed,
			     __u8 *set, __u64 *accesses)
{
	struct kvmmu_run run;
	unsigned int i, wrong = 0;
	__u64 w;

	memset(self->run, 0, RUN_SIZE);
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, RUN_GPA, RUN_SIZE, 8,
					seed, 1,
					KVMMU_RUN_WRITE | KVMMU_RUN_RANDOM));
	EXPECT_EQ(0, run.error);
	*accesses = run.accesses;
	for (i = 0; i < RUN_WORDS; i++) {
		w = *word(self->run, 8 * i);
		set[i] = !!w;
		wrong += w && w != kvmmu_run_pattern(RUN_GPA + 8 * i, seed);
	}
	EXPECT_EQ(0, wrong) TH_LOG("words that are not the pattern");
}

TEST_F(vm, run_random_is_deterministic)
{
	static __u8 a[RUN_WORDS], b[RUN_WORDS], c[RUN_WORDS];
	__u64 na, nb, nc;
	unsigned int i, hit = 0;
	struct kvmmu_run run;

	add_run_slot(_metadata, self);
	random_write_set(_metadata, self, 42, a, &na);
	random_write_set(_metadata, self, 42, b, &nb);
	random_write_set(_metadata, self, 43, c, &nc);
	EXPECT_EQ(RUN_WORDS, na);
	EXPECT_EQ(na, nb);
	EXPECT_EQ(na, nc);
	EXPECT_EQ(0, memcmp(a, b, sizeof(a))) TH_LOG("same seed, other words");
	for (i = 0; i < RUN_WORDS; i++)
		hit += a[i];
	EXPECT_LT(RUN_WORDS / 4, hit) TH_LOG("%u words written", hit);
	/* Unless every pass covers every word, the seed picks the words. */
	if (hit < RUN_WORDS)
		EXPECT_NE(0, memcmp(a, c, sizeof(a))) TH_LOG("seed ignored");

	/* RANDOM reads verify against the pattern. */
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, RUN_GPA, RUN_SIZE, 8,
					43, 1, KVMMU_RUN_WRITE));
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, RUN_GPA, RUN_SIZE, 8,
					43, 3,
					KVMMU_RUN_READ | KVMMU_RUN_VERIFY | KVMMU_RUN_RANDOM));
	EXPECT_EQ(0, run.error);
	EXPECT_EQ(3 * RUN_WORDS, run.accesses);
	EXPECT_EQ(0, run.mismatches);
}

TEST_F(vm, run_stops_at_a_hole)
{
	struct kvmmu_run run;

	self->run = kvmmu_alloc_anon(RUN_SIZE);
	ASSERT_NE(MAP_FAILED, self->run);
	/* Pages 0-3 and 5-8: page 4 is a hole. */
	ASSERT_EQ(0, kvmmu_set_region(self->vm, RUN_SLOT, 0, RUN_GPA, 4 * PG,
				      self->run));
	ASSERT_EQ(0, kvmmu_set_region(self->vm, RUN_SLOT + 1, 0,
				      RUN_GPA + 5 * PG, 4 * PG,
				      self->run + 5 * PG));
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, RUN_GPA, 9 * PG, 8, 3,
					1, KVMMU_RUN_WRITE));
	EXPECT_EQ(-ENOENT, run.error);
	EXPECT_EQ(RUN_GPA + 4 * PG, run.error_gpa);
	EXPECT_LE(4 * PG / 8, run.accesses);
	EXPECT_GE(4 * PG / 8 + 1, run.accesses);
	/* It stopped there: nothing after the hole was written. */
	EXPECT_EQ(kvmmu_run_pattern(RUN_GPA + 4 * PG - 8, 3),
		  *word(self->run, 4 * PG - 8));
	EXPECT_EQ(0, *word(self->run, 5 * PG));

	/* Starting in the hole. */
	ASSERT_EQ(0, kvmmu_run_workload(self->vcpu, &run, RUN_GPA + 4 * PG + 64,
					64, 8, 3, 1, KVMMU_RUN_READ));
	EXPECT_EQ(-ENOENT, run.error);
	EXPECT_EQ(RUN_GPA + 4 * PG + 64, run.error_gpa);
}

/* ---------------------------------------------------------------------- */
/* KVMMU_GET_VM_STATS                                                     */
/* ---------------------------------------------------------------------- */

/*
 * The x86 shadow paging counters.  Shadow pages exist only on a shadow VM.
 * With paging off (no test here turns it on) there are no guest page
 * faults and no guest page tables to write to, on any type; and no gfn
 * here has anywhere near 1000 sptes, so no rmap chain is recycled.
 */
static void check_shadow_stats(struct __test_metadata *_metadata,
			       const struct kvmmu_vm_stats *st)
{
	EXPECT_EQ(0, st->guest_faults);
	EXPECT_EQ(0, st->pt_writes);
	EXPECT_EQ(0, st->rmap_recycled);
	if (kvmmu_vm_type() != KVMMU_VM_X86_SHADOW) {
		EXPECT_EQ(0, st->shadow_pages);
		EXPECT_EQ(0, st->shadow_zapped);
	}
}

TEST_F(vm, stats_pages_and_updates)
{
	struct kvmmu_vm_stats s0, s1, s2;
	__u64 v = 0;
	int i;

	ASSERT_EQ(0, kvmmu_vm_stats(self->vm, &s0));
	EXPECT_EQ(0, s0.mapped_pages);
	EXPECT_LE(1, s0.memslot_updates);
	EXPECT_EQ(0, s0.released);

	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, kvmmu_read64(self->vcpu, SLOT_GPA + i * PG, &v));
	ASSERT_EQ(0, kvmmu_vm_stats(self->vm, &s1));
	EXPECT_EQ(10, s1.mapped_pages);
	EXPECT_EQ(10, s1.faults - s0.faults);
	/* Page-table pages, whatever the backend calls them. */
	EXPECT_LE(1, s1.table_pages + s1.shadow_pages);
	check_shadow_stats(_metadata, &s1);
	for (i = 0; i < 10; i++)
		ASSERT_EQ(0, kvmmu_read64(self->vcpu, SLOT_GPA + i * PG + 8,
					  &v));
	ASSERT_EQ(0, kvmmu_vm_stats(self->vm, &s2));
	EXPECT_EQ(10, s2.mapped_pages);
	EXPECT_EQ(s1.faults, s2.faults);
	EXPECT_EQ(s0.memslot_updates, s2.memslot_updates);

	ASSERT_EQ(0, kvmmu_set_region(self->vm, PROBE_SLOT, 0, PROBE_GPA, PG,
				      self->other));
	ASSERT_EQ(0, kvmmu_vm_stats(self->vm, &s1));
	EXPECT_LT(s2.memslot_updates, s1.memslot_updates);
	ASSERT_EQ(0, kvmmu_set_region(self->vm, PROBE_SLOT,
				      KVMMU_MEM_LOG_DIRTY_PAGES, PROBE_GPA, PG,
				      self->other));
	ASSERT_EQ(0, kvmmu_vm_stats(self->vm, &s2));
	EXPECT_LT(s1.memslot_updates, s2.memslot_updates);

	ASSERT_EQ(0, kvmmu_set_region(self->vm, 0, 0, SLOT_GPA, 0, NULL));
	ASSERT_EQ(0, kvmmu_vm_stats(self->vm, &s1));
	EXPECT_LT(s2.memslot_updates, s1.memslot_updates);
	EXPECT_EQ(0, s1.mapped_pages);
	EXPECT_LE(10, s1.sptes_zapped - s2.sptes_zapped);
	check_shadow_stats(_metadata, &s1);
}

static int child_stats(int vm, int vcpu, long *out)
{
	struct kvmmu_vm_stats st;

	out[0] = kvmmu_vm_stats(vm, &st);
	memcpy(out + 1, &st, sizeof(st));
	return 0;
}

TEST_F(vm, stats_from_other_process)
{
	struct kvmmu_vm_stats st, *cst;
	long *out = shared_page();
	__u64 v = 0;
	int i;

	ASSERT_NE(NULL, out);
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, kvmmu_read64(self->vcpu, SLOT_GPA + i * PG, &v));
	ASSERT_EQ(0, in_other_process(child_stats, self->vm, self->vcpu,
				      out));
	ASSERT_EQ(0, out[0]);
	cst = (void *)(out + 1);
	ASSERT_EQ(0, kvmmu_vm_stats(self->vm, &st));
	EXPECT_EQ(st.memslot_updates, cst->memslot_updates);
	EXPECT_LE(5, cst->faults);
	EXPECT_EQ(st.faults, cst->faults);
	EXPECT_EQ(st.mapped_pages, cst->mapped_pages);
	EXPECT_EQ(st.released, cst->released);
}

TEST_HARNESS_MAIN
