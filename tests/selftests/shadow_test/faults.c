// SPDX-License-Identifier: GPL-2.0
/*
 * shadow_test (#included by shadow_test.c): guest page faults and their
 * error codes (not present, protection, XD, reserved bits), and the
 * accessed and dirty bits the walk sets in the guest's entries.
 */

/* ------------------------------------------------------------------ */
/* 3. Guest page faults */

/* One access expected to fault with @err, or (@err < 0) to succeed. */
struct fault_case {
	__u64 gva;
	int type;
	long long err;
};

/*
 * Run the cases in one batch (the faulting ones must not stop it) and
 * check each; returns the number of faults expected.  Reads of successful
 * cases must return val(@tag[i], gpa); @want gives the expected data.
 */
static unsigned int run_cases(struct __test_metadata *_metadata, int vcpu,
			      const struct fault_case *c, unsigned int n,
			      const __u64 *want)
{
	struct kvmmu_access *a = calloc(n, sizeof(*a));
	unsigned int i, faults = 0;

	ASSERT_NE(NULL, a);
	for (i = 0; i < n; i++) {
		a[i].gpa = c[i].gva;
		a[i].type = c[i].type;
		a[i].size = 8;
		a[i].data = c[i].err < 0 && (c[i].type & 3) == WR ?
			    want[i] : 0x77;
		a[i].result = 1;
	}
	ASSERT_EQ(0, kvmmu_access_batch(vcpu, a, n));
	for (i = 0; i < n; i++) {
		if (c[i].err >= 0) {
			faults++;
			EXPECT_TRUE(a[i].result == PF &&
				    a[i].data == (__u64)c[i].err)
				TH_LOG("case %u: %s of %#llx: %d %#llx, expected #PF %#llx",
				       i, kvmmu_access_name(c[i].type),
				       (unsigned long long)c[i].gva,
				       a[i].result,
				       (unsigned long long)a[i].data,
				       (unsigned long long)c[i].err);
		} else {
			EXPECT_TRUE(!a[i].result && a[i].data == want[i])
				TH_LOG("case %u: %s of %#llx: %d %#llx, expected 0 %#llx",
				       i, kvmmu_access_name(c[i].type),
				       (unsigned long long)c[i].gva,
				       a[i].result,
				       (unsigned long long)a[i].data,
				       (unsigned long long)want[i]);
		}
	}
	free(a);
	return faults;
}

/* Every page of @gpas still holds @tag everywhere. */
static unsigned int untouched(struct guest *g, const __u64 *gpas,
			      unsigned int n, unsigned int tag)
{
	unsigned int i, j, bad = 0;

	for (i = 0; i < n; i++)
		for (j = 0; j < QWORDS; j++)
			bad += kvmmu_peek(gmem(g, gpas[i]) + j) !=
			       val(tag, gpas[i] + j * 8);
	return bad;
}

/*
 * Not-present entries at every level, for every kind of access: error code
 * 0, |WRITE, |USER, |FETCH (NXE is on).  A not-present PTE with an address
 * and permissions in it is still not present, and its page is untouched.
 */
