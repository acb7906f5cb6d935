// SPDX-License-Identifier: GPL-2.0
/*
 * shadow_test (#included by shadow_test.c): the guest editing its own
 * page tables (leaf and non-leaf entries, shared and recursive tables,
 * shadow page eviction), CR3 switches, KVMMU_MMU_RESET, and paging
 * switched off and on.
 */

/* ------------------------------------------------------------------ */
/* 5. The guest edits its own page tables */

/* pt_writes went up by exactly one since *@st; *@st is updated. */
static bool one_pt_write(struct __test_metadata *_metadata, int vm,
			 struct kvmmu_vm_stats *st, const char *what)
{
	struct kvmmu_vm_stats now = kvmmu_stats(_metadata, vm);
	bool ok = now.pt_writes == st->pt_writes + 1;

	if (!ok)
		TH_LOG("%s: pt_writes %llu -> %llu, expected +1", what,
		       (unsigned long long)st->pt_writes,
		       (unsigned long long)now.pt_writes);
	*st = now;
	return ok;
}

/*
 * Leaf edits by guest writes to its PTE: remap, unmap, read-only,
 * read-write, a 4-byte write of the low half, a write with paging off and
 * one through another mapping of the table page.  Each takes effect at the
 * next access; a neighbour's mapping is never disturbed.
 */
TEST_F(sp, pt_edit_leaf)
{
	struct guest *g = &self->g;
	const __u64 x = REGION(0) + 7 * PG, y = x + PG, big = REGION(1);
	__u64 root = self->root, p[5], *e, old_pfn;
	struct kvmmu_vm_stats st;
	struct kvmmu_translation t;
	int vcpu = self->vcpu;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = data_page(_metadata, g, i + 1);
	e = map(_metadata, g, root, x, p[0], URW);
	map(_metadata, g, root, y, p[4], URW);
	map_large(_metadata, g, root, big, 0, 3, PTE_P | PTE_RW);
	ASSERT_EQ(0, paging_on(vcpu, root, true));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[0], 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, y, p[4], 5));
	old_pfn = hpfn(g, p[0]);
	st = kvmmu_stats(_metadata, self->vm);

	/* Remap to another page. */
	ASSERT_EQ(0, guest_set(vcpu, g, e, p[1] | URW));
	t = xlate(_metadata, vcpu, x);
	EXPECT_FALSE((t.flags & KVMMU_TR_PRESENT) && t.pfn == old_pfn)
		TH_LOG("the shadow still maps the old page after the remap");
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[1], 2));
	EXPECT_TRUE(one_pt_write(_metadata, self->vm, &st, "remap"));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + 8, 0xb1));
	EXPECT_EQ(0xb1, kvmmu_peek(gmem(g, p[1]) + 1));
	EXPECT_EQ(val(1, p[0] + 8), kvmmu_peek(gmem(g, p[0]) + 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, y, p[4], 5));

	/* Unmap. */
	ASSERT_EQ(0, guest_set(vcpu, g, e, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, x, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, WR, x + 16, PF_W));
	EXPECT_TRUE(one_pt_write(_metadata, self->vm, &st, "unmap"));
	EXPECT_TRUE(page_is(_metadata, vcpu, y, p[4], 5));

	/* Read-only. */
	ASSERT_EQ(0, guest_set(vcpu, g, e, p[1] | PTE_P | PTE_US));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x + 8, 0xb1));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[1], 2));
	EXPECT_TRUE(pf_is(_metadata, vcpu, WR, x + 16, PF_P | PF_W));
	EXPECT_EQ(val(2, p[1] + 16), kvmmu_peek(gmem(g, p[1]) + 2));
	EXPECT_TRUE(one_pt_write(_metadata, self->vm, &st, "read-only"));

	/* Read-write again. */
	ASSERT_EQ(0, guest_set(vcpu, g, e, p[1] | URW));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + 16, 0xb2));
	EXPECT_EQ(0xb2, kvmmu_peek(gmem(g, p[1]) + 2));
	EXPECT_TRUE(one_pt_write(_metadata, self->vm, &st, "read-write"));

	/* A 4-byte write of the PTE's low half. */
	EXPECT_EQ(0, kvmmu_access_one(vcpu, WR, ent_gva(g, e), 4,
				      (__u32)(p[2] | URW)).result);
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[2], 3));
	EXPECT_TRUE(one_pt_write(_metadata, self->vm, &st, "4-byte write"));

	/* Through another mapping of the table page (a 1 GiB page). */
	EXPECT_EQ(0, kvmmu_access_one(vcpu, WR, big + ent_gpa(g, e), 8, p[3] | URW).result);
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[3], 4));
	EXPECT_TRUE(one_pt_write(_metadata, self->vm, &st, "write via 1 GiB page"));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, ent_gva(g, e), *e));
	EXPECT_EQ(p[3] | URW, *e & ~(PTE_A | PTE_D));

	/* With paging off, at the table's guest-physical address. */
	ASSERT_EQ(0, paging_off(vcpu));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, ent_gpa(g, e), p[0] | URW));
	ASSERT_EQ(0, paging_on(vcpu, root, true));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[0], 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, y, p[4], 5));
}

