/* SPDX-License-Identifier: MIT */
/* What the commands share: usage errors, the targets selected, loading a
 * spec and the templates, presets, and the summary line. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "spec.h"
#include "xalloc.h"

int
usage(const struct opts *o, const char *fmt, ...)
{
	va_list ap;

	fputs("mailconf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	/* One line, and where to look: the whole usage would bury it. */
	if (o->command != NULL)
		fprintf(stderr, "see 'mailconf %s --help'\n", o->command);
	else
		fputs("see 'mailconf --help'\n", stderr);
	return EXIT_USAGE;
}

void
diag_setup(const struct opts *o, struct diag *d)
{
	d->strict = o->strict;
	d->off = o->wno;
	d->format = o->diagnostics == NULL                  ? DIAG_TEXT
	            : strcmp(o->diagnostics, "json") == 0   ? DIAG_JSON
	            : strcmp(o->diagnostics, "sarif") == 0  ? DIAG_SARIF
	            : strcmp(o->diagnostics, "github") == 0 ? DIAG_GITHUB
	                                                    : DIAG_TEXT;
}

/* named says whether target t was named with --target. */
bool
named(const struct opts *o, const struct target *t)
{
	const char *p = o->targets;
	size_t n = strlen(t->name);

	while (p != NULL && *p != '\0') {
		size_t len = strcspn(p, ",");

		if (len == n && strncmp(p, t->name, n) == 0)
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

/* wanted says whether target t is rendered: the named ones, or all, but
 * a file for one person only when the person is known. */
bool
wanted(const struct opts *o, const struct target *t)
{
	if (o->targets != NULL)
		return named(o, t);
	if (strcmp(o->command, "install") == 0)
		return t->install != NULL;
	return !t->per_user || o->user.email != NULL || o->users != NULL;
}

int
check_targets(const struct opts *o)
{
	const char *p = o->targets;

	while (p != NULL && *p != '\0') {
		size_t len = strcspn(p, ",");
		char *name = xstrndup(p, len);
		const struct target *t = target_find(name);
		int rc = 0;

		if (t == NULL)
			rc = usage(o,
			           "unknown target \"%s\" (mailconf list "
			           "shows them)",
			           name);
		else if (t->per_user && o->user.email == NULL &&
		         o->users == NULL)
			rc = usage(o,
			           "target %s is for one person: give their "
			           "address with --email",
			           name);
		free(name);
		if (rc != 0)
			return rc;
		p += len + (p[len] == ',');
	}
	return 0;
}

/* load_templates loads the template of every wanted target: in --lang,
 * or in every language for a users file, whose rows may name their own. */
struct tset *
load_templates(const struct opts *o, struct diag *d, size_t *nwanted)
{
	struct tset *v = tset_new();

	for (size_t i = 0; targets[i].name != NULL; i++) {
		const struct target *t = &targets[i];

		if (!wanted(o, t))
			continue;
		if (nwanted != NULL)
			(*nwanted)++;
		tset_load(
		    v, t, o->templates_dir,
		    o->users == NULL
		        ? (o->user.lang != NULL ? o->user.lang : view_langs[0])
		        : NULL,
		    d);
	}
	return v;
}

/* load_model reads one spec (or the preset alone) and checks it. */
struct model *
load_model(const struct opts *o, const char *spec, char *const *known,
           struct diag *d)
{
	struct source *src;
	struct model *m;
	char *path = NULL;

	if (spec == NULL) {
		path = spec_preset_path(o->presets_dir, o->preset);
		if (path == NULL) {
			spec_unknown_preset(o->presets_dir, o->preset, NULL, d);
			return NULL;
		}
		spec = path;
	}
	src =
	    spec_load(spec, path == NULL ? o->preset : NULL, o->presets_dir, d);
	free(path);
	m = src != NULL ? model_check(src, (const char *const *)known, d)
	                : NULL;
	return m;
}

int
check_modes(const struct opts *o)
{
	if (o->check && o->dry_run)
		return usage(o,
		             "--check and --dry-run are two modes: give one");
	if (o->diff && !o->check && !o->dry_run)
		return usage(o, "--diff goes with --check or --dry-run");
	return 0;
}

bool
to_stdout(const struct opts *o)
{
	return o->out_file != NULL && strcmp(o->out_file, "-") == 0;
}

/* The run's summary line waits for the diagnostics: it is the last word. */
static struct buf summary = BUF_INIT;

void
say(const char *fmt, ...)
{
	va_list ap;
	char line[512];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	buf_puts(&summary, line);
}

int
finish(struct diag *d, int rc)
{
	diag_flush(d, stderr);
	/* A machine format is one document on standard error: no text
	 * after it. */
	if (d->format == DIAG_TEXT && summary.len > 0 &&
	    fputs(buf_cstr(&summary), stderr) == EOF)
		rc = EXIT_USAGE;
	buf_free(&summary);
	if (rc == 0)
		rc = diag_exit_status(d);
	diag_free(d);
	return rc;
}

/* preset_quietly loads preset name for a listing or a lookup: its
 * problems are for `mailconf check`, so NULL says only that it has some. */
struct model *
preset_quietly(const struct opts *o, const char *name)
{
	struct diag quiet = DIAG_INIT;
	char *path = xasprintf("%s/%s.ini", o->presets_dir, name);
	struct source *src = spec_load(path, NULL, o->presets_dir, &quiet);
	struct model *m = src != NULL ? model_build(src, &quiet) : NULL;

	diag_free(&quiet);
	free(path);
	return m;
}

/* preset_for_email finds the preset serving the domain of email: its
 * name (owned), or NULL. */
char *
preset_for_email(const struct opts *o, const char *email)
{
	const char *domain = strrchr(email, '@');
	char **names = spec_preset_names(o->presets_dir);
	char *found = NULL;

	for (size_t i = 0; domain != NULL && names[i] != NULL && !found; i++) {
		struct model *m = preset_quietly(o, names[i]);

		for (size_t k = 0; m != NULL && k < m->ndomains && !found; k++)
			if (strcasecmp(m->domains[k], domain + 1) == 0)
				found = xstrdup(names[i]);
		model_free(m);
	}
	spec_free_names(names);
	return found;
}