TEST_F(sp, fault_not_present)
{
	struct guest *g = &self->g;
	__u64 base = REGION(0), root = self->root;
	__u64 d0 = data_page(_metadata, g, 1), d1 = data_page(_metadata, g, 1);
	const __u64 np[] = {
		PML4_GVA(4),		/* PML4E absent */
		REGION(1),		/* PDPTE absent */
		base + SZ_2M,		/* PDE absent */
		base + PG,		/* PTE 0 */
		base + 2 * PG,		/* PTE with P clear */
	};
	const int types[] = { RD, WR, RD | USR, WR | USR, FE, FE | USR };
	const __u64 errs[] = { 0, PF_W, PF_U, PF_W | PF_U, PF_I, PF_I | PF_U };
	struct fault_case c[ARRAY_SIZE(np) * ARRAY_SIZE(types) + 2];
	__u64 want[ARRAY_SIZE(c)];
	struct kvmmu_vm_stats st0, st1;
	unsigned int i, j, n = 0, faults;

	map(_metadata, g, root, base, d0, URW);
	map(_metadata, g, root, base + 2 * PG, d1, PTE_RW | PTE_US);
	ASSERT_EQ(0, paging_on(self->vcpu, root, true));

	memset(want, 0, sizeof(want));
	for (i = 0; i < ARRAY_SIZE(np); i++) {
		for (j = 0; j < ARRAY_SIZE(types); j++, n++) {
			c[n].gva = np[i] + j * 8;
			c[n].type = types[j];
			c[n].err = errs[j];
		}
		if (i == 2) {	/* the mapped page, amid the faults */
			c[n].gva = base + 8;
			c[n].type = RD;
			c[n].err = -1;
			want[n++] = val(1, d0 + 8);
			c[n].gva = base + 16;
			c[n].type = WR | USR;
			c[n].err = -1;
			want[n++] = 0x3131;
		}
	}
	st0 = kvmmu_stats(_metadata, self->vm);
	faults = run_cases(_metadata, self->vcpu, c, n, want);
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_EQ(faults, st1.guest_faults - st0.guest_faults);
	EXPECT_EQ(0x3131, kvmmu_peek(gmem(g, d0) + 2));
	EXPECT_EQ(0, untouched(g, &d1, 1, 1));
	/* Nothing was mapped for the faulting gvas. */
	for (i = 0; i < ARRAY_SIZE(np); i++)
		EXPECT_FALSE(xlate(_metadata, self->vcpu, np[i]).flags &
			     KVMMU_TR_PRESENT);
	/* The not-present PTE got neither A nor D. */
	EXPECT_EQ(d1 | PTE_RW | PTE_US, *entry(_metadata, g, root,
					       base + 2 * PG, 1));
}

/*
 * Protection: read-only (at the leaf or above: RW is ANDed over the
 * levels), supervisor-only (at the leaf, PDPTE or PML4E: US is ANDed), and
 * both.  Supervisor writes to read-only pages fault (CR0.WP).  A faulting
 * write changes neither the page nor the leaf's D bit.
 */
