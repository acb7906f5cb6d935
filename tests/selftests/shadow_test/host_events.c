// SPDX-License-Identifier: GPL-2.0
/*
 * shadow_test (#included by shadow_test.c): host mm events under the
 * shadow MMU: one gfn behind hundreds of gvas under MADV_DONTNEED, KSM,
 * migration and swap, rmap chain recycling, and the guest's page-table
 * pages themselves swapped out, migrated, dropped, merged and copied on
 * fork.
 */

/* ------------------------------------------------------------------ */
/* 8. One gfn, many gvas */

struct many {
	unsigned int n;
	__u64 gpa;
	__u64 model[QWORDS];	/* what the page must hold */
};

/* gvas MANY_GVA + i pages, i < @n, all mapping @m->gpa. */
static void many_map(struct __test_metadata *_metadata, struct guest *g,
		     __u64 root, struct many *m, unsigned int n, __u64 gpa)
{
	unsigned int i;

	m->n = n;
	m->gpa = gpa;
	fill(g, gpa, 1);
	for (i = 0; i < QWORDS; i++)
		m->model[i] = val(1, gpa + i * 8);
	for (i = 0; i < n; i++)
		map(_metadata, g, root, MANY_GVA + (__u64)i * PG, gpa, URW);
}

/*
 * Every gva reads (at a qword of its own) what the model says, and what the
 * process reads; returns the number that did not.
 */
static unsigned int many_check(struct __test_metadata *_metadata, int vcpu,
			       struct guest *g, struct many *m)
{
	struct kvmmu_access *a = calloc(m->n, sizeof(*a));
	unsigned int i, q, bad = 0;
	__u64 proc;

	ASSERT_NE(NULL, a);
	for (i = 0; i < m->n; i++) {
		a[i].gpa = MANY_GVA + (__u64)i * PG + i % QWORDS * 8;
		a[i].type = RD;
		a[i].size = 8;
		a[i].result = 1;
	}
	ASSERT_EQ(0, kvmmu_access_batch(vcpu, a, m->n));
	for (i = 0; i < m->n; i++) {
		q = i % QWORDS;
		proc = kvmmu_peek(gmem(g, m->gpa) + q);
		if (!a[i].result && a[i].data == proc &&
		    proc == m->model[q])
			continue;
		if (bad++ < 4)
			TH_LOG("gva %u +%#x: result %d data %#llx, process %#llx, expected %#llx",
			       i, q * 8, a[i].result,
			       (unsigned long long)a[i].data,
			       (unsigned long long)proc,
			       (unsigned long long)m->model[q]);
	}
	free(a);
	return bad;
}

/* gvas whose shadow entry is present (and, if @pfn, maps another frame). */
static unsigned int many_present(struct __test_metadata *_metadata,
				 int vcpu, struct many *m, __u64 pfn)
{
	struct kvmmu_translation t;
	unsigned int i, n = 0;

	for (i = 0; i < m->n; i++) {
		t = xlate(_metadata, vcpu, MANY_GVA + (__u64)i * PG);
		if (!(t.flags & KVMMU_TR_PRESENT) || (pfn && t.pfn == pfn))
			continue;
		if (n++ < 2)
			TH_LOG("gva %u: shadow pfn %#llx flags %#x", i,
			       (unsigned long long)t.pfn, t.flags);
	}
	return n;
}

/* gvas not mapped present, 4 KiB, write-back onto @pfn with @flags. */
static unsigned int many_pfn_bad(struct __test_metadata *_metadata,
				 int vcpu, struct many *m, __u64 pfn,
				 unsigned int flags)
{
	struct kvmmu_translation t;
	unsigned int i, bad = 0;

	flags |= KVMMU_TR_PRESENT;
	for (i = 0; i < m->n; i++) {
		t = xlate(_metadata, vcpu, MANY_GVA + (__u64)i * PG);
		if ((t.flags & flags) == flags && t.level == 1 &&
		    t.memtype == EPT_MT_WB && t.pfn == pfn && pfn)
			continue;
		if (bad++ < 2)
			TH_LOG("gva %u: %#x level %u mt %u pfn %#llx, expected %#x %#llx",
			       i, t.flags, t.level, t.memtype,
			       (unsigned long long)t.pfn, flags,
			       (unsigned long long)pfn);
	}
	return bad;
}

