// SPDX-License-Identifier: GPL-2.0
/*
 * shadow_test (#included by shadow_test.c): the guest page-table builder
 * (tables and data pages from pools in guest RAM, entries written through
 * the VMM's mapping) and the helpers that switch a vCPU's paging and
 * check what a guest-virtual address translates to.
 */

/* What the VMM puts in the qword at @gpa of a page filled with @tag. */
static __u64 val(unsigned int tag, __u64 gpa)
{
	return 0x5aULL << 56 | (__u64)tag << 32 | gpa;
}

/* ------------------------------------------------------------------ */
/* The guest page-table builder */

static __u64 *gmem(struct guest *g, __u64 gpa)
{
	return (__u64 *)(g->ram + gpa);
}

/* A zeroed page from the table pool. */
static __u64 table_page(struct __test_metadata *_metadata, struct guest *g)
{
	__u64 gpa = g->next_table;

	ASSERT_GT(TABLE_END, gpa) TH_LOG("out of page-table pages");
	g->next_table += PG;
	memset(g->ram + gpa, 0, PG);
	return gpa;
}

/* A data page, filled with @tag. */
static void fill(struct guest *g, __u64 gpa, unsigned int tag)
{
	unsigned long i;

	for (i = 0; i < QWORDS; i++)
		kvmmu_poke(gmem(g, gpa) + i, val(tag, gpa + i * 8));
}

static __u64 data_page(struct __test_metadata *_metadata, struct guest *g,
		       unsigned int tag)
{
	__u64 gpa = g->next_data;

	ASSERT_GT(DATA_END, gpa) TH_LOG("out of data pages");
	g->next_data += PG;
	fill(g, gpa, tag);
	return gpa;
}

static unsigned int pt_index(__u64 gva, int level)
{
	return gva >> (12 + 9 * (level - 1)) & 511;
}

/*
 * The entry for @gva at @level (4: PML4E, 3: PDPTE, 2: PDE, 1: PTE) of the
 * tables under @root; missing tables are created on the way, linked as
 * present, user, read-write (the leaf decides).
 */
static __u64 *entry(struct __test_metadata *_metadata, struct guest *g,
		    __u64 root, __u64 gva, int level)
{
	__u64 table = root, *e;
	int l;

	for (l = 4; ; l--) {
		e = gmem(g, table) + pt_index(gva, l);
		if (l == level)
			return e;
		if (!(*e & PTE_P))
			*e = table_page(_metadata, g) | URW;
		ASSERT_FALSE(*e & PTE_PS)
			TH_LOG("a large page above gva %#llx", gva);
		table = *e & PTE_ADDR;
	}
}

/* The guest-physical address of an entry, and where the guest finds it. */
static __u64 ent_gpa(struct guest *g, const __u64 *e)
{
	return (const char *)e - g->ram;
}

static __u64 ent_gva(struct guest *g, const __u64 *e)
{
	return DMAP_GVA + ent_gpa(g, e);
}

/* Map 4 KiB at @gva; @flags has PTE_P unless a test wants it absent. */
static __u64 *map(struct __test_metadata *_metadata, struct guest *g,
		  __u64 root, __u64 gva, __u64 gpa, __u64 flags)
{
	__u64 *e = entry(_metadata, g, root, gva, 1);

	*e = gpa | flags;
	return e;
}

/* A 2 MiB (@level 2) or 1 GiB (@level 3) page. */
static __u64 *map_large(struct __test_metadata *_metadata, struct guest *g,
			__u64 root, __u64 gva, __u64 gpa, int level,
			__u64 flags)
{
	__u64 *e = entry(_metadata, g, root, gva, level);

	*e = gpa | flags | PTE_PS;
	return e;
}

/* A PML4 mapping all RAM at DMAP_GVA: supervisor, read-write, 4 KiB. */
static __u64 new_root(struct __test_metadata *_metadata, struct guest *g)
{
	__u64 root = table_page(_metadata, g), gpa;

	for (gpa = 0; gpa < RAM_SIZE; gpa += PG)
		map(_metadata, g, root, DMAP_GVA + gpa, gpa, PTE_P | PTE_RW);
	return root;
}

/* A second PML4 sharing @root's direct map. */
static __u64 new_root_shared(struct __test_metadata *_metadata,
			     struct guest *g, __u64 root)
{
	__u64 r = table_page(_metadata, g);

	gmem(g, r)[pt_index(DMAP_GVA, 4)] = gmem(g, root)[pt_index(DMAP_GVA, 4)];
	return r;
}

/* ------------------------------------------------------------------ */
/* vCPU state and accesses */

static int set_paging(int vcpu, __u64 cr0, __u64 cr3, __u64 cr4, __u64 efer)
{
	struct kvmmu_paging p = {
		.cr0 = cr0, .cr3 = cr3, .cr4 = cr4, .efer = efer,
	};

	return kvmmu_ioctl(vcpu, KVMMU_SET_PAGING, &p);
}