TEST_F(sp, fault_protection)
{
	const __u64 ro = REGION(0), ro_pde = REGION(1), sup = REGION(2);
	const __u64 sup_pdpte = REGION(3), sup_pml4e = PML4_GVA(2);
	const __u64 ro_sup = REGION(4), ok = REGION(5);
	const __u64 pages[] = { ro, ro_pde, sup, sup_pdpte, sup_pml4e, ro_sup,
				ok };
	const struct fault_case c[] = {
		{ ro, RD, -1 },
		{ ro + 8, RD | USR, -1 },
		{ ro + 16, WR, PF_P | PF_W },
		{ ro + 24, WR | USR, PF_P | PF_W | PF_U },
		{ ro_pde, RD | USR, -1 },
		{ ro_pde + 8, WR, PF_P | PF_W },
		{ ro_pde + 16, WR | USR, PF_P | PF_W | PF_U },
		{ sup, RD, -1 },
		{ sup + 8, WR, -1 },				/* [8] */
		{ sup + 16, RD | USR, PF_P | PF_U },
		{ sup + 24, WR | USR, PF_P | PF_W | PF_U },
		{ sup + 32, FE | USR, PF_P | PF_U | PF_I },
		{ sup + 40, FE, -1 },
		{ sup_pdpte, RD, -1 },
		{ sup_pdpte + 8, RD | USR, PF_P | PF_U },
		{ sup_pdpte + 16, WR | USR, PF_P | PF_W | PF_U },
		{ sup_pml4e, WR, -1 },				/* [16] */
		{ sup_pml4e + 8, RD | USR, PF_P | PF_U },
		{ ro_sup, RD, -1 },
		{ ro_sup + 8, WR, PF_P | PF_W },
		{ ro_sup + 16, RD | USR, PF_P | PF_U },
		{ ro_sup + 24, WR | USR, PF_P | PF_W | PF_U },
		{ ok, WR | USR, -1 },				/* [22] */
		{ ok + 8, FE | USR, -1 },
		{ ok + 16, FE, -1 },		/* supervisor: no SMEP */
	};
	__u64 want[ARRAY_SIZE(c)], d[ARRAY_SIZE(pages)], *e_ro, root;
	struct guest *g = &self->g;
	struct kvmmu_vm_stats st0, st1;
	unsigned int i, k, faults;

	root = self->root;
	for (i = 0; i < ARRAY_SIZE(d); i++)
		d[i] = data_page(_metadata, g, 1);
	e_ro = map(_metadata, g, root, ro, d[0], PTE_P | PTE_US);
	map(_metadata, g, root, ro_pde, d[1], URW);
	*entry(_metadata, g, root, ro_pde, 2) &= ~PTE_RW;
	map(_metadata, g, root, sup, d[2], PTE_P | PTE_RW);
	map(_metadata, g, root, sup_pdpte, d[3], URW);
	*entry(_metadata, g, root, sup_pdpte, 3) &= ~PTE_US;
	map(_metadata, g, root, sup_pml4e, d[4], URW);
	*entry(_metadata, g, root, sup_pml4e, 4) &= ~PTE_US;
	map(_metadata, g, root, ro_sup, d[5], PTE_P);
	map(_metadata, g, root, ok, d[6], URW);
	ASSERT_EQ(0, paging_on(self->vcpu, root, true));

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		for (k = 0; pages[k] != (c[i].gva & ~(PG - 1)); k++)
			;
		want[i] = (c[i].type & 3) == WR ? 0xe0 + i :
			  val(1, d[k] + (c[i].gva & (PG - 1)));
	}
	st0 = kvmmu_stats(_metadata, self->vm);
	faults = run_cases(_metadata, self->vcpu, c, ARRAY_SIZE(c), want);
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_EQ(faults, st1.guest_faults - st0.guest_faults);

	/* The writes that were allowed, and nothing else. */
	EXPECT_EQ(0xe0 + 8, kvmmu_peek(gmem(g, d[2]) + 1));
	EXPECT_EQ(0xe0 + 16, kvmmu_peek(gmem(g, d[4])));
	EXPECT_EQ(0xe0 + 22, kvmmu_peek(gmem(g, d[6])));
	EXPECT_EQ(0, untouched(g, d, 2, 1));
	EXPECT_EQ(0, untouched(g, &d[3], 1, 1));
	EXPECT_EQ(0, untouched(g, &d[5], 1, 1));
	EXPECT_EQ(d[0] | PTE_P | PTE_US | PTE_A, *e_ro)
		TH_LOG("read-only PTE after reads and faulting writes");
	EXPECT_FALSE(xlate(_metadata, self->vcpu, ro).flags &
		     KVMMU_TR_WRITABLE);
	EXPECT_FALSE(xlate(_metadata, self->vcpu, ro_pde).flags &
		     KVMMU_TR_WRITABLE);
	/* Still the same after the faults. */
	EXPECT_TRUE(kvmmu_rd_is(_metadata, self->vcpu, ro + 16, val(1, d[0] + 16)));
	EXPECT_TRUE(pf_is(_metadata, self->vcpu, WR, ro + 16, PF_P | PF_W));
}

/*
 * XD with EFER.NXE: fetches fault (XD at the leaf, PDE or PML4E: ORed over
 * the levels), reads and writes do not; pages without XD can be fetched.
 */