/*
 * Non-leaf edits: a PDE pointed at another page table, made a 2 MiB leaf
 * and restored (with an edit made meanwhile to the unlinked table); a
 * PML4E pointed at another PDPT; a PDPTE cleared and restored.
 */
TEST_F(sp, pt_edit_tables)
{
	struct guest *g = &self->g;
	const __u64 x = REGION(0) + 3 * PG, q = PML4_GVA(6) + 0x1000;
	__u64 root = self->root, p[6], *pde, *pdpte, *pml4e, *pte_x1;
	__u64 t1, t2, pdpt_a, pdpt_b, scratch, pdpte_val;
	const __u64 hoff = x & (SZ_2M - 1);
	int vcpu = self->vcpu;
	struct kvmmu_vm_stats st0, st1;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = data_page(_metadata, g, i + 1);
	fill(g, HUGE_GPA + hoff, 7);
	fill(g, HUGE_GPA + hoff + PG, 8);
	map(_metadata, g, root, x, p[0], URW);
	pte_x1 = map(_metadata, g, root, x + PG, p[2], URW);
	pde = entry(_metadata, g, root, x, 2);
	pdpte = entry(_metadata, g, root, x, 3);
	pdpte_val = *pdpte;
	t1 = *pde & PTE_ADDR;
	t2 = table_page(_metadata, g);		/* unlinked: maps x to p[1] */
	gmem(g, t2)[pt_index(x, 1)] = p[1] | URW;
	map(_metadata, g, root, q, p[3], URW);
	pml4e = entry(_metadata, g, root, q, 4);
	pdpt_a = *pml4e & PTE_ADDR;
	scratch = table_page(_metadata, g);	/* builds a second PDPT */
	map(_metadata, g, scratch, q, p[4], URW);
	pdpt_b = gmem(g, scratch)[pt_index(q, 4)] & PTE_ADDR;
	ASSERT_EQ(0, paging_on(vcpu, root, true));

	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[0], 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, x + PG, p[2], 3));
	EXPECT_TRUE(page_is(_metadata, vcpu, q, p[3], 4));
	st0 = kvmmu_stats(_metadata, self->vm);

	/* PDE -> another page table. */
	ASSERT_EQ(0, guest_set(vcpu, g, pde, t2 | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[1], 2));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, x + PG, 0));

	/* PDE -> a 2 MiB page. */
	ASSERT_EQ(0, guest_set(vcpu, g, pde, HUGE_GPA | URW | PTE_PS));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, HUGE_GPA + hoff, 7));
	EXPECT_TRUE(page_is(_metadata, vcpu, x + PG, HUGE_GPA + hoff + PG, 8));

	/* Edit the unlinked table, then link it back. */
	ASSERT_EQ(0, guest_set(vcpu, g, pte_x1, p[5] | URW));
	ASSERT_EQ(0, guest_set(vcpu, g, pde, t1 | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[0], 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, x + PG, p[5], 6));

	/* PML4E -> another PDPT, and back. */
	ASSERT_EQ(0, guest_set(vcpu, g, pml4e, pdpt_b | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, q, p[4], 5));
	ASSERT_EQ(0, guest_set(vcpu, g, pml4e, pdpt_a | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, q, p[3], 4));

	/* PDPTE cleared, and restored. */
	ASSERT_EQ(0, guest_set(vcpu, g, pdpte, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, x, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, WR | USR, x + PG, PF_W | PF_U));
	ASSERT_EQ(0, guest_set(vcpu, g, pdpte, pdpte_val));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[0], 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, x + PG, p[5], 6));
	/*
	 * Eight edits; the one of the unlinked table is trapped only if its
	 * shadow page was kept.
	 */
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_LE(7, st1.pt_writes - st0.pt_writes);
	EXPECT_GE(8, st1.pt_writes - st0.pt_writes);
}

