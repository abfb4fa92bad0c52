/*
 * rv_num: numbers as people write them on a command line or in a rule:
 * decimal only.  strtod(3) also reads hexadecimal ("0x10" is 16),
 * "inf", "nan" and leading blanks, none of which a user writing
 * --pass-threshold or a gate limit means.
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_NUM_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_NUM_H

/*
 * strtod(3) for decimal text: an optional sign, then a digit or a '.'
 * (then strtod's decimal grammar, exponent included).  Anything else
 * converts nothing: returns 0 with *end = (char *)s, as strtod does
 * for text that is not a number.  errno as strtod sets it (ERANGE).
 */
double rv_strtod(const char *s, char **end);

#endif