TEST_F(sp, fault_nx)
{
	const __u64 xd = REGION(0), xd_pde = REGION(1), xd_pml4e = PML4_GVA(3);
	const __u64 ok = REGION(2);
	const __u64 pages[] = { xd, xd_pde, xd_pml4e, ok };
	const struct fault_case c[] = {
		{ xd, FE, PF_P | PF_I },
		{ xd + 8, FE | USR, PF_P | PF_U | PF_I },
		{ xd + 16, RD, -1 },
		{ xd + 24, RD | USR, -1 },
		{ xd + 32, WR, -1 },
		{ xd_pde, FE, PF_P | PF_I },
		{ xd_pde + 8, RD | USR, -1 },
		{ xd_pml4e, FE | USR, PF_P | PF_U | PF_I },
		{ xd_pml4e + 8, RD, -1 },
		{ ok, FE, -1 },
		{ ok + 8, FE | USR, -1 },
	};
	__u64 want[ARRAY_SIZE(c)], d[ARRAY_SIZE(pages)], root;
	struct guest *g = &self->g;
	struct kvmmu_vm_stats st0, st1;
	unsigned int i, k, faults;

	root = self->root;
	for (i = 0; i < ARRAY_SIZE(d); i++)
		d[i] = data_page(_metadata, g, 2);
	map(_metadata, g, root, xd, d[0], URW | PTE_XD);
	map(_metadata, g, root, xd_pde, d[1], URW);
	*entry(_metadata, g, root, xd_pde, 2) |= PTE_XD;
	map(_metadata, g, root, xd_pml4e, d[2], URW);
	*entry(_metadata, g, root, xd_pml4e, 4) |= PTE_XD;
	map(_metadata, g, root, ok, d[3], URW);
	ASSERT_EQ(0, paging_on(self->vcpu, root, true));

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		for (k = 0; pages[k] != (c[i].gva & ~(PG - 1)); k++)
			;
		want[i] = (c[i].type & 3) == WR ? 0x4242 :
			  val(2, d[k] + (c[i].gva & (PG - 1)));
	}
	st0 = kvmmu_stats(_metadata, self->vm);
	faults = run_cases(_metadata, self->vcpu, c, ARRAY_SIZE(c), want);
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_EQ(faults, st1.guest_faults - st0.guest_faults);
	EXPECT_EQ(0x4242, kvmmu_peek(gmem(g, d[0]) + 4));
	EXPECT_FALSE(xlate(_metadata, self->vcpu, xd).flags &
		     KVMMU_TR_EXECUTABLE);
	/* A fetch after the read still faults (the spte is not executable). */
	EXPECT_TRUE(pf_is(_metadata, self->vcpu, FE, xd + 40, PF_P | PF_I));
}

/*
 * Reserved bits: PS in a PML4E, bits 20:13 of a 2 MiB PDE, bits 29:13 of
 * a 1 GiB PDPTE, and XD while EFER.NXE is clear (switched at run time on
 * the same tables: XD pages become faulting and back).
 */