/* The guest writes @v at qword @q through gva @i; the model follows. */
static void many_write(struct __test_metadata *_metadata, int vcpu,
		       struct many *m, unsigned int i, unsigned int q, __u64 v)
{
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, MANY_GVA + (__u64)i * PG + q * 8, v));
	m->model[q] = v;
}

/*
 * 600 gvas on one gfn: all read the same page; MADV_DONTNEED of that one
 * page removes every shadow entry at once (through the rmap), all read
 * zero, and a guest write through one gva is read through all.
 */
TEST_F(sp, many_gvas_dontneed)
{
	struct guest *g = &self->g;
	__u64 gpa = data_page(_metadata, g, 0);
	struct many m;
	int vcpu = self->vcpu;

	many_map(_metadata, g, self->root, &m, 600, gpa);
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, hpfn(g, gpa),
				  KVMMU_TR_READABLE));

	ASSERT_EQ(0, madvise(g->ram + gpa, PG, MADV_DONTNEED));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, 0))
		TH_LOG("shadow entries survived MADV_DONTNEED");
	memset(m.model, 0, sizeof(m.model));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));

	many_write(_metadata, vcpu, &m, 17, 3, 0x17);
	EXPECT_EQ(0x17, kvmmu_peek(gmem(g, gpa) + 3));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, hpfn(g, gpa),
				  KVMMU_TR_READABLE));
	kvmmu_poke(gmem(g, gpa) + 4, 0x44);
	m.model[4] = 0x44;
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
}

/*
 * KSM merges the page with an identical twin: no gva keeps the old frame,
 * all map the merged one read-only; a guest write through one gva breaks
 * COW for this page only and every gva follows.
 */
TEST_F_TIMEOUT(sp, many_gvas_ksm, 90)
{
	struct guest *g = &self->g;
	__u64 gpa = data_page(_metadata, g, 0), twin = data_page(_metadata, g, 0);
	__u64 old, merged = 0, now;
	unsigned int ms;
	char shared[32] = "?";
	int vcpu = self->vcpu, i;
	struct many m;

	if (access(KVMMU_KSM_DIR "run", W_OK))
		SKIP(return, "no KSM in this kernel");
	many_map(_metadata, g, self->root, &m, 600, gpa);
	memcpy(g->ram + twin, g->ram + gpa, PG);
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	old = hpfn(g, gpa);

	ASSERT_EQ(0, madvise(g->ram + gpa, PG, MADV_MERGEABLE));
	ASSERT_EQ(0, madvise(g->ram + twin, PG, MADV_MERGEABLE));
	ASSERT_EQ(0, kvmmu_ksm_start(&self->hs, 1000, 5));
	merged = kvmmu_ksm_wait_merged(g->ram + gpa, g->ram + twin, 30000,
				       shared, sizeof(shared), &ms);
	ASSERT_NE(0, merged) TH_LOG("not merged after 30 s (pages_sharing %s)",
				    shared);
	TH_LOG("merged %#llx -> %#llx after %d ms", (unsigned long long)old,
	       (unsigned long long)merged, ms);

	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, merged))
		TH_LOG("shadow entries kept a frame other than the merged one");
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, merged,
				  KVMMU_TR_READABLE));
	for (i = 0; i < 600; i += 37)
		EXPECT_FALSE(xlate(_metadata, vcpu, MANY_GVA + i * PG).flags &
			     KVMMU_TR_WRITABLE) TH_LOG("gva %d writable on a KSM page", i);

	many_write(_metadata, vcpu, &m, 5, 8, 0x5555);
	now = hpfn(g, gpa);
	EXPECT_NE(merged, now);
	EXPECT_EQ(merged, hpfn(g, twin));
	EXPECT_EQ(val(1, gpa + 64), kvmmu_peek(gmem(g, twin) + 8));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, now))
		TH_LOG("shadow entries kept the merged frame after COW");
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, now, KVMMU_TR_READABLE));
}

