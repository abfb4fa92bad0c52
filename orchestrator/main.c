/* runeval: the eval orchestrator (command line entry point). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("runeval %s\n", RUNEVAL_VERSION);
		return 0;
	}
	printf("usage: runeval --local [options]\n");
	return argc > 1 && strcmp(argv[1], "--help") ? 2 : 0;
}