/*
 * Pages @gva0 + i * @stride, i < @n, hold the pages @gpa[i] filled with
 * @tag (two qwords each, in one batch); returns how many do not.
 */
static unsigned int pages_are(struct __test_metadata *_metadata, int vcpu,
			      __u64 gva0, __u64 stride, const __u64 *gpa,
			      unsigned int tag, unsigned int n)
{
	struct kvmmu_access *a = calloc(2 * n, sizeof(*a));
	unsigned int i, bad = 0;
	__u64 off, want;

	ASSERT_NE(NULL, a);
	for (i = 0; i < 2 * n; i++) {
		off = i % 2 ? PG - 8 : 8 * (i / 2 % 64);
		a[i].gpa = gva0 + i / 2 * stride + off;
		a[i].type = RD;
		a[i].size = 8;
		a[i].result = 1;
	}
	ASSERT_EQ(0, kvmmu_access_batch(vcpu, a, 2 * n));
	for (i = 0; i < 2 * n; i++) {
		off = a[i].gpa & (PG - 1);
		want = val(tag, gpa[i / 2] + off);
		if (!a[i].result && a[i].data == want)
			continue;
		if (bad++ < 4)
			TH_LOG("page %u +%#llx: %d %#llx, expected %#llx", i / 2,
			       (unsigned long long)off, a[i].result,
			       (unsigned long long)a[i].data,
			       (unsigned long long)want);
	}
	free(a);
	return bad;
}

/*
 * Many edits in a row (write flooding: the shadow page may be dropped
 * rather than kept in sync), edits and accesses mixed in one batch, and
 * partial writes: an unaligned 8-byte write across two PTEs, a 1-byte
 * write of the XD byte, a 2-byte write of the low bits.
 */
TEST_F(sp, pt_edit_many)
{
	const unsigned int n = 64;
	const __u64 x = REGION(0);
	struct guest *g = &self->g;
	__u64 a[64], b[64], *e[64];
	struct kvmmu_access m[8];
	int vcpu = self->vcpu;
	unsigned int i;

	for (i = 0; i < n; i++) {
		a[i] = data_page(_metadata, g, 1);
		b[i] = data_page(_metadata, g, 2);
		e[i] = map(_metadata, g, self->root, x + i * PG, a[i], URW);
	}
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	EXPECT_EQ(0, pages_are(_metadata, vcpu, x, PG, a, 1, n));

	/* 64 PTE writes, then the accesses. */
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, guest_set(vcpu, g, e[i], b[i] | URW));
	EXPECT_EQ(0, pages_are(_metadata, vcpu, x, PG, b, 2, n));
	/* And back, each followed by its access. */
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, guest_set(vcpu, g, e[i], a[i] | URW));
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x + i * PG + 8,
					val(1, a[i] + 8)));
	}

	/* One batch: edit, access, edit, access, unmap, access. */
	memset(m, 0, sizeof(m));
	m[0].gpa = ent_gva(g, e[0]);
	m[0].data = b[0] | URW;
	m[0].type = WR;
	m[1].gpa = x + 16;
	m[2].gpa = ent_gva(g, e[0]);
	m[2].data = a[0] | URW;
	m[2].type = WR;
	m[3].gpa = x + 16;
	m[4].gpa = ent_gva(g, e[1]);
	m[4].type = WR;
	m[5].gpa = x + PG + 16;
	for (i = 0; i < 6; i++) {
		m[i].size = 8;
		m[i].result = 1;
	}
	ASSERT_EQ(0, kvmmu_access_batch(vcpu, m, 6));
	EXPECT_EQ(0, m[0].result);
	EXPECT_TRUE(!m[1].result && m[1].data == val(2, b[0] + 16));
	EXPECT_EQ(0, m[2].result);
	EXPECT_TRUE(!m[3].result && m[3].data == val(1, a[0] + 16));
	EXPECT_EQ(0, m[4].result);
	EXPECT_TRUE(m[5].result == PF && m[5].data == 0)
		TH_LOG("access after the unmap in the same batch: %d %#llx",
		       m[5].result, (unsigned long long)m[5].data);

	/* 8 bytes at PTE 2 + 4: PTE 2's high half, PTE 3's low half. */
	EXPECT_EQ(0, kvmmu_access_one(vcpu, WR, ent_gva(g, e[2]) + 4, 8,
				      (__u64)(__u32)(b[3] | URW) << 32).result);
	EXPECT_EQ(a[2] | URW | PTE_A, *e[2]);
	EXPECT_EQ(b[3] | URW, *e[3] & ~(PTE_A | PTE_D));
	EXPECT_TRUE(page_is(_metadata, vcpu, x + 2 * PG, a[2], 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, x + 3 * PG, b[3], 2));

	/* The XD byte alone, set and cleared. */
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE, x + 4 * PG, val(1, a[4])));
	EXPECT_EQ(0, kvmmu_access_one(vcpu, WR, ent_gva(g, e[4]) + 7, 1, 0x80).result);
	EXPECT_TRUE(pf_is(_metadata, vcpu, FE, x + 4 * PG, PF_P | PF_I));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x + 4 * PG, val(1, a[4])));
	EXPECT_EQ(0, kvmmu_access_one(vcpu, WR, ent_gva(g, e[4]) + 7, 1, 0).result);
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE, x + 4 * PG, val(1, a[4])));

	/* The low 16 bits: RW cleared. */
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + 5 * PG + 8, 0x55));
	EXPECT_EQ(0, kvmmu_access_one(vcpu, WR, ent_gva(g, e[5]), 2,
				      (a[5] & 0xffff) | PTE_P | PTE_US | PTE_A).result);
	EXPECT_TRUE(pf_is(_metadata, vcpu, WR, x + 5 * PG + 8, PF_P | PF_W));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x + 5 * PG + 8, 0x55));
	EXPECT_EQ(0x55, kvmmu_peek(gmem(g, a[5]) + 1));
}