/* move_pages() of the page to the other node: every gva follows. */
TEST_F(sp, many_gvas_migrate)
{
	struct guest *g = &self->g;
	__u64 gpa = data_page(_metadata, g, 0), old, now;
	void *pages[1] = { g->ram + gpa };
	int vcpu = self->vcpu, node = -1, status = -1;
	struct many m;

	if (access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "one NUMA node");
	many_map(_metadata, g, self->root, &m, 600, gpa);
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	old = hpfn(g, gpa);
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, old, KVMMU_TR_READABLE));

	ASSERT_EQ(0, kvmmu_move_pages(1, pages, NULL, &node, 0));
	ASSERT_LE(0, node);
	node = !node;
	ASSERT_EQ(0, kvmmu_move_pages(1, pages, &node, &status, MPOL_MF_MOVE));
	ASSERT_EQ(node, status);
	now = hpfn(g, gpa);
	ASSERT_NE(old, now);
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, now))
		TH_LOG("shadow entries survived the migration");
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, now, KVMMU_TR_READABLE));
	many_write(_metadata, vcpu, &m, 599, 9, 0x599);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
}

/* MADV_PAGEOUT to zram and back, by the guest and by the process. */
TEST_F_TIMEOUT(sp, many_gvas_swap, 60)
{
	struct guest *g = &self->g;
	__u64 gpa = data_page(_metadata, g, 0);
	int vcpu = self->vcpu, err;
	struct many m;

	err = kvmmu_swap_on(_metadata, &self->hs);
	if (err == -ENODEV)
		SKIP(return, "no zram in this kernel or the initramfs");
	many_map(_metadata, g, self->root, &m, 600, gpa);
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	many_write(_metadata, vcpu, &m, 100, 10, 0x100);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));

	ASSERT_EQ(1, page_out(g, &gpa, 1));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, 0))
		TH_LOG("shadow entries survived the swap-out");
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, hpfn(g, gpa),
				  KVMMU_TR_READABLE));

	many_write(_metadata, vcpu, &m, 200, 11, 0x200);
	ASSERT_EQ(1, page_out(g, &gpa, 1));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, 0));
	EXPECT_EQ(0x200, kvmmu_peek(gmem(g, gpa) + 11));	/* the process, first */
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	EXPECT_EQ(0, many_pfn_bad(_metadata, vcpu, &m, hpfn(g, gpa),
				  KVMMU_TR_READABLE));
}

/*
 * 1100 gvas on one gfn: the rmap chain outgrows the recycling threshold
 * and is zapped rather than grown; every gva still reads right, and a host
 * invalidation still reaches every shadow entry.
 */
TEST_F(sp, rmap_recycle)
{
	struct guest *g = &self->g;
	__u64 gpa = data_page(_metadata, g, 0);
	struct kvmmu_vm_stats st0, st1;
	int vcpu = self->vcpu;
	struct many m;

	many_map(_metadata, g, self->root, &m, 1100, gpa);
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	st0 = kvmmu_stats(_metadata, self->vm);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_LT(st0.rmap_recycled, st1.rmap_recycled);
	TH_LOG("rmap_recycled %llu -> %llu, shadow_zapped %llu -> %llu",
	       (unsigned long long)st0.rmap_recycled,
	       (unsigned long long)st1.rmap_recycled,
	       (unsigned long long)st0.shadow_zapped,
	       (unsigned long long)st1.shadow_zapped);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	many_write(_metadata, vcpu, &m, 1050, 12, 0x1050);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));

	ASSERT_EQ(0, madvise(g->ram + gpa, PG, MADV_DONTNEED));
	EXPECT_EQ(0, many_present(_metadata, vcpu, &m, 0));
	memset(m.model, 0, sizeof(m.model));
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
	many_write(_metadata, vcpu, &m, 3, 13, 0x3);
	EXPECT_EQ(0, many_check(_metadata, vcpu, g, &m));
}

