// SPDX-License-Identifier: GPL-2.0
/*
 * shadow_test (#included by shadow_test.c): several vCPUs reading through
 * guest page tables while another remaps them and the host drops pages
 * (kvmmu_stress).
 */

/* ------------------------------------------------------------------ */
/* 11. Multi-vCPU stress */

#define NR_REMAP	32
#define NR_DROP		16
#define STRESS_MS	3000	/* at least */
#define STRESS_MAX_MS	30000	/* at most, for slow kernels to progress */
#define STRESS_ROUNDS	50	/* per thread, before stopping after STRESS_MS */
#define STRESS_RUNS	5
#define STRESS_REMAPS	500
#define W_STRIDE	(PG + 8)	/* one qword per page, a new one each */
#define W_PAGES		(2 * SZ_2M / PG)

/*
 * Remap slots (0 to NR_REMAP - 1): gva R_GVA + i pages maps a[i] (even
 * generations) or b[i] (odd).  Drop slots (NR_REMAP + j): gva D_GVA + j
 * pages maps q[j], whose first qword the process rewrites after each
 * MADV_DONTNEED.
 */
#define R_GVA		REGION(0)
#define D_GVA		REGION(1)
#define W_GVA		REGION(2)

/*
 * Two vCPU threads read every slot in a loop (one also runs the verified
 * workload through 2 MiB guest pages), while a third vCPU remaps slots by
 * guest PTE writes and the process drops and rewrites pages; every value
 * read is checked.
 */
TEST_F_TIMEOUT(sp, stress, 90)
{
	struct guest *g = &self->g;
	struct kvmmu_stress s;
	struct kvmmu_stress_vcpu *th[2];
	__u64 a[NR_REMAP], b[NR_REMAP], q[NR_DROP];
	__u64 *pte[NR_REMAP];
	unsigned long remaps = 0, drops = 0;
	unsigned int i, j, gen, rnd;
	int vcpu1, vcpu2;

	kvmmu_stress_init(&s, STRESS_MS, STRESS_MAX_MS);
	for (i = 0; i < NR_REMAP; i++) {
		a[i] = data_page(_metadata, g, 1);
		b[i] = data_page(_metadata, g, 2);
		pte[i] = map(_metadata, g, self->root, R_GVA + i * PG, a[i],
			     URW);
		kvmmu_stress_add_read(&s, R_GVA + i * PG + i * 8,
				      kvmmu_stress_add_remap(&s,
							     val(1, a[i] + i * 8),
							     val(2, b[i] + i * 8)));
	}
	for (j = 0; j < NR_DROP; j++) {
		q[j] = data_page(_metadata, g, 0);
		memset(gmem(g, q[j]), 0, PG);
		map(_metadata, g, self->root, D_GVA + j * PG, q[j], URW);
		kvmmu_stress_add_read(&s, D_GVA + j * PG,
				      kvmmu_stress_add_drop(&s, j, gmem(g, q[j])));
	}
	map_large(_metadata, g, self->root, W_GVA, HUGE_GPA + 2 * SZ_2M, 2,
		  URW);
	map_large(_metadata, g, self->root, W_GVA + SZ_2M, HUGE_GPA, 2, URW);

	vcpu1 = kvmmu_create_vcpu(self->vm, 1);
	vcpu2 = kvmmu_create_vcpu(self->vm, 2);
	ASSERT_LE(0, vcpu1);
	ASSERT_LE(0, vcpu2);
	th[0] = kvmmu_stress_add_vcpu(&s, self->vcpu, true, STRESS_ROUNDS);
	th[1] = kvmmu_stress_add_vcpu(&s, vcpu1, true, 2 * STRESS_RUNS);
	th[1]->wl_gpa = W_GVA;
	th[1]->wl_size = W_PAGES * PG;
	th[1]->wl_stride = W_STRIDE;
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, paging_on(th[i]->fd, self->root, true));
	ASSERT_EQ(0, paging_on(vcpu2, self->root, true));
	ASSERT_EQ(0, kvmmu_stress_start(&s));

	while (kvmmu_stress_running(&s, remaps, STRESS_REMAPS)) {
		rnd = kvmmu_stress_rand(&s);
		i = rnd / 65536 % NR_REMAP;
		gen = kvmmu_stress_begin(&s, i);
		EXPECT_EQ(0, guest_set(vcpu2, g, pte[i],
				       (gen % 2 ? b[i] : a[i]) | URW));
		kvmmu_stress_end(&s, i);
		if (++remaps % 2)
			continue;
		EXPECT_EQ(0, kvmmu_stress_drop(&s, NR_REMAP +
					       rnd / 4096 % NR_DROP));
		drops++;
	}
	kvmmu_stress_stop(&s);

	for (i = 0; i < 2; i++) {
		kvmmu_stress_log(_metadata, th[i]);
		EXPECT_EQ(0, th[i]->bad);
		EXPECT_EQ(0, th[i]->run_bad);
		EXPECT_LE(STRESS_RUNS, th[i]->rounds);
		EXPECT_LT(0, th[i]->checked);
	}
	EXPECT_LE(STRESS_RUNS, th[1]->runs);
	EXPECT_LE(STRESS_RUNS * 10, remaps);
	TH_LOG("%lu remaps, %lu drops in %ld ms", remaps, drops,
	       kvmmu_ms_since(&s.t0));

	/* At rest, everything is exact. */
	th[0]->bad = 0;
	th[0]->loose = 0;
	kvmmu_stress_round(th[0]);
	EXPECT_EQ(0, th[0]->bad);
	EXPECT_EQ(0, th[0]->loose);
	for (i = 0; i < NR_REMAP; i++)
		EXPECT_EQ((kvmmu_stress_gen(&s, i) % 2 ? b[i] : a[i]) | URW,
			  *pte[i] & ~(PTE_A | PTE_D));
	close(vcpu1);
	close(vcpu2);
}