TEST_F(sp, fault_reserved)
{
	struct guest *g = &self->g;
	__u64 root = self->root, d[3];
	const __u64 ps4 = PML4_GVA(5), pde13 = REGION(0);
	const __u64 pde20 = REGION(0) + SZ_2M, pde_ok = REGION(0) + 2 * SZ_2M;
	const __u64 pdpte13 = REGION(1), pdpte29 = REGION(2);
	const __u64 pdpte_ok = REGION(3), xd = REGION(4), xd4 = PML4_GVA(4);
	const __u64 ok = REGION(5);
	struct kvmmu_vm_stats st0, st1;
	unsigned int i, faults = 0;

	for (i = 0; i < ARRAY_SIZE(d); i++)
		d[i] = data_page(_metadata, g, 3);
	fill(g, HUGE_GPA, 4);
	map(_metadata, g, root, ps4, d[0], URW);
	*entry(_metadata, g, root, ps4, 4) |= PTE_PS;
	map_large(_metadata, g, root, pde13, HUGE_GPA, 2, URW | _BITULL(13));
	map_large(_metadata, g, root, pde20, HUGE_GPA, 2, URW | _BITULL(20));
	map_large(_metadata, g, root, pde_ok, HUGE_GPA, 2, URW);
	map_large(_metadata, g, root, pdpte13, 0, 3, URW | _BITULL(13));
	map_large(_metadata, g, root, pdpte29, 0, 3, URW | _BITULL(29));
	map_large(_metadata, g, root, pdpte_ok, 0, 3, URW);
	map(_metadata, g, root, xd, d[1], URW | PTE_XD);
	map(_metadata, g, root, xd4, d[2], URW);
	*entry(_metadata, g, root, xd4, 4) |= PTE_XD;
	map(_metadata, g, root, ok, d[0], URW);
	ASSERT_EQ(0, paging_on(self->vcpu, root, true));

	st0 = kvmmu_stats(_metadata, self->vm);
	faults += pf_is(_metadata, self->vcpu, RD, ps4, PF_P | PF_R);
	faults += pf_is(_metadata, self->vcpu, WR, ps4 + 8, PF_P | PF_R | PF_W);
	faults += pf_is(_metadata, self->vcpu, RD | USR, ps4 + 16,
			PF_P | PF_R | PF_U);
	faults += pf_is(_metadata, self->vcpu, FE, ps4 + 24,
			PF_P | PF_R | PF_I);
	faults += pf_is(_metadata, self->vcpu, RD, pde13, PF_P | PF_R);
	faults += pf_is(_metadata, self->vcpu, WR, pde20 + PG, PF_P | PF_R | PF_W);
	faults += pf_is(_metadata, self->vcpu, RD, pdpte13 + HUGE_GPA,
			PF_P | PF_R);
	faults += pf_is(_metadata, self->vcpu, RD | USR, pdpte29 + d[0],
			PF_P | PF_R | PF_U);
	EXPECT_EQ(8, faults);
	EXPECT_TRUE(page_is(_metadata, self->vcpu, pde_ok, HUGE_GPA, 4));
	EXPECT_TRUE(page_is(_metadata, self->vcpu, pdpte_ok + d[0], d[0], 3));
	EXPECT_TRUE(page_is(_metadata, self->vcpu, xd, d[1], 3));
	EXPECT_TRUE(page_is(_metadata, self->vcpu, xd4, d[2], 3));

	/* NXE off: XD is a reserved bit, and fetches set no FETCH bit. */
	ASSERT_EQ(0, paging_on(self->vcpu, root, false));
	faults += pf_is(_metadata, self->vcpu, RD, xd, PF_P | PF_R);
	faults += pf_is(_metadata, self->vcpu, WR | USR, xd + 8,
			PF_P | PF_R | PF_W | PF_U);
	faults += pf_is(_metadata, self->vcpu, FE, xd + 16, PF_P | PF_R);
	faults += pf_is(_metadata, self->vcpu, RD, xd4, PF_P | PF_R);
	faults += pf_is(_metadata, self->vcpu, FE, REGION(6), 0);
	faults += pf_is(_metadata, self->vcpu, RD, pde13, PF_P | PF_R);
	EXPECT_EQ(14, faults);
	EXPECT_TRUE(page_is(_metadata, self->vcpu, ok, d[0], 3));
	EXPECT_TRUE(kvmmu_acc_ok(_metadata, self->vcpu, FE, ok + 8, val(3, d[0] + 8)));
	EXPECT_TRUE(page_is(_metadata, self->vcpu, pde_ok, HUGE_GPA, 4));

	/* NXE on again: readable, not executable. */
	ASSERT_EQ(0, paging_on(self->vcpu, root, true));
	EXPECT_TRUE(page_is(_metadata, self->vcpu, xd, d[1], 3));
	EXPECT_TRUE(page_is(_metadata, self->vcpu, xd4, d[2], 3));
	faults += pf_is(_metadata, self->vcpu, FE, xd + 16, PF_P | PF_I);
	EXPECT_EQ(15, faults);
	st1 = kvmmu_stats(_metadata, self->vm);
	EXPECT_EQ(15, st1.guest_faults - st0.guest_faults);
	EXPECT_EQ(0, untouched(g, d, 3, 3));
}

/* ------------------------------------------------------------------ */
/* 4. Accessed and dirty bits */

/* The four entries of the walk for @gva; @e[0] is the PTE. */
static void walk_entries(struct __test_metadata *_metadata, struct guest *g,
			 __u64 root, __u64 gva, __u64 **e, int leaf)
{
	int l;

	for (l = 4; l >= leaf; l--)
		e[l - 1] = entry(_metadata, g, root, gva, l);
}

/* A in the entries of levels [leaf, 4]; D exactly on the leaf if @dirty. */
static bool ad_is(struct __test_metadata *_metadata, __u64 **e, int leaf,
		  bool dirty, const char *when)
{
	__u64 want;
	bool ok = true;
	int l;

	for (l = leaf; l <= 4; l++) {
		want = PTE_A | (l == leaf && dirty ? PTE_D : 0);
		if ((*e[l - 1] & (PTE_A | PTE_D)) == want)
			continue;
		TH_LOG("%s: level %d entry %#llx, expected A%s", when, l,
		       (unsigned long long)*e[l - 1],
		       want & PTE_D ? " and D" : ", no D");
		ok = false;
	}
	return ok;
}

