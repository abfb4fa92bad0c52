/*
 * lifecycle: `runeval lifecycle --daytona [--snapshot S] [--image I]
 * [--target T] [--json]`, one sandbox's whole life through a provider,
 * each step timed: create (and wait until started), upload (a small
 * tar.gz, checked and unpacked), exec (read back what was uploaded),
 * preview (URL and token of a port), destroy (confirmed).
 *
 * A quick check of credentials and provider, and the C side of the
 * client benchmark (scripts/bench/daytona.sh): with --json it prints one
 * span line per step ({"provider","phase","ms","ok"}), which the
 * reporter reads.
 */
#ifndef RUNEVAL_ORCHESTRATOR_LIFECYCLE_H
#define RUNEVAL_ORCHESTRATOR_LIFECYCLE_H

/* argv[0] is "lifecycle".  Returns the exit code (0, 2 usage, 3 failed). */
int lifecycle_main(int argc, char **argv);

#endif