/*
 * Host events over a range of guest memory at once, reached through 4 KiB
 * guest pages (permuted) and a 2 MiB guest page: MADV_DONTNEED of the
 * range takes every shadow entry of it away, mprotect(PROT_READ) makes
 * guest writes fail with -EACCES (reads work), and read-write again lets
 * them through.
 */
TEST_F(sp, host_range_events)
{
	const unsigned int n = 64;
	const __u64 x = REGION(0), h = REGION(1);
	struct guest *g = &self->g;
	__u64 d[64], want;
	struct kvmmu_translation t;
	unsigned int i, bad = 0, present = 0;
	int vcpu = self->vcpu;
	struct kvmmu_access a;

	for (i = 0; i < n; i++)
		d[i] = data_page(_metadata, g, 1);
	ASSERT_EQ(d[0] + (n - 1) * PG, d[n - 1]);
	for (i = 0; i < n; i++) {
		map(_metadata, g, self->root, x + i * PG, d[i * 7 % n], URW);
		fill(g, HUGE_GPA + i * PG, 2);
	}
	map_large(_metadata, g, self->root, h, HUGE_GPA, 2, URW);
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + i * PG + 8, i));
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, h + i * PG + 8, i));
	}

	ASSERT_EQ(0, madvise(g->ram + d[0], n * PG, MADV_DONTNEED));
	ASSERT_EQ(0, madvise(g->ram + HUGE_GPA, n * PG, MADV_DONTNEED));
	for (i = 0; i < n; i++) {
		present += !!(xlate(_metadata, vcpu, x + i * PG).flags &
			      KVMMU_TR_PRESENT);
		present += !!(xlate(_metadata, vcpu, h + i * PG).flags &
			      KVMMU_TR_PRESENT);
	}
	EXPECT_EQ(0, present) TH_LOG("shadow entries survived MADV_DONTNEED");
	for (i = 0; i < n; i++) {
		bad += !kvmmu_rd_is(_metadata, vcpu, x + i * PG + 8, 0);
		bad += !kvmmu_rd_is(_metadata, vcpu, h + i * PG + 8, 0);
		bad += !kvmmu_rd_is(_metadata, vcpu, h + i * PG + PG - 8, 0);
	}
	EXPECT_EQ(0, bad);

	for (i = 0; i < n; i++) {
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + i * PG + 16, 0x100 + i));
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, h + i * PG + 16, 0x200 + i));
	}
	ASSERT_EQ(0, mprotect(g->ram + d[0], n * PG, PROT_READ));
	ASSERT_EQ(0, mprotect(g->ram + HUGE_GPA, n * PG, PROT_READ));
	for (bad = 0, i = 0; i < n; i++) {
		t = xlate(_metadata, vcpu, x + i * PG);
		bad += !!(t.flags & KVMMU_TR_WRITABLE);
		t = xlate(_metadata, vcpu, h + i * PG);
		bad += !!(t.flags & KVMMU_TR_WRITABLE);
	}
	EXPECT_EQ(0, bad) TH_LOG("writable shadow entries after PROT_READ");
	for (bad = 0, i = 0; i < n; i++) {
		a = kvmmu_access_one(vcpu, WR, x + i * PG + 16, 8, 0xbad);
		bad += a.result != -EACCES;
		a = kvmmu_access_one(vcpu, WR, h + i * PG + 16, 8, 0xbad);
		bad += a.result != -EACCES;
		bad += !kvmmu_rd_is(_metadata, vcpu, x + i * PG + 16, 0x100 + i);
		bad += !kvmmu_rd_is(_metadata, vcpu, h + i * PG + 16, 0x200 + i);
	}
	EXPECT_EQ(0, bad) TH_LOG("guest writes to PROT_READ memory, or reads");
	ASSERT_EQ(0, mprotect(g->ram + d[0], n * PG, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, mprotect(g->ram + HUGE_GPA, n * PG,
			      PROT_READ | PROT_WRITE));
	for (i = 0; i < n; i++) {
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + i * PG + 24, 0x300 + i));
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, h + i * PG + 24, 0x400 + i));
	}
	for (bad = 0, i = 0; i < n; i++) {
		want = i * 7 % n;	/* the page x + i maps is d[want] */
		bad += kvmmu_peek(gmem(g, d[want]) + 3) != 0x300 + i;
		bad += kvmmu_peek(gmem(g, d[want]) + 2) != 0x100 + i;
		bad += kvmmu_peek(gmem(g, HUGE_GPA + i * PG) + 3) != 0x400 + i;
	}
	EXPECT_EQ(0, bad);
}

