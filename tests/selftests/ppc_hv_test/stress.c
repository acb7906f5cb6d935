// SPDX-License-Identifier: GPL-2.0
/*
 * ppc_hv_test (#included by ppc_hv_test.c): vCPUs reading through their
 * HPTEs and one running the workload in real mode, while the main thread
 * remaps by hcalls and the host drops, migrates and ages pages
 * (kvmmu_stress).
 */

/* ------------------------------------------------------------------ */
/* 4. Multi-vCPU stress */

#define NR_REMAP	16
#define NR_DROP		16
#define STRESS_MS	3000
#define STRESS_MAX_MS	30000
#define STRESS_ROUNDS	50
#define STRESS_REMAPS	400
#define W_GRA		0x800000ULL	/* the real-mode workload's 1 MiB */
#define W_SIZE		0x100000ULL
#define W_STRIDE	(PG + 8)

/*
 * Remap slots (0 to NR_REMAP - 1): EA R(i) maps a[i] (even generations)
 * or b[i] (odd), by H_REMOVE + H_ENTER from the main thread.  Drop slots
 * (NR_REMAP + j): EAs D(j) and D2(j) map q[j], whose first qword the
 * process rewrites after each MADV_DONTNEED.
 */
#define R_EA(i)		(SEG(1) + ((0x10ULL + (i)) << 12))
#define D_EA(j)		(SEG(2) + ((0x40ULL + (j)) << 12))
#define D2_EA(j)	(SEG(3) + ((0x80ULL + (j)) << 12))

/*
 * Two vCPUs read every slot through their EAs, a third runs the verified
 * workload in real mode, while the main thread remaps slots by hcalls on
 * a fourth vCPU, drops and rewrites pages, migrates workload pages (when
 * there are two nodes) and ages everything through page_idle.
 */
TEST_F_TIMEOUT(hv, stress, 90)
{
	struct guest *g = &self->g;
	struct kvmmu_stress s;
	struct kvmmu_stress_vcpu *th[3];
	__u64 a[NR_REMAP], b[NR_REMAP], q[NR_DROP];
	__u64 idx[NR_REMAP], pfn;
	unsigned long remaps = 0, drops = 0, moves = 0;
	unsigned int i, j, gen, rnd;
	int ctl, idle_fd, fd;
	bool numa = kvmmu_nr_nodes() > 1;

	kvmmu_stress_init(&s, STRESS_MS, STRESS_MAX_MS);
	/* Between H_REMOVE and H_ENTER, a remapped EA has no HPTE. */
	s.loose_fault = true;
	s.loose_result = PF;
	s.loose_data = DSISR_NOHPTE;
	ctl = kvmmu_create_vcpu(self->vm, 3);
	ASSERT_LE(0, ctl);
	for (i = 0; i < NR_REMAP; i++) {
		a[i] = data_page(_metadata, g, 1);
		b[i] = data_page(_metadata, g, 2);
		idx[i] = map_ea(_metadata, ctl, 18, R_EA(i), a[i], PP_RW_RW, 0);
		kvmmu_stress_add_remap(&s, val(1, a[i] + i * 8),
				       val(2, b[i] + i * 8));
		kvmmu_stress_add_read(&s, R_EA(i) + i * 8, i);
	}
	for (j = 0; j < NR_DROP; j++) {
		q[j] = data_page(_metadata, g, 0);
		memset(gmem(g, q[j]), 0, PG);
		kvmmu_stress_add_drop(&s, j, gmem(g, q[j]));
		map_ea(_metadata, ctl, 18, D_EA(j), q[j], PP_RW_RW, 0);
		map_ea(_metadata, ctl, 18, D2_EA(j), q[j], PP_RW_RW, 0);
		kvmmu_stress_add_read(&s, D_EA(j), NR_REMAP + j);
	}
	for (j = 0; j < NR_DROP; j++)
		kvmmu_stress_add_read(&s, D2_EA(j), NR_REMAP + j);
	idle_fd = open(KVMMU_PAGE_IDLE, O_RDWR | O_CLOEXEC);

	for (i = 0; i < 3; i++) {
		fd = i ? kvmmu_create_vcpu(self->vm, i) : self->vcpu;
		ASSERT_LE(0, fd);
		th[i] = kvmmu_stress_add_vcpu(&s, fd, i < 2,
					      i == 0 ? STRESS_ROUNDS :
					      i == 2 ? 10 : 0);
		ASSERT_EQ(0, set_msr(fd, i == 2 ? 0 : MSR_DR));
	}
	/* Real mode: every access through the VRMA. */
	th[2]->wl_gpa = W_GRA;
	th[2]->wl_size = W_SIZE;
	th[2]->wl_stride = W_STRIDE;
	ASSERT_EQ(0, kvmmu_stress_start(&s));

	while (kvmmu_stress_running(&s, remaps, STRESS_REMAPS)) {
		rnd = kvmmu_stress_rand(&s);
		i = rnd / 65536 % NR_REMAP;
		gen = kvmmu_stress_begin(&s, i);
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS, h_remove(ctl, idx[i], NULL));
		EXPECT_EQ(KVMMU_PPC_H_SUCCESS,
			  h_enter(ctl, H_EXACT, idx[i],
				  hpte_v(R_EA(i), idx[i] / 8 !=
					 pteg_of(R_EA(i), 18, false) / 8),
				  hpte_r(gen % 2 ? b[i] : a[i], PP_RW_RW),
				  NULL));
		kvmmu_stress_end(&s, i);
		if (++remaps % 2)
			continue;
		j = rnd / 4096 % NR_DROP;
		EXPECT_EQ(0, kvmmu_stress_drop(&s, NR_REMAP + j));
		drops++;
		if (numa && remaps % 16 == 0)
			moves += kvmmu_migrate_page(g->ram + W_GRA +
						    rnd / 256 % (W_SIZE / PG) * PG);
		if (idle_fd >= 0 && remaps % 64 == 0) {
			pfn = hpfn(g, q[j]);
			if (pfn)
				kvmmu_idle_mark(idle_fd, &pfn, 1);
			pfn = hpfn(g, W_GRA);
			if (pfn)
				kvmmu_idle_mark(idle_fd, &pfn, 1);
		}
	}
	kvmmu_stress_stop(&s);

	for (i = 0; i < 3; i++) {
		kvmmu_stress_log(_metadata, th[i]);
		EXPECT_EQ(0, th[i]->bad);
		EXPECT_EQ(0, th[i]->run_bad);
	}
	EXPECT_LE(10, th[0]->rounds);
	EXPECT_LE(10, th[1]->rounds);
	EXPECT_LT(0, th[0]->checked + th[1]->checked);
	EXPECT_LE(3, th[2]->runs);
	EXPECT_LE(100, remaps);
	TH_LOG("%lu remaps, %lu drops, %lu migrations in %ld ms", remaps,
	       drops, moves, kvmmu_ms_since(&s.t0));

	/* At rest, everything is exact. */
	th[0]->bad = 0;
	th[0]->loose = 0;
	kvmmu_stress_round(th[0]);
	EXPECT_EQ(0, th[0]->bad);
	EXPECT_EQ(0, th[0]->loose);
	if (idle_fd >= 0)
		close(idle_fd);
	close(th[1]->fd);
	close(th[2]->fd);
	close(ctl);
}
