/*
 * e2b-lite: a server that speaks E2B's API on this machine, and (as
 * "e2b-lite envd") the daemon inside each of its sandboxes.
 */
#include "e2b_lite.h"
#include "envd.h"
#include "lite.h"

#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "envd"))
		return envd_main(argc - 1, argv + 1);
	return lite_main(&e2b_lite_face, &e2b_lite_spec, argc, argv);
}