static int paging_on(int vcpu, __u64 root, bool nxe)
{
	return set_paging(vcpu, CR0_ON, root, KVMMU_X86_CR4_PAE,
			  KVMMU_X86_EFER_LME | (nxe ? KVMMU_X86_EFER_NXE : 0));
}

static int paging_off(int vcpu)
{
	return set_paging(vcpu, 0, 0, 0, 0);
}

static int get_paging(int vcpu, struct kvmmu_paging *p)
{
	memset(p, 0xa5, sizeof(*p));	/* the kernel must overwrite it all */
	return kvmmu_ioctl(vcpu, KVMMU_GET_PAGING, p);
}

/* An 8-byte access that must end in a guest #PF with error code @err. */
static bool pf_is(struct __test_metadata *_metadata, int vcpu, int type,
		  __u64 addr, __u64 err)
{
	return kvmmu_fault_is(_metadata, vcpu, type, addr, PF, err,
			      "#PF error code");
}

/*
 * The guest page at @gva holds the page at @gpa filled with @tag (sampled
 * at both ends, the middle and a qword depending on the page).
 */
static bool page_is(struct __test_metadata *_metadata, int vcpu, __u64 gva,
		    __u64 gpa, unsigned int tag)
{
	unsigned long off[4] = { 0, PG / 2, PG - 8, (gpa / PG * 37 % 510 + 1) * 8 };
	struct kvmmu_access a[4];
	unsigned int i, bad = 0;
	int r;

	memset(a, 0, sizeof(a));
	for (i = 0; i < 4; i++) {
		a[i].gpa = gva + off[i];
		a[i].type = RD;
		a[i].size = 8;
		a[i].result = 1;
	}
	r = kvmmu_access_batch(vcpu, a, 4);
	if (r) {
		TH_LOG("GUEST_ACCESS at %#llx: %s", (unsigned long long)gva,
		       strerror(-r));
		return false;
	}
	for (i = 0; i < 4; i++) {
		if (!a[i].result && a[i].data == val(tag, gpa + off[i]))
			continue;
		if (!bad++)
			TH_LOG("gva %#llx +%#lx: %d %#llx, expected %#llx (gpa %#llx tag %u)",
			       (unsigned long long)gva, off[i], a[i].result,
			       (unsigned long long)a[i].data,
			       (unsigned long long)val(tag, gpa + off[i]),
			       (unsigned long long)gpa, tag);
	}
	return !bad;
}

/* A guest (supervisor) write of an entry of its own page tables. */
static int guest_set(int vcpu, struct guest *g, const __u64 *e, __u64 v)
{
	return kvmmu_access_one(vcpu, WR, ent_gva(g, e), 8, v).result;
}

/* The host frame behind guest-physical @gpa (0 if none). */
static __u64 hpfn(struct guest *g, __u64 gpa)
{
	return kvmmu_pfn_of(g->ram + gpa);
}

/*
 * @gva has a present 4 KiB write-back shadow mapping of host frame @pfn,
 * with at least @flags.
 */
static bool maps_pfn(struct __test_metadata *_metadata, int vcpu, __u64 gva,
		     __u64 pfn, unsigned int flags)
{
	struct kvmmu_translation t;
	int r = kvmmu_translate(vcpu, gva, &t);

	flags |= KVMMU_TR_PRESENT;
	if (!r && (t.flags & flags) == flags && t.level == 1 &&
	    t.memtype == EPT_MT_WB && t.pfn == pfn && pfn)
		return true;
	TH_LOG("translate %#llx: %d, flags %#x level %u memtype %u pfn %#llx",
	       (unsigned long long)gva, r, t.flags, t.level, t.memtype,
	       (unsigned long long)t.pfn);
	TH_LOG("... expected flags %#x level 1 memtype %d pfn %#llx", flags,
	       EPT_MT_WB, (unsigned long long)pfn);
	return false;
}

/* The shadow mapping of @gva right now, without faulting anything in. */
static struct kvmmu_translation xlate(struct __test_metadata *_metadata,
				      int vcpu, __u64 gva)
{
	struct kvmmu_translation t;

	EXPECT_EQ(0, kvmmu_translate(vcpu, gva, &t));
	return t;
}

/*
 * MADV_PAGEOUT the guest pages at @gpas until all are swapped out, or give
 * up; returns how many are.  Pages the guest used are young until a first
 * pass has aged them.
 */
static unsigned int page_out(struct guest *g, const __u64 *gpas,
			     unsigned int n)
{
	unsigned int i, out = 0;
	int pass;

	for (pass = 0; pass < 10 && out < n; pass++) {
		kvmmu_lru_drain_all(g->ram + gpas[0]);
		for (i = 0; i < n; i++)
			madvise(g->ram + gpas[i], PG, MADV_PAGEOUT);
		for (out = 0, i = 0; i < n; i++)
			out += !!(kvmmu_pagemap_raw(g->ram + gpas[i]) & KVMMU_PM_SWAP);
	}
	return out;
}
