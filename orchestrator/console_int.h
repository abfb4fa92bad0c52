/*
 * console_int: what the two halves of the console share (console.c, the
 * progress; console_report.c, the final report).  Not for other modules.
 */
#ifndef RUNEVAL_ORCHESTRATOR_CONSOLE_INT_H
#define RUNEVAL_ORCHESTRATOR_CONSOLE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct cli_options;
struct rollout;

struct console {
	const struct cli_options *opt;
	FILE *out;
	bool tty, progress, line_shown;
	size_t total, done;
	size_t failed, pipeline;	/* transport failures, pipeline ones */
	size_t completed;		/* with a reward */
	double reward_sum;		/* of the completed (|r| <= 1e9 each) */
	uint64_t start_ns, last_draw_ns;
	size_t last_plain_done;
	/* bring-up */
	unsigned char *sb;	/* enum console_sb per slot, or NULL */
	unsigned n_sb;
	bool rolling;		/* the rollouts have begun */
	char last_up[96];	/* the last bring-up line drawn */
};

/* "seed 3", or "seed 3 (epoch 2)" when the job runs epochs. */
void console_seed_name(const struct console *c, const struct rollout *r,
		       char *buf, size_t size);

#endif
