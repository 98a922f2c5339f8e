/* SPDX-License-Identifier: MIT */
/* mailconf: options, then the pipeline spec -> model -> per target: template +
 * escaper -> buffer -> check -> file. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "model.h"
#include "output.h"
#include "spec.h"
#include "target.h"
#include "template.h"
#include "view.h"
#include "xalloc.h"
#include "xml_check.h"

#ifndef DATADIR
#define DATADIR "."
#endif
#ifndef VERSION
#define VERSION "0.1.0"
#endif

#define EXIT_USAGE 2

struct opts {
	const char *command;
	const char **specs;
	size_t nspecs;
	const char *preset;
	const char *targets; /* comma-separated, NULL: all */
	const char *out_dir;
	const char *out_file; /* "-": standard output */
	const char *templates_dir;
	const char *presets_dir;
	bool strict;
	bool force;
	bool quiet;
};

static const char usage_text[] =
    "usage: mailconf generate [SPEC] [--preset NAME] [--target T,...]\n"
    "                         (--out DIR | -o FILE | -o -) [--force]\n"
    "       mailconf check [--strict] [SPEC...] [--preset NAME]\n"
    "       mailconf list\n"
    "options:\n"
    "  --preset NAME     start from presets/NAME.ini (alone: use it as is)\n"
    "  -t, --target LIST targets to render (default: all; see list)\n"
    "  --out DIR         write each target's file into DIR\n"
    "  -o FILE, -o -     write the one selected target to FILE or stdout\n"
    "  --force           replace files mailconf did not write\n"
    "  --strict          treat warnings as errors\n"
    "  --templates DIR   use the templates in DIR\n"
    "  --presets DIR     look presets up in DIR\n"
    "  -q, --quiet       no summary line\n"
    "exit status: 0 ok (warnings allowed); 1 errors in the input (spec,\n"
    "preset, template, also when unreadable) or a failed output check,\n"
    "nothing written; 2 usage error, or writing the output failed\n";

static int usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
usage(const char *fmt, ...)
{
	va_list ap;

	if (fmt != NULL) {
		fputs("mailconf: ", stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputs("\n", stderr);
	}
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

/* take_value handles "--opt VALUE" and "--opt=VALUE". */
static const char *
take_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (strcmp(argv[*i], name) != 0)
		return NULL;
	if (*i + 1 >= argc)
		return "";
	return argv[++*i];
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	o->specs = xcalloc((size_t)argc, sizeof(*o->specs));
	o->templates_dir = DATADIR "/templates";
	o->presets_dir = DATADIR "/presets";
	if (argc < 2)
		return usage(NULL);
	o->command = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v;
		struct {
			const char *name;
			const char **dst;
		} valued[] = {
		    {"--preset", &o->preset},
		    {"--target", &o->targets},
		    {"-t", &o->targets},
		    {"--out", &o->out_dir},
		    {"-o", &o->out_file},
		    {"--output", &o->out_file},
		    {"--templates", &o->templates_dir},
		    {"--presets", &o->presets_dir},
		};
		bool done = false;

		for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]);
		     k++) {
			v = take_value(argc, argv, &i, valued[k].name);
			if (v == NULL)
				continue;
			/* "--out --force" is a forgotten value, not a directory
			 * named "--force". */
			if (*v == '\0' || (v[0] == '-' && v[1] != '\0'))
				return usage("option %s needs a value",
				             valued[k].name);
			*valued[k].dst = v;
			done = true;
			break;
		}
		if (done)
			continue;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			o->command = "--help";
			return 0;
		}
		if (strcmp(a, "--strict") == 0)
			o->strict = true;
		else if (strcmp(a, "--force") == 0)
			o->force = true;
		else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
			o->quiet = true;
		else if (a[0] == '-' && a[1] != '\0')
			return usage("unknown option %s", a);
		else
			o->specs[o->nspecs++] = a;
	}
	return 0;
}