/*
 * The walker sets A in every entry it uses and D in the leaf on a write;
 * nothing else in the entries changes.  After the guest clears them (a
 * trapped write) the next access sets them again, also a write after a
 * read.
 */
TEST_F(sp, accessed_dirty)
{
	struct guest *g = &self->g;
	__u64 root = self->root, *e[4], *h[4], pte;
	const __u64 x = REGION(0) + 5 * PG, big = REGION(1) + SZ_2M;
	__u64 d = data_page(_metadata, g, 1);
	int vcpu = self->vcpu, l;

	fill(g, HUGE_GPA, 2);
	map(_metadata, g, root, x, d, URW);
	map_large(_metadata, g, root, big, HUGE_GPA, 2, URW);
	walk_entries(_metadata, g, root, x, e, 1);
	walk_entries(_metadata, g, root, big, h, 2);
	for (l = 0; l < 4; l++)
		ASSERT_FALSE(*e[l] & (PTE_A | PTE_D));
	ASSERT_EQ(0, paging_on(vcpu, root, true));

	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x, val(1, d)));
	EXPECT_TRUE(ad_is(_metadata, e, 1, false, "after a read"));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + 8, 0x11));
	EXPECT_TRUE(ad_is(_metadata, e, 1, true, "after a write"));
	EXPECT_EQ(d | URW | PTE_A | PTE_D, *e[0]);
	EXPECT_TRUE(maps_pfn(_metadata, vcpu, x, hpfn(g, d),
			     KVMMU_TR_WRITABLE | KVMMU_TR_DIRTY));

	/* The guest clears A and D in its PTE: they come back. */
	pte = d | URW;
	ASSERT_EQ(0, guest_set(vcpu, g, e[0], pte));
	EXPECT_EQ(pte, *e[0]);
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x + 8, 0x11));
	EXPECT_EQ(pte | PTE_A, *e[0]) TH_LOG("PTE after clearing A/D and a read");
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + 16, 0x22));
	EXPECT_EQ(pte | PTE_A | PTE_D, *e[0])
		TH_LOG("PTE after clearing A/D, a read and a write");

	/* D alone cleared: the next write sets it. */
	ASSERT_EQ(0, guest_set(vcpu, g, e[0], pte | PTE_A));
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x + 16, 0x22));
	EXPECT_EQ(pte | PTE_A, *e[0]);
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, x + 24, 0x33));
	EXPECT_EQ(pte | PTE_A | PTE_D, *e[0]) TH_LOG("PTE after clearing D and a write");
	EXPECT_EQ(0x33, kvmmu_peek(gmem(g, d) + 3));

	/* A cleared in the PDE: set again by the next walk. */
	ASSERT_EQ(0, guest_set(vcpu, g, e[1], *e[1] & ~PTE_A));
	EXPECT_FALSE(*e[1] & PTE_A);
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, x, val(1, d)));
	EXPECT_TRUE(ad_is(_metadata, e, 1, true, "after clearing the PDE's A"));

	/* A 2 MiB leaf: A and D in the PDE. */
	EXPECT_TRUE(kvmmu_rd_is(_metadata, vcpu, big, val(2, HUGE_GPA)));
	EXPECT_TRUE(ad_is(_metadata, h, 2, false, "2 MiB page after reads"));
	EXPECT_TRUE(kvmmu_wr_ok(_metadata, vcpu, big + 5 * PG, 0x55));
	EXPECT_TRUE(ad_is(_metadata, h, 2, true, "2 MiB page after a write"));
	EXPECT_EQ(0x55, kvmmu_peek(gmem(g, HUGE_GPA + 5 * PG)));
	EXPECT_EQ(HUGE_GPA | URW | PTE_PS | PTE_A | PTE_D, *h[1]);
}
