/* rv_phase: the phase table (see rv_phase.h). */
#include "rv_phase.h"

#include "rv_err.h"

#include <string.h>

static const struct {
	const char *name;
	const char *colour;
} rv_phases[RV_PHASE_COUNT] = {
#define RV_PHASE_ROW_(id, name, colour) [RV_PHASE_##id] = { name, colour },
	RV_PHASE_MAP(RV_PHASE_ROW_)
#undef RV_PHASE_ROW_
};

const char *rv_phase_name(enum rv_phase p)
{
	if (p < 0 || p >= RV_PHASE_COUNT)
		rv_bug("rv_phase_name: no phase %d", (int)p);
	return rv_phases[p].name;
}

const char *rv_phase_colour(enum rv_phase p)
{
	if (p < 0 || p >= RV_PHASE_COUNT)
		rv_bug("rv_phase_colour: no phase %d", (int)p);
	return rv_phases[p].colour;
}

enum rv_phase rv_phase_find(const char *name)
{
	for (int p = 0; name && p < RV_PHASE_COUNT; p++)
		if (!strcmp(rv_phases[p].name, name))
			return (enum rv_phase)p;
	return RV_PHASE_NONE;
}
