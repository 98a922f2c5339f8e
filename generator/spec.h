/* SPDX-License-Identifier: MIT */
/* INI spec (+ the preset it names) -> source entries with their locations. */
#ifndef MAILCONF_SPEC_H
#define MAILCONF_SPEC_H

#include <stdbool.h>

#include "diag.h"
#include "model.h"

/* spec_load reads the INI file at path and, when its [provider] names a
 * preset (or preset is not NULL: a preset named on the command line),
 * that preset from presets_dir first, the spec's keys replacing the
 * preset's. Every problem is reported to d; NULL when there was an
 * error. The result is owned by the caller (model_build takes it). */
struct source *spec_load(const char *path, const char *preset,
                         const char *presets_dir, struct diag *d);
/* spec_load_lean is spec_load for a spec too large to hold (a hoster's
 * 100,000 domains): the values of [section] key and of its key.NAME
 * continuations stay in the file, their entries' value NULL, and the
 * source's reread reads one back. It reads the file a line at a time and
 * hands it to iniparser a piece at a time, so memory does not grow with
 * the lists. A file that cannot be read twice (a pipe) keeps its values.
 */
struct source *spec_load_lean(const char *path, const char *preset,
                              const char *presets_dir, const char *section,
                              const char *key, struct diag *d);
/* spec_unknown_preset reports that no preset is named name, suggesting
 * the nearest one; at may be NULL. */
void spec_unknown_preset(const char *presets_dir, const char *name,
                         const struct loc *at, struct diag *d);
/* spec_preset_name_ok says whether name may name a preset file: lower-case
 * letters, digits, "-", "_" and ".", not starting with "." (no paths). */
bool spec_preset_name_ok(const char *name);
/* spec_preset_path returns presets_dir/name.ini (owned) when name is a
 * valid preset name and the file exists, else NULL. */
char *spec_preset_path(const char *presets_dir, const char *name);
/* spec_preset_names lists the presets in presets_dir, sorted, as a
 * NULL-terminated owned array; free with spec_free_names. */
char **spec_preset_names(const char *presets_dir);
/* spec_ini_files lists the *.ini files in dir (not hidden ones), sorted,
 * as a NULL-terminated owned array of names; free with spec_free_names. */
char **spec_ini_files(const char *dir);
/* spec_known_hosts returns the host of every server of every preset as a
 * NULL-terminated array of pairs (host, preset name); free with
 * spec_free_names. Unreadable presets are skipped. */
char **spec_known_hosts(const char *presets_dir);
void spec_free_names(char **names);

#endif
