/*
 * datasafety.h
 *		Restores, the DROP EXTENSION guard and the library/SQL version check.
 */
#ifndef DATASAFETY_H
#define DATASAFETY_H

/* The release this library was built for (the control file's default_version). */
#define HM_LIBRARY_VERSION HM_EXTVERSION

extern bool hm_loading_copied_rows(void);
extern bool hm_installed_version_matches(void);

#endif							/* DATASAFETY_H */