/*
 * One page table linked from three PDEs with different rights (RW user;
 * read-only supervisor; read-only user) and a fourth with XD: each path
 * gets its own rights, in whatever order they are first used, and an edit
 * of the shared table is seen through all of them.
 */
TEST_F(sp, shared_table_rights)
{
	const __u64 a = REGION(0), b = a + SZ_2M, c = a + 2 * SZ_2M;
	const __u64 d = a + 3 * SZ_2M, k = 7 * PG;
	struct guest *g = &self->g;
	__u64 t = table_page(_metadata, g), p1, p2;
	int vcpu = self->vcpu, round;

	p1 = data_page(_metadata, g, 1);
	p2 = data_page(_metadata, g, 2);
	gmem(g, t)[7] = p1 | URW;
	*entry(_metadata, g, self->root, a, 2) = t | URW;
	*entry(_metadata, g, self->root, b, 2) = t | PTE_P;
	*entry(_metadata, g, self->root, c, 2) = t | PTE_P | PTE_US;
	*entry(_metadata, g, self->root, d, 2) = t | URW | PTE_XD;
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));

	for (round = 0; round < 2; round++) {
		/* Round 0 uses the read-only paths first, round 1 last. */
		if (round)
			EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, a + k + 8, 0xa1));
		EXPECT_TRUE(pf_is(_metadata, vcpu, WR, b + k + 8, PF_P | PF_W));
		EXPECT_TRUE(pf_is(_metadata, vcpu, RD | USR, b + k,
				  PF_P | PF_U));
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, b + k + 16,
					val(1, p1 + 16)));
		EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, RD | USR, c + k + 16,
					 val(1, p1 + 16)));
		EXPECT_TRUE(pf_is(_metadata, vcpu, WR | USR, c + k + 8,
				  PF_P | PF_W | PF_U));
		EXPECT_TRUE(pf_is(_metadata, vcpu, WR, c + k + 8, PF_P | PF_W));
		EXPECT_TRUE(pf_is(_metadata, vcpu, FE, d + k, PF_P | PF_I));
		EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, FE, a + k + 16,
					 val(1, p1 + 16)));
		if (!round)
			EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, a + k + 8, 0xa1));
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, d + k + 24, 0xd1));
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, b + k + 8, 0xa1));
		EXPECT_TRUE(kvmmu_acc_ok(_metadata, vcpu, RD | USR, c + k + 24, 0xd1));
	}
	EXPECT_EQ(0xa1, kvmmu_peek(gmem(g, p1) + 1));
	EXPECT_EQ(0xd1, kvmmu_peek(gmem(g, p1) + 3));

	/* Edit the shared PTE: every path follows. */
	ASSERT_EQ(0, guest_set(vcpu, g, gmem(g, t) + 7, p2 | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, a + k, p2, 2));
	EXPECT_TRUE(page_is(_metadata, vcpu, b + k, p2, 2));
	EXPECT_TRUE(page_is(_metadata, vcpu, c + k, p2, 2));
	EXPECT_TRUE(page_is(_metadata, vcpu, d + k, p2, 2));
	EXPECT_TRUE(pf_is(_metadata, vcpu, WR, b + k, PF_P | PF_W));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, a + k, 0xa2));
	EXPECT_EQ(0xa2, kvmmu_peek(gmem(g, p2)));
}