/* ------------------------------------------------------------------ */
/* 9. Guest page-table pages under host events */

enum pt_event { PT_SWAP, PT_MIGRATE };

/* Swap out or migrate the host pages of the guest tables @t. */
static void pt_event(struct __test_metadata *_metadata, struct guest *g,
		     enum pt_event ev, const __u64 *t, unsigned int n)
{
	void *pages[4];
	int nodes[4], status[4];
	__u64 old[4];
	unsigned int i;

	if (ev == PT_SWAP) {
		ASSERT_EQ(n, page_out(g, t, n)) TH_LOG("page tables not swapped out");
		return;
	}
	for (i = 0; i < n; i++) {
		pages[i] = g->ram + t[i];
		old[i] = hpfn(g, t[i]);
	}
	ASSERT_EQ(0, kvmmu_move_pages(n, pages, NULL, status, 0));
	for (i = 0; i < n; i++)
		nodes[i] = !status[i];
	ASSERT_EQ(0, kvmmu_move_pages(n, pages, nodes, status, MPOL_MF_MOVE));
	for (i = 0; i < n; i++) {
		EXPECT_EQ(nodes[i], status[i]);
		EXPECT_NE(old[i], hpfn(g, t[i]));
	}
}

/*
 * The host pages holding a guest PT and PD go away (swap or migration) and
 * come back: accesses through them keep working, guest edits made after
 * (also while they are out) are still trapped and honoured, and the
 * walker's A bits land in the process's memory.
 */