/* wanted says whether target t was asked for (all when none named). */
static bool
wanted(const struct opts *o, const struct target *t)
{
	const char *p = o->targets;
	size_t n = strlen(t->name);

	if (p == NULL)
		return true;
	while (*p != '\0') {
		size_t len = strcspn(p, ",");

		if (len == n && strncmp(p, t->name, n) == 0)
			return true;
		p += len + (p[len] == ',');
	}
	return false;
}

static int
check_targets(const struct opts *o)
{
	const char *p = o->targets;

	while (p != NULL && *p != '\0') {
		size_t len = strcspn(p, ",");
		char *name = xstrndup(p, len);
		bool ok = target_find(name) != NULL;

		if (!ok) {
			int rc = usage("unknown target \"%s\" (mailconf list "
			               "shows them)",
			               name);

			free(name);
			return rc;
		}
		free(name);
		p += len + (p[len] == ',');
	}
	return 0;
}

/* load_template reads and checks the template of t; NULL on error. */
static struct tmpl *
load_template(const struct opts *o, const struct target *t, struct diag *d)
{
	char *path = xasprintf("%s/%s", o->templates_dir, t->template);
	FILE *f = fopen(path, "rb");
	struct buf text = BUF_INIT;
	struct tmpl *tp = NULL;
	char chunk[8192];
	size_t n;

	if (f == NULL) {
		diag_error(d, NULL, "cannot open template %s: %s", path,
		           strerror(errno));
		free(path);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&text, chunk, n);
	if (ferror(f))
		diag_error(d, NULL, "cannot read template %s", path);
	else
		tp =
		    tmpl_parse(buf_cstr(&text), text.len, path, view_schema, d);
	fclose(f);
	buf_free(&text);
	free(path);
	return tp;
}

/* load_model reads one spec (or the preset alone) and checks it. */
static struct model *
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
	m = src != NULL ? model_build(src, d) : NULL;
	if (m != NULL)
		model_lint(m, (const char *const *)known, d);
	return m;
}

/* render renders every wanted target of m into the plan. */
static void
render(const struct opts *o, const struct model *m, struct tmpl **tmpls,
       struct plan *plan, struct diag *d)
{
	struct object *view = view_build(m);

	for (size_t i = 0; targets[i].name != NULL; i++) {
		const struct target *t = &targets[i];
		struct buf b = BUF_INIT;
		char *path;

		if (tmpls[i] == NULL)
			continue;
		tmpl_render(tmpls[i], view, t->escape, &b);
		if (t->check != NULL && !t->check(t->name, b.data, b.len, d)) {
			buf_free(&b);
			continue;
		}
		if (o->out_file != NULL)
			path = xstrdup(o->out_file);
		else
			path = xasprintf("%s/%s",
			                 o->out_dir != NULL ? o->out_dir : ".",
			                 t->output);
		plan_add(plan, path, &b, t->mode);
		free(path);
	}
	object_free(view);
}

static int
finish(struct diag *d, int rc)
{
	diag_flush(d, stderr);
	if (rc == 0)
		rc = diag_exit_status(d);
	diag_free(d);
	return rc;
}