#define REC		255ULL	/* the recursive PML4 slot */
#define REC_BASE	(REC << 39)

static __u64 rec_pte(__u64 v)
{
	return REC_BASE | ((v >> 9) & 0x7ffffffff8ULL);
}

static __u64 rec_pde(__u64 v)
{
	return REC_BASE | REC << 30 | ((v >> 18) & 0x3ffffff8ULL);
}

static __u64 rec_pdpte(__u64 v)
{
	return REC_BASE | REC << 30 | REC << 21 | ((v >> 27) & 0x1ff8ULL);
}

static __u64 rec_pml4e(__u64 v)
{
	return REC_BASE | REC << 30 | REC << 21 | REC << 12 |
	       ((v >> 36) & 0xff8ULL);
}

/*
 * A recursive PML4 slot: the PML4 is also a PDPT, PD and PT, so its gfn
 * is shadowed at every level at once.  The guest reads and edits its
 * entries of every level through it, and every edit takes effect.
 */
TEST_F(sp, recursive_pml4)
{
	const __u64 x = REGION(0) + 9 * PG;
	struct guest *g = &self->g;
	__u64 *root = gmem(g, self->root), *ex, *pde, pde_val, p[3];
	struct kvmmu_vm_stats st;
	int vcpu = self->vcpu;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = data_page(_metadata, g, i + 1);
	ex = map(_metadata, g, self->root, x, p[0], URW);
	pde = entry(_metadata, g, self->root, x, 2);
	root[REC] = self->root | URW;
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));

	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[0], 1));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, rec_pte(x), *ex));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, rec_pde(x), *pde));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, rec_pdpte(x),
				*entry(_metadata, g, self->root, x, 3)));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, rec_pml4e(x), root[0]));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, rec_pml4e(REC_BASE), root[REC]));
	EXPECT_EQ(self->root | URW | PTE_A, root[REC] & ~PTE_D);

	st = kvmmu_stats(_metadata, self->vm);
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, rec_pte(x), p[1] | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[1], 2));
	EXPECT_TRUE(one_pt_write(_metadata, self->vm, &st, "PTE via recursion"));
	EXPECT_EQ(p[1] | URW, *ex & ~(PTE_A | PTE_D));

	/* A PDE cleared and restored through the recursion. */
	pde_val = *pde;
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, rec_pde(x), 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, x, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, rec_pte(x), 0));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, rec_pde(x), pde_val));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[1], 2));

	/* A new leaf in the same table, made through the recursion. */
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, rec_pte(x + PG), p[2] | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, x + PG, p[2], 3));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + PG + 8, 0x99));
	EXPECT_EQ(0x99, kvmmu_peek(gmem(g, p[2]) + 1));
	/* The PML4 entry of the recursion itself, made read-only. */
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, rec_pml4e(REC_BASE),
				self->root | PTE_P | PTE_US | PTE_A));
	EXPECT_TRUE(pf_is(_metadata, vcpu, WR, rec_pte(x), PF_P | PF_W));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, rec_pte(x), *ex));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p[1], 2));
	EXPECT_EQ(self->root | PTE_P | PTE_US | PTE_A, root[REC] & ~PTE_D);
}

/*
 * More page tables than the shadow MMU keeps (one per 2 MiB of 200 gvas):
 * shadow pages are dropped and rebuilt, and edits to tables whose shadow
 * went are still honoured.
 */