static void pt_host_event(struct __test_metadata *_metadata,
			  struct _test_data_sp *self, enum pt_event ev)
{
	struct guest *g = &self->g;
	const __u64 x = REGION(0) + 3 * PG, x2 = x + PG;
	__u64 root = self->root, p[4], t[2], t2, *ex, *ex2, *pde;
	struct kvmmu_vm_stats st, st1, st2;
	int vcpu = self->vcpu;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = data_page(_metadata, g, i + 1);
	ex = map(_metadata, g, root, x, p[0], URW);
	ex2 = map(_metadata, g, root, x2, p[1], URW);
	pde = entry(_metadata, g, root, x, 2);
	t[0] = *pde & PTE_ADDR;				/* the PT */
	t[1] = *entry(_metadata, g, root, x, 3) & PTE_ADDR;	/* the PD */
	t2 = table_page(_metadata, g);
	gmem(g, t2)[pt_index(x, 1)] = p[3] | URW;
	ASSERT_EQ(0, paging_on(vcpu, root, true));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[0], 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, x2, p[1], 2));

	pt_event(_metadata, g, ev, t, 2);
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[0], 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, x2, p[1], 2));
	st = kvmmu_stats(_metadata, self->vm);
	ASSERT_EQ(0, guest_set(vcpu, g, ex, p[2] | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[2], 3));
	EXPECT_TRUE(one_pt_write(_metadata, self->vm, &st, "PTE edit after the event"));

	/*
	 * Out again; the guest edits while they are out.  The edit is trapped
	 * unless the event took the tables' shadow pages away (then there is
	 * nothing to keep in sync); either way it is honoured.
	 */
	pt_event(_metadata, g, ev, t, 2);
	st1 = kvmmu_stats(_metadata, self->vm);
	ASSERT_EQ(0, guest_set(vcpu, g, ex2, p[0] | PTE_P | PTE_US));
	EXPECT_TRUE(page_is(_metadata, vcpu, x2, p[0], 1));
	EXPECT_TRUE(pf_is(_metadata, vcpu, WR, x2, PF_P | PF_W));
	st2 = kvmmu_stats(_metadata, self->vm);
	EXPECT_TRUE(st2.pt_writes == st1.pt_writes + 1 ||
		    st1.shadow_zapped > st.shadow_zapped)
		TH_LOG("edit while out: pt_writes %llu -> %llu, shadow_zapped %llu -> %llu",
		       (unsigned long long)st1.pt_writes,
		       (unsigned long long)st2.pt_writes,
		       (unsigned long long)st.shadow_zapped,
		       (unsigned long long)st1.shadow_zapped);
	st = st2;

	/* Reset and out: the walk reads them back and sets A in them. */
	*ex &= ~PTE_A;
	*pde &= ~PTE_A;
	ASSERT_EQ(0, kvmmu_ioctl(vcpu, KVMMU_MMU_RESET, NULL));
	pt_event(_metadata, g, ev, t, 2);
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[2], 3));
	EXPECT_EQ(p[2] | URW | PTE_A, *ex);
	EXPECT_TRUE(*pde & PTE_A);

	/* The PDE edited after the event: another table, and back. */
	pt_event(_metadata, g, ev, t, 2);
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[2], 3));
	ASSERT_EQ(0, guest_set(vcpu, g, pde, t2 | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[3], 4));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, x2, 0));
	ASSERT_EQ(0, guest_set(vcpu, g, pde, t[0] | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[2], 3));
	EXPECT_TRUE(page_is(_metadata, vcpu, x2, p[0], 1));
	EXPECT_TRUE(pf_is(_metadata, vcpu, WR, x2, PF_P | PF_W));
	/* No faulting write reached a data page. */
	for (i = 0; i < ARRAY_SIZE(p); i++)
		EXPECT_EQ(0, untouched(g, &p[i], 1, i + 1));
}

TEST_F_TIMEOUT(sp, pt_swap, 60)
{
	int err = kvmmu_swap_on(_metadata, &self->hs);

	if (err == -ENODEV)
		SKIP(return, "no zram in this kernel or the initramfs");
	pt_host_event(_metadata, self, PT_SWAP);
}

TEST_F(sp, pt_migrate)
{
	if (access("/sys/devices/system/node/node1", F_OK))
		SKIP(return, "one NUMA node");
	pt_host_event(_metadata, self, PT_MIGRATE);
}

/*
 * MADV_DONTNEED of a guest page-table page (and then of a PD page): the
 * process reads zeroes there, so the guest finds nothing mapped through
 * it; what the guest writes into the zeroed tables is what it gets.
 */
