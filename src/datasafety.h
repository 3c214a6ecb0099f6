/*
 * datasafety.h
 *		Restores, the DROP EXTENSION guard and the library/SQL version check.
 */
#ifndef DATASAFETY_H
#define DATASAFETY_H

#include "fmgr.h"

/* The release this library was built for (the control file's default_version). */
#define HM_LIBRARY_VERSION HM_EXTVERSION

/*
 * Declares a function callable from SQL, in place of PG_FUNCTION_INFO_V1.
 * The exported symbol first makes sure that the installed SQL objects are of
 * this library's release, before anything reads an argument the SQL
 * declaration may not pass, then runs the function's body, defined as
 * static Datum name_body(PG_FUNCTION_ARGS).
 */
#define HM_FUNCTION(name) \
	static Datum name##_body(PG_FUNCTION_ARGS); \
	PG_FUNCTION_INFO_V1(name); \
	Datum \
	name(PG_FUNCTION_ARGS) \
	{ \
		hm_require_installed_version(); \
		return name##_body(fcinfo); \
	} \
	extern int no_such_variable

extern void DataSafetyInit(void);
extern bool hm_loading_copied_rows(void);
extern bool hm_installed_version_matches(void);
extern void hm_require_installed_version(void);

#endif							/* DATASAFETY_H */