TEST_F(sp, shadow_eviction)
{
	const unsigned int n = 200;
	const __u64 x = REGION(0);
	struct guest *g = &self->g;
	__u64 a[200], b[200], *e[200];
	struct kvmmu_vm_stats st0, st1;
	int vcpu = self->vcpu;
	unsigned int i;

	for (i = 0; i < n; i++) {
		a[i] = data_page(_metadata, g, 1);
		b[i] = data_page(_metadata, g, 2);
		e[i] = map(_metadata, g, self->root, x + i * SZ_2M, a[i], URW);
	}
	ASSERT_EQ(0, paging_on(vcpu, self->root, true));
	st0 = kvmmu_stats(_metadata, self->vm);
	EXPECT_EQ(0, pages_are(_metadata, vcpu, x, SZ_2M, a, 1, n));
	EXPECT_EQ(0, pages_are(_metadata, vcpu, x, SZ_2M, a, 1, n));
	st1 = kvmmu_stats(_metadata, self->vm);
	TH_LOG("shadow_pages %llu, zapped %llu -> %llu",
	       (unsigned long long)st1.shadow_pages,
	       (unsigned long long)st0.shadow_zapped,
	       (unsigned long long)st1.shadow_zapped);

	for (i = 0; i < n; i++)
		ASSERT_EQ(0, guest_set(vcpu, g, e[i], b[i] | URW));
	EXPECT_EQ(0, pages_are(_metadata, vcpu, x, SZ_2M, b, 2, n));
	for (i = n; i-- > 0;) {
		ASSERT_EQ(0, guest_set(vcpu, g, e[i], a[i] | URW));
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x + i * SZ_2M + 8,
					val(1, a[i] + 8)));
	}
	EXPECT_EQ(0, pages_are(_metadata, vcpu, x, SZ_2M, a, 1, n));
	/* Unmap every other one. */
	for (i = 0; i < n; i += 2)
		ASSERT_EQ(0, guest_set(vcpu, g, e[i], 0));
	for (i = 0; i < n; i++) {
		bool ok = i % 2 ? kvmmu_rd_is(_metadata, vcpu, x + i * SZ_2M,
					val(1, a[i])) :
				  pf_is(_metadata, vcpu, RD, x + i * SZ_2M, 0);

		EXPECT_TRUE(ok) TH_LOG("gva %u", i);
	}
}

/* ------------------------------------------------------------------ */
/* 6. CR3 switches */

/*
 * Two PML4s map the same gva to different pages (and share a subtree and
 * the direct map).  Switching back and forth sees the right page every
 * time, from cached shadow pages: nothing is zapped, no shadow page is
 * added, and only the first access after a switch may run the fault path
 * (to find the cached root), the next ones hit.  Edits made while the
 * other root is loaded, and two vCPUs on different roots at once, are
 * seen right too.
 */