TEST_F(sp, pt_dontneed)
{
	const __u64 x = REGION(0) + 3 * PG, x2 = x + PG, y = x + SZ_2M;
	struct guest *g = &self->g;
	__u64 p[3], *ex, *pde, t, d;
	int vcpu = self->vcpu;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = data_page(_metadata, g, i + 1);
	ex = map(_metadata, g, self->root, x, p[0], URW);
	map(_metadata, g, self->root, x2, p[1], URW);
	map(_metadata, g, self->root, y, p[2], URW);
	pde = entry(_metadata, g, self->root, x, 2);
	t = *pde & PTE_ADDR;
	d = *entry(_metadata, g, self->root, x, 3) & PTE_ADDR;
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[0], 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, x2, p[1], 2));
	EXPECT_TRUE(page_is(_metadata, vcpu, y, p[2], 3));

	ASSERT_EQ(0, madvise(g->ram + t, PG, MADV_DONTNEED));
	EXPECT_EQ(0, *ex);
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, x, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, WR, x2, PF_W));
	EXPECT_TRUE(page_is(_metadata, vcpu, y, p[2], 3));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ent_gva(g, ex), 0));
	ASSERT_EQ(0, guest_set(vcpu, g, ex, p[1] | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[1], 2));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, x2, 0));

	ASSERT_EQ(0, madvise(g->ram + d, PG, MADV_DONTNEED));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, x, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, y, 0));
	ASSERT_EQ(0, guest_set(vcpu, g, pde, t | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[1], 2));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, y, 0));
}

/*
 * Two identical guest page tables merged by KSM: accesses through both
 * still work; the walker setting an accessed bit in one, and a guest edit
 * of the other, each break COW for that table only, and each change is
 * seen only through its own table.
 */
TEST_F_TIMEOUT(sp, pt_ksm, 90)
{
	const __u64 x = REGION(0), y = REGION(0) + SZ_2M;
	struct guest *g = &self->g;
	__u64 p[10], t1, t2, merged = 0, now;
	int vcpu = self->vcpu, i;
	unsigned int k;

	if (access(KVMMU_KSM_DIR "run", W_OK))
		SKIP(return, "no KSM in this kernel");
	for (k = 0; k < ARRAY_SIZE(p); k++)
		p[k] = data_page(_metadata, g, k + 1);
	for (k = 0; k < ARRAY_SIZE(p); k++) {
		/* A and D preset on all but 9: walks write nothing. */
		__u64 ad = k == 9 ? 0 : PTE_A | PTE_D;

		map(_metadata, g, self->root, x + k * PG, p[k], URW | ad);
		map(_metadata, g, self->root, y + k * PG, p[k], URW | ad);
	}
	t1 = *entry(_metadata, g, self->root, x, 2) & PTE_ADDR;
	t2 = *entry(_metadata, g, self->root, y, 2) & PTE_ADDR;
	ASSERT_EQ(0, memcmp(g->ram + t1, g->ram + t2, PG));
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	for (k = 0; k < 8; k++) {
		EXPECT_TRUE(page_is(_metadata, vcpu, x + k * PG, p[k], k + 1));
		EXPECT_TRUE(page_is(_metadata, vcpu, y + k * PG, p[k], k + 1));
	}
	ASSERT_EQ(0, memcmp(g->ram + t1, g->ram + t2, PG));

	ASSERT_EQ(0, madvise(g->ram + t1, PG, MADV_MERGEABLE));
	ASSERT_EQ(0, madvise(g->ram + t2, PG, MADV_MERGEABLE));
	ASSERT_EQ(0, kvmmu_ksm_start(&self->hs, 1000, 5));
	for (i = 0; i < 3000 && !merged; i++) {
		now = hpfn(g, t1);
		if (now && now == hpfn(g, t2))
			merged = now;
		else
			kvmmu_sleep_ms(10);
	}
	kvmmu_write_file(KVMMU_KSM_DIR "run", "0");
	ASSERT_NE(0, merged) TH_LOG("page tables not merged after 30 s");

	for (k = 0; k < 8; k++) {
		EXPECT_TRUE(page_is(_metadata, vcpu, x + k * PG, p[k], k + 1));
		EXPECT_TRUE(page_is(_metadata, vcpu, y + k * PG, p[k], k + 1));
	}
	EXPECT_EQ(merged, hpfn(g, t1));

	/* The walk sets A in the second table's entry 9: COW for it only. */
	EXPECT_TRUE(page_is(_metadata, vcpu, y + 9 * PG, p[9], 10));
	EXPECT_EQ(p[9] | URW | PTE_A, gmem(g, t2)[9]);
	EXPECT_EQ(p[9] | URW, gmem(g, t1)[9]);
	EXPECT_NE(merged, hpfn(g, t2));
	EXPECT_EQ(merged, hpfn(g, t1));

	/* A guest edit of the first table: COW for it, seen through it only. */
	ASSERT_EQ(0, guest_set(vcpu, g, gmem(g, t1) + 3,
			       p[8] | URW | PTE_A | PTE_D));
	EXPECT_NE(merged, hpfn(g, t1));
	EXPECT_TRUE(page_is(_metadata, vcpu, x + 3 * PG, p[8], 9));
	EXPECT_TRUE(page_is(_metadata, vcpu, y + 3 * PG, p[3], 4));
	EXPECT_EQ(p[3] | URW | PTE_A | PTE_D, gmem(g, t2)[3]);
	EXPECT_TRUE(page_is(_metadata, vcpu, x + 9 * PG, p[9], 10));
}