static int
cmd_generate_or_check(const struct opts *o, bool generate)
{
	struct diag d = DIAG_INIT;
	struct tmpl **tmpls;
	struct plan plan = PLAN_INIT;
	char **known;
	size_t nwanted = 0;
	int rc = check_targets(o);

	if (rc != 0)
		return rc;
	if (o->nspecs == 0 && o->preset == NULL)
		return usage("%s needs a SPEC file or --preset NAME",
		             o->command);
	if (generate && o->nspecs > 1)
		return usage("generate takes one SPEC");
	if (generate && (o->out_dir == NULL) == (o->out_file == NULL))
		return usage("generate needs --out DIR, or -o FILE for one "
		             "target");
	d.strict = o->strict;
	d.no_notes = generate;
	tmpls = xcalloc(target_count(), sizeof(*tmpls));
	for (size_t i = 0; targets[i].name != NULL; i++)
		if (wanted(o, &targets[i])) {
			tmpls[i] = load_template(o, &targets[i], &d);
			nwanted++;
		}
	if (o->out_file != NULL && nwanted != 1) {
		rc = usage("-o writes one target: choose it with --target");
		goto out;
	}
	known = spec_known_hosts(o->presets_dir);
	for (size_t i = 0; i < (o->nspecs > 0 ? o->nspecs : 1); i++) {
		struct model *m = load_model(
		    o, o->nspecs > 0 ? o->specs[i] : NULL, known, &d);

		if (m != NULL && d.errors == 0)
			render(o, m, tmpls, &plan, &d);
		model_free(m);
	}
	spec_free_names(known);
	if (!generate || d.errors > 0)
		goto out;
	if (o->out_file != NULL && strcmp(o->out_file, "-") == 0) {
		const struct buf *b = &plan.files[0].data;

		if (fwrite(buf_cstr(b), 1, b->len, stdout) != b->len ||
		    fflush(stdout) != 0) {
			diag_error(&d, NULL, "cannot write to standard output");
			rc = EXIT_USAGE;
		}
	} else if (plan_check(&plan, o->force, &d)) {
		int written = 0, unchanged = 0;

		if (!plan_write(&plan, &d, &written, &unchanged))
			rc = EXIT_USAGE;
		else if (!o->quiet)
			fprintf(stderr, "mailconf: %d written, %d unchanged\n",
			        written, unchanged);
	}
out:
	for (size_t i = 0; targets[i].name != NULL; i++)
		tmpl_free(tmpls[i]);
	free(tmpls);
	plan_free(&plan);
	return finish(&d, rc);
}

static int
cmd_list(const struct opts *o)
{
	char **names = spec_preset_names(o->presets_dir);

	printf("targets:\n");
	for (const struct target *t = targets; t->name != NULL; t++)
		printf("  %-12s %-18s %s\n", t->name, t->output, t->help);
	printf("presets (%s):\n", o->presets_dir);
	for (size_t i = 0; names[i] != NULL; i++) {
		struct diag quiet = DIAG_INIT;
		char *path = xasprintf("%s/%s.ini", o->presets_dir, names[i]);
		struct source *src =
		    spec_load(path, NULL, o->presets_dir, &quiet);
		struct model *m = src != NULL ? model_build(src, &quiet) : NULL;

		if (m != NULL) {
			printf("  %-12s %s:", names[i], m->name);
			for (size_t k = 0; k < m->ndomains; k++)
				printf(" %s", m->domains[k]);
			printf("\n");
		} else
			printf("  %-12s (has errors: mailconf check %s)\n",
			       names[i], path);
		model_free(m);
		diag_free(&quiet);
		free(path);
	}
	spec_free_names(names);
	return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	struct opts o = {0};
	int rc = parse_args(argc, argv, &o);

	if (rc != 0 || o.command == NULL) {
		free(o.specs);
		return rc != 0 ? rc : EXIT_USAGE;
	}
	if (strcmp(o.command, "generate") == 0)
		rc = cmd_generate_or_check(&o, true);
	else if (strcmp(o.command, "check") == 0)
		rc = cmd_generate_or_check(&o, false);
	else if (strcmp(o.command, "list") == 0)
		rc = cmd_list(&o);
	else if (strcmp(o.command, "--help") == 0 ||
	         strcmp(o.command, "help") == 0 ||
	         strcmp(o.command, "-h") == 0) {
		fputs(usage_text, stdout);
		rc = 0;
	} else if (strcmp(o.command, "--version") == 0) {
		printf("mailconf %s\n", VERSION);
		rc = 0;
	} else
		rc = usage("unknown command \"%s\"", o.command);
	free(o.specs);
	xml_cleanup();
	return rc;
}