TEST_F(sp, cr3_switch)
{
	struct guest *g = &self->g;
	const __u64 x = REGION(0), y = REGION(1), z = PML4_GVA(2);
	__u64 ra = self->root, rb, pa, pb, py, pz, pc, pz2, *ex, *ez;
	struct kvmmu_vm_stats st0, st1;
	struct kvmmu_access a;
	unsigned int unfaulted = 0, first_faults = 0;
	int vcpu = self->vcpu, vcpu1, i;

	pa = data_page(_metadata, g, 1);
	pb = data_page(_metadata, g, 2);
	py = data_page(_metadata, g, 3);
	pz = data_page(_metadata, g, 4);
	pc = data_page(_metadata, g, 5);
	pz2 = data_page(_metadata, g, 6);
	rb = new_root_shared(_metadata, g, ra);
	ex = map(_metadata, g, ra, x, pa, URW);
	map(_metadata, g, rb, x, pb, URW);
	map(_metadata, g, ra, y, py, URW);
	ez = map(_metadata, g, ra, z, pz, URW);
	gmem(g, rb)[pt_index(z, 4)] = gmem(g, ra)[pt_index(z, 4)];

	ASSERT_EQ(0, paging_on(vcpu, ra, true));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, pa, 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, y, py, 3));
	EXPECT_TRUE(page_is(_metadata, vcpu, z, pz, 4));
	ASSERT_EQ(0, paging_on(vcpu, rb, true));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, pb, 2));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, y, 0));
	EXPECT_TRUE(page_is(_metadata, vcpu, z, pz, 4));

	st0 = kvmmu_stats(_metadata, self->vm);
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, paging_on(vcpu, ra, true));
		a = kvmmu_access_one(vcpu, RD, x + 8, 8, 0);
		EXPECT_TRUE(!a.result && a.data == val(1, pa + 8))
			TH_LOG("switch %d: root A, x: %d %#llx", i, a.result,
			       (unsigned long long)a.data);
		first_faults += a.faults;
		a = kvmmu_access_one(vcpu, RD, y + 8, 8, 0);
		EXPECT_TRUE(!a.result && a.data == val(3, py + 8));
		unfaulted += !a.faults;
		ASSERT_EQ(0, paging_on(vcpu, rb, true));
		a = kvmmu_access_one(vcpu, RD, x + 8, 8, 0);
		EXPECT_TRUE(!a.result && a.data == val(2, pb + 8))
			TH_LOG("switch %d: root B, x: %d %#llx", i, a.result,
			       (unsigned long long)a.data);
		first_faults += a.faults;
		EXPECT_TRUE(pf_is(_metadata, vcpu, RD, y, 0));
		a = kvmmu_access_one(vcpu, RD, z + 8, 8, 0);
		EXPECT_TRUE(!a.result && a.data == val(4, pz + 8));
		unfaulted += !a.faults;
	}
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_EQ(st0.shadow_zapped, st1.shadow_zapped);
	EXPECT_EQ(st0.shadow_pages, st1.shadow_pages)
		TH_LOG("shadow pages rebuilt on CR3 switches");
	EXPECT_EQ(20, unfaulted)
		TH_LOG("later accesses after a switch to a known CR3 faulted");
	EXPECT_GE(20, first_faults)
		TH_LOG("first accesses after a switch faulted more than once");
	TH_LOG("shadow_pages %llu, zapped %llu; %u faults in 20 first accesses",
	       (unsigned long long)st1.shadow_pages,
	       (unsigned long long)st1.shadow_zapped, first_faults);

	/* On B, edit A's PTE for x (a table B does not reach) and z's. */
	ASSERT_EQ(0, guest_set(vcpu, g, ex, pc | URW));
	ASSERT_EQ(0, guest_set(vcpu, g, ez, pz2 | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, z, pz2, 6));
	ASSERT_EQ(0, paging_on(vcpu, ra, true));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, pc, 5));
	EXPECT_TRUE(page_is(_metadata, vcpu, z, pz2, 6));

	/* Two vCPUs, one on each root. */
	vcpu1 = kvmmu_create_vcpu(self->vm, 1);
	ASSERT_LE(0, vcpu1);
	ASSERT_EQ(0, paging_on(vcpu1, rb, true));
	for (i = 0; i < 5; i++) {
		EXPECT_TRUE(page_is(_metadata, vcpu, x, pc, 5));
		EXPECT_TRUE(page_is(_metadata, vcpu1, x, pb, 2));
		EXPECT_TRUE(pf_is(_metadata, vcpu1, RD, y, 0));
		EXPECT_TRUE(page_is(_metadata, vcpu, y, py, 3));
	}
	/* vCPU 1 (on B) edits z's shared PTE: vCPU 0 (on A) sees it. */
	ASSERT_EQ(0, guest_set(vcpu1, g, ez, pz | URW));
	EXPECT_TRUE(page_is(_metadata, vcpu, z, pz, 4));
	EXPECT_TRUE(page_is(_metadata, vcpu1, z, pz, 4));
	close(vcpu1);
}

/* ------------------------------------------------------------------ */
/* 7. KVMMU_MMU_RESET */

/*
 * The VMM rewrites guest page tables through its own mapping, then resets
 * the MMU: every vCPU's next access walks the new tables (remap, unmap,
 * A bits cleared by the VMM set again).
 */