/*
 * fork(): the process's guest memory, page tables included, becomes
 * copy-on-write.  The parent's guest edits its tables, the walker sets
 * accessed and dirty bits, and the guest writes data (also through a
 * shadow entry that was writable before the fork): all of it goes to the
 * parent's copies, never the child's.
 */
TEST_F(sp, pt_fork)
{
	const __u64 x = REGION(0) + 3 * PG, z = x + PG, w = REGION(1);
	struct guest *g = &self->g;
	__u64 p1, p2, p3, p4, *ex, *ez, ex_val, ez_val;
	int vcpu = self->vcpu, p2c[2], status;
	pid_t pid;
	char c;

	p1 = data_page(_metadata, g, 1);
	p2 = data_page(_metadata, g, 2);
	p3 = data_page(_metadata, g, 3);
	p4 = data_page(_metadata, g, 4);
	ex = map(_metadata, g, self->root, x, p1, URW);
	ez = map(_metadata, g, self->root, z, p2, URW);
	map(_metadata, g, self->root, w, p4, URW);
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p1, 1));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, w, 0x40));	/* writable spte */
	ex_val = *ex;
	ez_val = *ez;
	ASSERT_EQ(0, pipe(p2c));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (read(p2c[0], &c, 1) != 1)
			_exit(10);
		if (*ex != ex_val || *ez != ez_val)
			_exit(11);	/* the parent's guest changed our tables */
		if (kvmmu_peek(gmem(g, p3)) != val(3, p3) ||
		    kvmmu_peek(gmem(g, p1) + 1) != val(1, p1 + 8) ||
		    kvmmu_peek(gmem(g, p4)) != 0x40)
			_exit(12);	/* ... or our data */
		_exit(0);
	}

	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, w, 0x44));
	EXPECT_EQ(0x44, kvmmu_peek(gmem(g, p4)));
	ASSERT_EQ(0, guest_set(vcpu, g, ex, p3 | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p3, 3));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x, 0x33));
	EXPECT_TRUE(page_is(_metadata, vcpu, z, p2, 2));
	ASSERT_EQ(0, guest_set(vcpu, g, ez, p1 | URW));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, z + 8, 0x11));
	EXPECT_EQ(p3 | URW | PTE_A | PTE_D, *ex);
	EXPECT_EQ(p1 | URW | PTE_A | PTE_D, *ez);
	EXPECT_EQ(0x33, kvmmu_peek(gmem(g, p3)));
	EXPECT_EQ(0x11, kvmmu_peek(gmem(g, p1) + 1));
	EXPECT_EQ(1, write(p2c[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	/* 11: the child's page tables changed; 12: its data. */
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(p2c[0]);
	close(p2c[1]);
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x, 0x33));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x + 8, val(3, p3 + 8)));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, z + 8, 0x11));
}