TEST_F(sp, mmu_reset)
{
	struct guest *g = &self->g;
	const __u64 x = REGION(0), y = REGION(0) + PG;
	__u64 root = self->root, p1, p2, p3, *ex, *ey, *pde;
	struct kvmmu_vm_stats st0, st1;
	struct kvmmu_access a;
	int vcpu = self->vcpu, vcpu1;

	p1 = data_page(_metadata, g, 1);
	p2 = data_page(_metadata, g, 2);
	p3 = data_page(_metadata, g, 3);
	ex = map(_metadata, g, root, x, p1, URW);
	ey = map(_metadata, g, root, y, p2, URW);
	pde = entry(_metadata, g, root, x, 2);
	vcpu1 = kvmmu_create_vcpu(self->vm, 1);
	ASSERT_LE(0, vcpu1);
	ASSERT_EQ(0, paging_on(vcpu, root, true));
	ASSERT_EQ(0, paging_on(vcpu1, root, true));
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p1, 1));
	EXPECT_TRUE(page_is(_metadata, vcpu, y, p2, 2));
	EXPECT_TRUE(page_is(_metadata, vcpu1, x, p1, 1));

	/* Behind the guest's back: x -> p3. */
	*ex = p3 | URW;
	st0 = kvmmu_stats(_metadata, self->vm);
	EXPECT_LT(0, st0.shadow_pages);
	ASSERT_EQ(0, kvmmu_ioctl(vcpu, KVMMU_MMU_RESET, NULL));
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_LT(st0.shadow_zapped, st1.shadow_zapped);
	EXPECT_GT(st0.shadow_pages, st1.shadow_pages);
	TH_LOG("reset: shadow_pages %llu -> %llu, zapped %llu -> %llu",
	       (unsigned long long)st0.shadow_pages,
	       (unsigned long long)st1.shadow_pages,
	       (unsigned long long)st0.shadow_zapped,
	       (unsigned long long)st1.shadow_zapped);
	/* y did not change, but its shadow is gone: the walk runs again. */
	a = kvmmu_access_one(vcpu, RD, y, 8, 0);
	EXPECT_EQ(0, a.result);
	EXPECT_EQ(val(2, p2), a.data);
	EXPECT_LT(0, a.faults);
	EXPECT_TRUE(page_is(_metadata, vcpu, x, p3, 3));
	EXPECT_TRUE(page_is(_metadata, vcpu1, x, p3, 3));

	/* The VMM clears A bits and unmaps y; reset from the other vCPU. */
	*ex &= ~(PTE_A | PTE_D);
	*pde &= ~PTE_A;
	*ey = 0;
	ASSERT_EQ(0, kvmmu_ioctl(vcpu1, KVMMU_MMU_RESET, NULL));
	EXPECT_TRUE(pf_is(_metadata, vcpu, RD, y, 0));
	EXPECT_TRUE(pf_is(_metadata, vcpu1, WR, y, PF_W));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x + 8, val(3, p3 + 8)));
	EXPECT_EQ(p3 | URW | PTE_A, *ex);
	EXPECT_TRUE(*pde & PTE_A);

	/* With paging off, a reset changes nothing visible. */
	ASSERT_EQ(0, paging_off(vcpu));
	ASSERT_EQ(0, kvmmu_ioctl(vcpu, KVMMU_MMU_RESET, NULL));
	EXPECT_TRUE(page_is(_metadata, vcpu, p2, p2, 2));
	EXPECT_TRUE(page_is(_metadata, vcpu1, x, p3, 3));
	close(vcpu1);
}

/* ------------------------------------------------------------------ */
/* 10. Paging off, on, off */

/*
 * gva P (numerically the gpa of page p1) maps p3, and gva X (no RAM there)
 * maps p2: with paging off P is p1 and X has no slot, with paging on P is
 * p3 and X is p2, each time the mode changes; writes follow.
 */
TEST_F(sp, paging_toggle)
{
	struct guest *g = &self->g;
	__u64 p1 = data_page(_metadata, g, 1), p2 = data_page(_metadata, g, 2);
	__u64 p3 = data_page(_metadata, g, 3);
	const __u64 x = 0x70000000ULL;
	struct kvmmu_paging s;
	int vcpu = self->vcpu, i;

	map(_metadata, g, self->root, p1, p3, URW);
	map(_metadata, g, self->root, x, p2, URW);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, paging_off(vcpu));
		ASSERT_EQ(0, get_paging(vcpu, &s));
		EXPECT_FALSE(s.efer & KVMMU_X86_EFER_LMA);
		/* (its first qwords are overwritten from the first round) */
		EXPECT_TRUE(i || page_is(_metadata, vcpu, p1, p1, 1));
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, p1 + 8 * 8,
					val(1, p1 + 8 * 8)));
		EXPECT_TRUE(kvmmu_err_is(_metadata, vcpu, RD, x, -ENOENT));
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, p1 + 8 * i, 0x100 + i));
		EXPECT_TRUE(maps_pfn(_metadata, vcpu, p1, hpfn(g, p1),
				     KVMMU_TR_WRITABLE));

		ASSERT_EQ(0, paging_on(vcpu, self->root, true));
		ASSERT_EQ(0, get_paging(vcpu, &s));
		EXPECT_TRUE(s.efer & KVMMU_X86_EFER_LMA);
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, p1 + 8 * 8,
					val(3, p3 + 8 * 8)));
		EXPECT_TRUE(page_is(_metadata, vcpu, x, p2, 2));
		EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, p1 + 8 * i, 0x300 + i));
		EXPECT_TRUE(maps_pfn(_metadata, vcpu, p1, hpfn(g, p3),
				     KVMMU_TR_WRITABLE));
	}
	ASSERT_EQ(0, paging_off(vcpu));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0x100 + i, kvmmu_peek(gmem(g, p1) + i));
		EXPECT_EQ(0x300 + i, kvmmu_peek(gmem(g, p3) + i));
		EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, p1 + 8 * i, 0x100 + i));
	}
	EXPECT_EQ(val(2, p2), kvmmu_peek(gmem(g, p2)));
}
