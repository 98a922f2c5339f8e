/* SPDX-License-Identifier: MIT */
/* mailconf: options, then the pipeline spec -> model -> per target: template +
 * escaper -> buffer -> check -> file. */
/* realpath(3) is XSI. */
#define _XOPEN_SOURCE 700

#include <sys/stat.h>

#include <errno.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "diag.h"
#include "diff.h"
#include "escape.h"
#include "import.h"
#include "input.h"
#include "model.h"
#include "output.h"
#include "site.h"
#include "spec.h"
#include "target.h"
#include "text.h"
#include "template.h"
#include "users.h"
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
	const char *password_env;
	const char *users;     /* CSV file: one set of files per person */
	const char *home;      /* install: the home directory */
	bool keep_going;       /* users: write the good rows despite bad ones */
	bool dry_run;          /* install: show the diff, write nothing */
	const char *layout;    /* site: "tree" or "shared" */
	const char *web_host;  /* site: the host serving the tree */
	const char *listen;    /* site: nginx's listen address */
	bool apple;            /* site: also the Apple profile */
	bool verify;           /* site: compare what the manifest vouches for */
	struct view_opts user; /* the person, for per-user targets */
	struct finish_opts finish; /* signing */
	bool strict;
	bool force;
	bool quiet;
};

static const char usage_text[] =
    "usage: mailconf generate [SPEC] [--preset NAME] [--target T,...]\n"
    "                         (--out DIR | -o FILE | -o -) [--force]\n"
    "       mailconf check [--strict] [SPEC...] [--preset NAME]\n"
    "       mailconf generate SPEC --users team.csv --out DIR [--keep-going]\n"
    "       mailconf install [SPEC] --email ADDR [--home DIR] [--target "
    "T,...]\n"
    "                        [--dry-run] [--force]\n"
    "       mailconf import FILE.xml... (--out DIR | -o FILE | -o -)\n"
    "       mailconf site SPEC|DIR... --out DIR [--layout tree|shared]\n"
    "                     [--web-host HOST] [--listen ADDR] [--apple] "
    "[--verify]\n"
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
    "  --lang en|ja      language of the checklist (default en)\n"
    "the person (fetchmail, mbsync, msmtp and outlook-prf need --email):\n"
    "  --email ADDR      the address; fills in usernames\n"
    "  --name NAME       the person's name\n"
    "  --login LOGIN     the login, when it is not derived from the address\n"
    "  --pass-cmd CMD    command printing the password (mbsync PassCmd,\n"
    "                    msmtp passwordeval); %EMAILADDRESS% etc. are\n"
    "                    filled in, quoted for the shell\n"
    "  --token-cmd CMD   command printing an OAuth2 token (XOAUTH2)\n"
    "  --password-env VAR  write the password in $VAR into the rc files\n"
    "                    (only when asked: files are mode 0600)\n"
    "  --ca-file FILE    trust this CA bundle instead of the system's\n"
    "  --maildir DIR     mbsync's local Maildir (default ~/Mail/ADDR/)\n"
    "  --mda CMD | --smtp-host HOST  where fetchmail delivers\n"
    "  --incoming imap|pop3  fetchmail's protocol (default: preference)\n"
    "signing (apple): --sign-cert PEM --sign-key PEM [--sign-chain PEM]\n"
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

/* take_value handles "--opt VALUE" and "--opt=VALUE" (*joined set). */
static const char *
take_value(int argc, char **argv, int *i, const char *name, bool *joined)
{
	size_t n = strlen(name);

	*joined = strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=';
	if (*joined)
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
		    {"--lang", &o->user.lang},
		    {"--email", &o->user.email},
		    {"--name", &o->user.real_name},
		    {"--login", &o->user.login},
		    {"--pass-cmd", &o->user.pass_cmd},
		    {"--token-cmd", &o->user.token_cmd},
		    {"--password-env", &o->password_env},
		    {"--ca-file", &o->user.ca_file},
		    {"--maildir", &o->user.maildir},
		    {"--mda", &o->user.mda},
		    {"--smtp-host", &o->user.smtp_host},
		    {"--incoming", &o->user.incoming},
		    {"--sign-cert", &o->finish.sign_cert},
		    {"--sign-key", &o->finish.sign_key},
		    {"--sign-chain", &o->finish.sign_chain},
		    {"--users", &o->users},
		    {"--layout", &o->layout},
		    {"--web-host", &o->web_host},
		    {"--listen", &o->listen},
		    {"--home", &o->home},
		};
		bool done = false, joined = false;

		for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]);
		     k++) {
			v = take_value(argc, argv, &i, valued[k].name, &joined);
			if (v == NULL)
				continue;
			/* "--out --force" is a forgotten value, not a directory
			 * named "--force". */
			if (*v == '\0' ||
			    (!joined && v[0] == '-' && v[1] != '\0'))
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
		else if (strcmp(a, "--keep-going") == 0)
			o->keep_going = true;
		else if (strcmp(a, "--dry-run") == 0)
			o->dry_run = true;
		else if (strcmp(a, "--apple") == 0)
			o->apple = true;
		else if (strcmp(a, "--verify") == 0)
			o->verify = true;
		else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
			o->quiet = true;
		else if (a[0] == '-' && a[1] != '\0')
			return usage("unknown option %s", a);
		else
			o->specs[o->nspecs++] = a;
	}
	return 0;
}

/* named says whether target t was named with --target. */
static bool
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
static bool
wanted(const struct opts *o, const struct target *t)
{
	if (o->targets != NULL)
		return named(o, t);
	if (strcmp(o->command, "install") == 0)
		return t->install != NULL;
	return !t->per_user || o->user.email != NULL || o->users != NULL;
}

static int
check_targets(const struct opts *o)
{
	const char *p = o->targets;

	while (p != NULL && *p != '\0') {
		size_t len = strcspn(p, ",");
		char *name = xstrndup(p, len);
		const struct target *t = target_find(name);
		int rc = 0;

		if (t == NULL)
			rc = usage("unknown target \"%s\" (mailconf list "
			           "shows them)",
			           name);
		else if (t->per_user && o->user.email == NULL &&
		         o->users == NULL)
			rc = usage("target %s is for one person: give their "
			           "address with --email",
			           name);
		free(name);
		if (rc != 0)
			return rc;
		p += len + (p[len] == ',');
	}
	return 0;
}

/* The languages a "%s" template comes in, as --lang names them. */
static const char *const langs[] = {"en", "ja"};
#define NLANGS (sizeof(langs) / sizeof(langs[0]))

/* A target's loaded templates, one per language when it has them. */
struct tset {
	struct tmpl *by_lang[NLANGS];
};

static size_t
lang_index(const char *lang)
{
	for (size_t i = 0; lang != NULL && i < NLANGS; i++)
		if (strcmp(langs[i], lang) == 0)
			return i;
	return 0;
}

/* load_template reads and checks the template of t in lang; NULL on
 * error. */
static struct tmpl *
load_template(const struct opts *o, const struct target *t, const char *lang,
              struct diag *d)
{
	const char *pct = strstr(t->template, "%s");
	/* "%s" in a template name stands for the language. */
	char *path = pct != NULL
	                 ? xasprintf("%s/%.*s%s%s", o->templates_dir,
	                             (int)(pct - t->template), t->template,
	                             lang, pct + 2)
	                 : xasprintf("%s/%s", o->templates_dir, t->template);
	struct buf text = BUF_INIT;
	struct tmpl *tp = NULL;
	const char *why;
	/* Templates are a few kilobytes; this bounds a hostile one. A link
	 * in a template directory could lead anywhere. */
	int rc =
	    input_read(&text, path, 16 * 1024 * 1024, INPUT_NOFOLLOW, &why);

	if (rc == INPUT_FAILED)
		diag_error(d, NULL, "cannot open template %s: %s", path, why);
	else if (rc == INPUT_TOO_LARGE)
		diag_error(d, NULL, "template %s is larger than 16 MiB", path);
	else
		tp =
		    tmpl_parse(buf_cstr(&text), text.len, path, view_schema, d);
	buf_free(&text);
	free(path);
	return tp;
}

/* load_templates loads the template of every wanted target: in --lang,
 * or in every language for a users file, whose rows may name their own. */
static struct tset *
load_templates(const struct opts *o, struct diag *d, size_t *nwanted)
{
	struct tset *v = xcalloc(target_count(), sizeof(*v));

	for (size_t i = 0; targets[i].name != NULL; i++) {
		const struct target *t = &targets[i];

		if (!wanted(o, t))
			continue;
		if (nwanted != NULL)
			(*nwanted)++;
		if (strstr(t->template, "%s") == NULL)
			v[i].by_lang[0] = load_template(o, t, "en", d);
		else if (o->users == NULL)
			v[i].by_lang[lang_index(o->user.lang)] = load_template(
			    o, t, langs[lang_index(o->user.lang)], d);
		else
			for (size_t k = 0; k < NLANGS; k++)
				v[i].by_lang[k] =
				    load_template(o, t, langs[k], d);
	}
	return v;
}

static void
free_templates(struct tset *v)
{
	for (size_t i = 0; v != NULL && targets[i].name != NULL; i++)
		for (size_t k = 0; k < NLANGS; k++)
			tmpl_free(v[i].by_lang[k]);
	free(v);
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

/* rendered renders t over view into out, as tmpl_render does; an output
 * it refuses (too large: a template's sections nest lists too deep) is
 * reported to d, naming what. */
static bool
rendered(const struct tmpl *t, const char *what, const struct object *view,
         escape_fn *esc, struct buf *out, struct diag *d)
{
	if (tmpl_render(t, view, esc, out))
		return true;
	diag_error(d, NULL,
	           "%s: the template renders more than %u MiB, or takes too "
	           "long; are its sections nested over lists too deeply?",
	           what, TMPL_MAX_OUTPUT >> 20);
	return false;
}

static bool
to_stdout(const struct opts *o)
{
	return o->out_file != NULL && strcmp(o->out_file, "-") == 0;
}

/* How much of the work render does: a team is checked whole before a
 * file is written (R_SKETCH), then rendered again and written (R_FINAL). */
enum rmode {
	R_FULL,     /* render, check and finish every target */
	R_SKETCH,   /* only what a check reads: a target with no check and no
	               finisher is rendered only to compare with a file that
	               is already there */
	R_FINAL,    /* the R_SKETCH run was clean: skip the checks it made and
	               the warnings it gave */
	R_EXISTING, /* R_SKETCH for a person whose directory is there; one
	               whose directory is not is checked when staged */
};

/* render renders every wanted target of m for one person into the plan:
 * template and escaper into a buffer, the format's check, its finisher.
 * Files go to -o FILE, into dir, or (install) to dir/t->install. */
static void
render(const struct opts *o, const struct model *m, const struct tset *tmpls,
       const struct view_opts *user, const char *dir, bool install,
       enum rmode mode, struct plan *plan, struct diag *d)
{
	struct view_opts who = *user;
	struct object *view;
	struct buf path = BUF_INIT;
	int absent = -1; /* dir (or -o FILE) is missing; -1: not yet known */

	who.no_apple = !wanted(o, target_find("apple"));
	view = view_build(m, &who);

	for (size_t i = 0; targets[i].name != NULL; i++) {
		const struct target *t = &targets[i];
		struct buf b = BUF_INIT;
		const struct tmpl *tp =
		    tmpls[i].by_lang[strstr(t->template, "%s") != NULL
		                         ? lang_index(user->lang)
		                         : 0];
		struct stat st;

		if (tp == NULL)
			continue;
		if (t->needs != NULL && object_get(view, t->needs)->n == 0) {
			/* Asked for by name it is an error; among "all", a
			 * format this provider cannot have is left out. */
			if (mode == R_FINAL)
				continue;
			if (o->targets != NULL)
				diag_error(d, NULL, "%s: %s", t->name,
				           t->needs_why);
			else
				diag_warn(d, NULL, "%s: not written: %s",
				          t->name, t->needs_why);
			continue;
		}
		buf_reset(&path);
		if (o->out_file != NULL)
			buf_puts(&path, o->out_file);
		else {
			buf_puts(&path, dir);
			buf_putc(&path, '/');
			buf_puts(&path, install ? t->install : t->output);
		}
		if (mode == R_SKETCH && t->check == NULL && t->finish == NULL &&
		    !to_stdout(o)) {
			if (absent < 0)
				absent = lstat(o->out_file != NULL ? o->out_file
				                                   : dir,
				               &st) != 0 &&
				         errno == ENOENT;
			/* Nothing there to compare with: the content is not
			 * needed yet (one lstat for a new person's
			 * directory). */
			if (absent || (lstat(buf_cstr(&path), &st) != 0 &&
			               errno == ENOENT)) {
				plan_add_unrendered(plan, buf_cstr(&path),
				                    t->mode);
				continue;
			}
		}
		if (!rendered(tp, t->name, view, t->escape, &b, d)) {
			buf_free(&b);
			continue;
		}
		if ((t->check != NULL && mode != R_FINAL &&
		     !t->check(t->name, b.data, b.len, d)) ||
		    (t->finish != NULL &&
		     !t->finish(t->name, &b, &o->finish, d))) {
			buf_free(&b);
			continue;
		}
		plan_add(plan, buf_cstr(&path), &b, t->mode);
	}
	buf_free(&path);
	object_free(view);
}

/* skipped lists the per-user targets left out for want of --email. */
static char *
skipped(const struct opts *o)
{
	struct buf b = BUF_INIT;
	char *s;

	for (const struct target *t = targets; t->name != NULL; t++)
		if (o->targets == NULL && !wanted(o, t))
			buf_printf(&b, "%s%s", b.len > 0 ? ", " : "", t->name);
	s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

/* The run's summary line waits for the diagnostics: it is the last word. */
static struct buf summary = BUF_INIT;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	va_list ap;
	char line[512];

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	buf_puts(&summary, line);
}

static int
finish(struct diag *d, int rc)
{
	diag_flush(d, stderr);
	if (summary.len > 0 && fputs(buf_cstr(&summary), stderr) == EOF)
		rc = EXIT_USAGE;
	buf_free(&summary);
	if (rc == 0)
		rc = diag_exit_status(d);
	diag_free(d);
	return rc;
}

/* preset_quietly loads preset name for a listing or a lookup: its
 * problems are for `mailconf check`, so NULL says only that it has some. */
static struct model *
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
static char *
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

/* A run over the people files are for: the command line's person, or the
 * good rows of --users, one at a time, so that memory does not grow with
 * the team. */
struct people {
	struct users *users; /* NULL: just the command line's person */
	struct person one;
	bool given; /* the command line's person was given */
};

static bool
people_open(const struct opts *o, struct people *v, struct diag *d)
{
	memset(v, 0, sizeof(*v));
	v->one.user = o->user;
	v->one.dir = o->out_dir != NULL ? o->out_dir : ".";
	if (o->users == NULL)
		return true;
	v->users = users_open(o->users, &o->user, o->out_dir, d);
	return v->users != NULL;
}

static bool
people_next(struct people *v, struct person *p)
{
	if (v->users != NULL)
		return users_next(v->users, p);
	*p = v->one;
	return !v->given && (v->given = true);
}

static bool
people_rewind(struct people *v, struct diag *d, bool trusted,
              struct diag *report)
{
	v->given = false;
	return v->users == NULL || users_rewind(v->users, d, trusted, report);
}

/* emit renders one person's files (how much: mode) and checks them,
 * reporting to d; with write, the files that passed are written, and a
 * failed write is reported to wd. */
static bool
emit(const struct opts *o, const struct model *m, const struct tset *tmpls,
     const struct person *p, enum rmode mode, bool write, struct diag *d,
     struct diag *wd, int *written, int *unchanged)
{
	struct plan plan = PLAN_INIT;
	int before = d->errors;
	bool ok = true;
	struct stat st;

	if (mode == R_EXISTING) {
		if (lstat(p->dir, &st) != 0 && errno == ENOENT)
			return true;
		mode = R_SKETCH;
	}
	plan.root = o->out_dir;
	/* A team's faults name the row they come from. */
	d->context = p->at.file != NULL ? &p->at : NULL;
	render(o, m, tmpls, &p->user, p->dir, false, mode, &plan, d);
	/* Even after the check pass: a directory may have appeared since. */
	if (!to_stdout(o) && (o->out_dir != NULL || o->out_file != NULL))
		plan_check(&plan, o->force, d);
	d->context = NULL;
	if (write && d->errors == before) {
		if (to_stdout(o)) {
			const struct buf *b = &plan.files[0].data;

			if (fwrite(buf_cstr(b), 1, b->len, stdout) != b->len ||
			    fflush(stdout) != 0) {
				diag_error(wd, NULL,
				           "cannot write to standard output");
				ok = false;
			}
		} else
			ok = plan_write(&plan, wd, written, unchanged);
	}
	plan_free(&plan);
	return ok;
}

/* write_one writes the command line's person's one file (-o FILE, -o -)
 * after the check pass: rendered again, as that pass kept nothing. */
static int
write_one(const struct opts *o, const struct model *m, const struct tset *tmpls,
          struct people *v, struct diag *d, int *written, int *unchanged)
{
	struct diag again = DIAG_INIT;
	bool clean = d->errors == 0;
	struct person p;
	int rc = 0;

	again.no_notes = true;
	if (!people_rewind(v, &again, clean, d)) {
		diag_free(&again);
		return 0;
	}
	while (rc == 0 && people_next(v, &p))
		if (!emit(o, m, tmpls, &p, clean ? R_FINAL : R_FULL, true,
		          clean ? d : &again, d, written, unchanged))
			rc = EXIT_USAGE;
	diag_free(&again);
	return rc;
}

/* run_tag names this run's staged files: six letters or digits. */
static void
run_tag(char tag[7])
{
	static const char digits[] = "abcdefghijklmnopqrstuvwxyz"
	                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned long long v = ((unsigned long long)getpid() << 32 ^
	                        (unsigned long long)time(NULL)) *
	                       0x9e3779b97f4a7c15u;

	for (int i = 0; i < 6; i++, v /= 62)
		tag[i] = digits[v % 62];
	tag[6] = '\0';
}

/* existing_prefix returns how many of dir's leading bytes name a
 * directory that is there: what staging must not remove. */
static size_t
existing_prefix(const char *dir)
{
	char *p = xstrdup(dir);
	size_t kept = strlen(p);
	struct stat st;

	while (kept > 0 && lstat(p, &st) != 0) {
		while (kept > 0 && p[kept - 1] != '/')
			kept--;
		while (kept > 1 && p[kept - 1] == '/')
			kept--;
		p[kept] = '\0';
	}
	free(p);
	return kept;
}

/* make_new_dir creates dir, and its missing ancestors; true only when
 * dir itself is new (another process may have made it meanwhile). */
static bool
make_new_dir(const char *dir, struct diag *d)
{
	char *parent;
	char *slash;
	bool ok;

	if (mkdir(dir, 0755) == 0)
		return true;
	if (errno != ENOENT)
		return false;
	parent = xstrdup(dir);
	slash = strrchr(parent, '/');
	if (slash != NULL && slash != parent)
		*slash = '\0';
	ok = slash != NULL && slash != parent &&
	     output_mkdirs(parent, 0755, d) && mkdir(dir, 0755) == 0;
	free(parent);
	return ok;
}

/* unmake_dirs removes dir and its ancestors down to the first kept
 * bytes (existing_prefix's), when they are empty. */
static void
unmake_dirs(const char *dir, size_t kept)
{
	char *p = xstrdup(dir);
	size_t n = strlen(p);

	while (n > kept && rmdir(p) == 0) {
		while (n > 0 && p[n - 1] != '/')
			n--;
		while (n > 1 && p[n - 1] == '/')
			n--;
		p[n] = '\0';
	}
	free(p);
}

/* write_team writes everyone's files into --out after the check pass
 * (which looked at the people whose directories are there). A person
 * whose directory is new is rendered and checked once, and staged there
 * under temporary names; once everyone passed, the staged files are
 * renamed into place and the others written as usual. When someone
 * fails, the staged files and the new directories are removed: nothing
 * is written. With --keep-going, the good people's files are written. */
static int
write_team(const struct opts *o, const struct model *m,
           const struct tset *tmpls, struct people *v, struct diag *d,
           int *written, int *unchanged)
{
	struct diag rows = DIAG_INIT, again = DIAG_INIT;
	const char *names[32];
	size_t nnames = 0, kept;
	struct person p;
	char tag[7];
	int rc = 0;
	bool commit, rows_ok = d->errors == 0;

	for (size_t i = 0; targets[i].name != NULL && nnames < 31; i++)
		if (tmpls[i].by_lang[0] != NULL || tmpls[i].by_lang[1] != NULL)
			names[nnames++] = targets[i].output;
	names[nnames] = NULL;
	run_tag(tag);
	kept = existing_prefix(o->out_dir);
	/* The rows' faults were reported by the check pass, which found
	 * none when rows_ok: the later passes need not check them again. */
	rows.no_notes = again.no_notes = true;
	if (!people_rewind(v, &rows, rows_ok, d))
		goto out;
	while (rc == 0 && people_next(v, &p)) {
		struct plan plan = PLAN_INIT;
		struct stat st;
		int before = d->errors;

		if (lstat(p.dir, &st) == 0 || errno != ENOENT)
			continue; /* checked already; written below */
		plan.root = o->out_dir;
		d->context = p.at.file != NULL ? &p.at : NULL;
		render(o, m, tmpls, &p.user, p.dir, false, R_FULL, &plan, d);
		d->context = NULL;
		/* After a fault, the others are still checked, not staged.
		 * A person with no file gets no directory. */
		if (d->errors == before && (d->errors == 0 || o->keep_going) &&
		    plan.n > 0 && make_new_dir(p.dir, d) &&
		    !plan_stage(&plan, tag, d)) {
			stage_drop(p.dir, names, tag);
			rmdir(p.dir);
			rc = EXIT_USAGE;
		}
		plan_free(&plan);
	}
	commit = rc == 0 && (d->errors == 0 || o->keep_going);
	/* Changed since: its rows no longer name what was staged, which the
	 * next run sweeps. */
	if (!people_rewind(v, &rows, rows_ok, d))
		goto out;
	while (people_next(v, &p)) {
		int staged =
		    commit ? stage_commit(p.dir, names, tag, written, d) : 0;

		if (!commit)
			stage_drop(p.dir, names, tag);
		else if (staged < 0) {
			rc = EXIT_USAGE;
			break;
		} else if (staged == 0 &&
		           !emit(o, m, tmpls, &p,
		                 d->errors == 0 ? R_FINAL : R_FULL, true,
		                 d->errors == 0 ? d : &again, d, written,
		                 unchanged)) {
			rc = EXIT_USAGE;
			break;
		}
	}
	if (!commit)
		unmake_dirs(o->out_dir, kept);
out:
	diag_free(&rows);
	diag_free(&again);
	return rc;
}

static int
cmd_generate_or_check(const struct opts *o, bool generate)
{
	struct diag d = DIAG_INIT;
	struct tset *tmpls;
	char **known;
	size_t nwanted = 0;
	int rc = check_targets(o);

	if (rc != 0)
		return rc;
	if (o->nspecs == 0 && o->preset == NULL)
		return usage(
		    "%s needs a SPEC file, --preset NAME, or an --email "
		    "whose domain a preset serves",
		    o->command);
	if (generate && o->nspecs > 1)
		return usage("generate takes one SPEC");
	if (generate && (o->out_dir == NULL) == (o->out_file == NULL))
		return usage("generate needs --out DIR, or -o FILE for one "
		             "target");
	if (o->finish.sign_cert != NULL && o->finish.sign_key == NULL)
		return usage("--sign-cert needs --sign-key");
	if (o->finish.sign_cert == NULL &&
	    (o->finish.sign_key != NULL || o->finish.sign_chain != NULL))
		return usage("--sign-key and --sign-chain need --sign-cert");
	if (!view_opts_check(&o->user, NULL, NULL, &d)) {
		/* The messages say what is wrong; the usage would bury them. */
		diag_flush(&d, stderr);
		diag_free(&d);
		return EXIT_USAGE;
	}
	d.strict = o->strict;
	d.no_notes = generate;
	tmpls = load_templates(o, &d, &nwanted);
	if (o->out_file != NULL && nwanted != 1) {
		rc = usage("-o writes one target: choose it with --target");
		goto out;
	}
	if (o->users != NULL && o->out_dir == NULL) {
		rc = usage("--users writes a directory per person: give --out");
		goto out;
	}
	known = spec_known_hosts(o->presets_dir);
	for (size_t i = 0; i < (o->nspecs > 0 ? o->nspecs : 1); i++) {
		struct model *m = load_model(
		    o, o->nspecs > 0 ? o->specs[i] : NULL, known, &d);
		struct people v;
		struct person p;

		if (m == NULL || d.errors > 0 || !people_open(o, &v, &d)) {
			model_free(m);
			continue;
		}
		while (people_next(&v, &p))
			emit(o, m, tmpls, &p,
			     generate && o->out_dir != NULL ? R_EXISTING
			                                    : R_SKETCH,
			     false, &d, &d, NULL, NULL);
		/* Bad rows stop everything, unless --keep-going: then the
		 * good rows are written and the status still says 1. */
		if (generate && (d.errors == 0 || o->keep_going)) {
			int written = 0, unchanged = 0;

			rc = o->out_dir != NULL
			         ? write_team(o, m, tmpls, &v, &d, &written,
			                      &unchanged)
			         : write_one(o, m, tmpls, &v, &d, &written,
			                     &unchanged);
			if (rc == 0 && (d.errors == 0 || o->keep_going) &&
			    !o->quiet && !to_stdout(o)) {
				char *left = skipped(o);

				say("mailconf: %d written, %d unchanged%s%s\n",
				    written, unchanged,
				    *left != '\0'
				        ? "; not written without --email: "
				        : "",
				    left);
				free(left);
			}
		}
		users_close(v.users);
		model_free(m);
	}
	spec_free_names(known);
out:
	free_templates(tmpls);
	return finish(&d, rc);
}

/* site_template loads one of the site's own templates (nginx, Apache,
 * DNS), checked like a target's. */
static struct tmpl *
site_template(const struct opts *o, const char *name, struct diag *d)
{
	struct target t = {.name = name, .template = name};

	return load_template(o, &t, "en", d);
}

/* site_safe says whether a path may appear in nginx and Apache
 * configuration as it is: no blanks, quotes, "$", ";" or braces. */
static bool
site_safe(const char *s)
{
	for (; *s != '\0'; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && strchr("/._-+@,=", *s) == NULL)
			return false;
	return true;
}

/* spec_list expands the site's arguments: files, and directories of
 * *.ini files (sorted). Owned strings. */
static char **
spec_list(const struct opts *o, size_t *n)
{
	char **v = NULL;

	*n = 0;
	for (size_t i = 0; i < o->nspecs; i++) {
		struct stat st;
		char **names;

		if (stat(o->specs[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
			v = xreallocarray(v, *n + 1, sizeof(*v));
			v[(*n)++] = xstrdup(o->specs[i]);
			continue;
		}
		names = spec_ini_files(o->specs[i]);
		for (size_t k = 0; names[k] != NULL; k++) {
			v = xreallocarray(v, *n + 1, sizeof(*v));
			v[(*n)++] = xasprintf("%s/%s", o->specs[i], names[k]);
		}
		spec_free_names(names);
	}
	return v;
}

/* The files a domain's directory holds, and the target rendering each. */
static const struct {
	const char *file;
	const char *target;
} site_files[] = {
    {"mail/config-v1.1.xml", "thunderbird"},
    {".well-known/autoconfig/mail/config-v1.1.xml", "thunderbird"},
    {"autodiscover/autodiscover.xml", "autodiscover"},
    {"autodiscover/autodiscover.json", "autodiscover-json"},
    {"mail.mobileconfig", "apple"},
};

#define NSITE_FILES (sizeof(site_files) / sizeof(site_files[0]))
/* What a site run writes for each domain: its files (tree layout), then
 * its lines of the shared layout's maps, then its DNS records. */
enum { OUT_NMAP = NSITE_FILES, OUT_AMAP, OUT_ZONE, NOUT };

/* A domain's outputs are rendered once per spec, for a stand-in name, and
 * copied for each domain with its name put where the stand-in was. Two
 * stand-ins of different lengths: a rendering that does not put the
 * second where it put the first (a spec or template holding the name, an
 * escaper that changes it) depends on the name in a way a copy cannot
 * follow, and each domain is then rendered on its own. */
#define SITE_HOLE "x7q.mailconf-hole.invalid"
#define SITE_HOLE2 "k0-z.second-mailconf-stand-in.invalid"

/* The templates and state of one site run. */
struct site_run {
	struct tmpl *tt[NSITE_FILES]; /* NULL: the file is not written */
	struct tmpl *dns, *nmap, *amap;
	bool shared;
	struct buf out[NOUT]; /* one domain's outputs */
	struct site_pattern *pat[NOUT];
};

/* render_domain renders every output of domain dom into r->out (the
 * view's other values set); check: run the formats' checks (false when
 * one fails, reported). */
static bool
render_domain(struct site_run *r, struct object *view, const char *dom,
              bool check, struct diag *d)
{
	struct buf *b = &r->out[OUT_ZONE];

	object_set_text(view, "site_domain", dom);
	for (size_t i = 0; i < NOUT; i++)
		buf_reset(&r->out[i]);
	if (!r->shared) {
		char *url = xasprintf("https://autodiscover.%s/autodiscover/"
		                      "autodiscover.xml",
		                      dom);

		object_clear_list(view, "domains");
		object_add_text(view, "domains", dom);
		object_set_text(view, "autodiscover_url", url);
		free(url);
		for (size_t i = 0; i < NSITE_FILES; i++) {
			const struct target *t =
			    target_find(site_files[i].target);

			if (r->tt[i] == NULL)
				continue;
			/* The .well-known copy is the same bytes as mail/. */
			if (i == 1) {
				buf_add(&r->out[i], r->out[0].data,
				        r->out[0].len);
				continue;
			}
			if (!rendered(r->tt[i], t->name, view, t->escape,
			              &r->out[i], d))
				return false;
			if (check && t->check != NULL &&
			    !t->check(t->name, r->out[i].data, r->out[i].len,
			              d))
				return false;
		}
	} else {
		if (!rendered(r->nmap, "nginx map", view, escape_conf,
		              &r->out[OUT_NMAP], d) ||
		    !rendered(r->amap, "Apache map", view, escape_conf,
		              &r->out[OUT_AMAP], d))
			return false;
	}
	if (!rendered(r->dns, "dns.zone", view, escape_conf, b, d))
		return false;
	/* A host such as mail.%EMAILDOMAIN% is this domain's: a zone cannot
	 * hold the placeholder. */
	if (strstr(buf_cstr(b), "%EMAILDOMAIN%") != NULL) {
		char *who = xasprintf("postmaster@%s", dom);
		char *z = view_fill(buf_cstr(b), who, false);

		buf_reset(b);
		buf_puts(b, z);
		free(z);
		free(who);
	}
	return true;
}

static void
drop_patterns(struct site_run *r)
{
	for (size_t i = 0; i < NOUT; i++) {
		site_pattern_free(r->pat[i]);
		r->pat[i] = NULL;
	}
}

/* fills_as says whether every pattern gives, for dom, what rendering dom
 * gave (r->out). */
static bool
fills_as(struct site_run *r, const char *dom)
{
	struct buf b = BUF_INIT;
	bool same = true;

	for (size_t i = 0; i < NOUT && same; i++) {
		buf_reset(&b);
		site_pattern_fill(r->pat[i], dom, &b);
		same = b.len == r->out[i].len &&
		       memcmp(buf_cstr(&b), buf_cstr(&r->out[i]), b.len) == 0;
	}
	buf_free(&b);
	return same;
}

/* make_patterns renders the spec's outputs for the stand-ins and for its
 * first domain, first (with the formats' checks: domains differ only in
 * a validated name, which cannot make a file ill-formed). True with
 * r->pat set when copies give what rendering gives; false with r->out
 * holding first's outputs otherwise, or when a check failed (*bad). */
static bool
make_patterns(struct site_run *r, struct object *view, const char *first,
              bool *bad, struct diag *d)
{
	bool same;

	render_domain(r, view, SITE_HOLE, false, d);
	for (size_t i = 0; i < NOUT; i++)
		r->pat[i] =
		    site_pattern_new(r->out[i].data, r->out[i].len, SITE_HOLE);
	render_domain(r, view, SITE_HOLE2, false, d);
	same = fills_as(r, SITE_HOLE2);
	*bad = !render_domain(r, view, first, true, d);
	same = same && !*bad && fills_as(r, first);
	if (!same)
		drop_patterns(r);
	return same;
}

/* site_outputs writes one domain's outputs: its files, through the
 * patterns, and its lines of the streams. */
static void
site_outputs(struct site_run *r, struct site *s, const char *dom,
             struct site_stream *zone, struct site_stream *nmap,
             struct site_stream *amap)
{
	struct site_file files[NSITE_FILES];
	size_t n = 0;
	struct buf *b = &r->out[OUT_ZONE];

	for (size_t i = 0; i < NSITE_FILES && !r->shared; i++)
		if (r->tt[i] != NULL) {
			files[n].name = site_files[i].file;
			files[n++].pattern = r->pat[i];
		}
	site_domain(s, dom, files, n);
	if (r->shared) {
		buf_reset(b);
		site_pattern_fill(r->pat[OUT_NMAP], dom, b);
		site_stream_write(nmap, b->data, b->len);
		buf_reset(b);
		site_pattern_fill(r->pat[OUT_AMAP], dom, b);
		site_stream_write(amap, b->data, b->len);
	}
	buf_reset(b);
	site_pattern_fill(r->pat[OUT_ZONE], dom, b);
	site_stream_write(zone, b->data, b->len);
}

/* shared_files writes the shared layout's one set of files for the
 * provider, listing its id only: Thunderbird needs one valid <domain>
 * and does not compare it with the address. The view's tb_file is set to
 * their directory. False when a check failed. */
static bool
shared_files(struct site_run *r, struct site *s, const struct model *m,
             struct object *view, struct diag *d)
{
	unsigned long long h = 0;
	char *key;

	object_clear_list(view, "domains");
	object_add_text(view, "domains", m->id);
	for (size_t i = 0; i < NSITE_FILES; i++) {
		const struct target *t = target_find(site_files[i].target);

		buf_reset(&r->out[i]);
		if (r->tt[i] == NULL)
			continue;
		if (i == 1)
			buf_add(&r->out[i], r->out[0].data, r->out[0].len);
		else {
			if (!rendered(r->tt[i], t->name, view, t->escape,
			              &r->out[i], d))
				return false;
			if (t->check != NULL &&
			    !t->check(t->name, r->out[i].data, r->out[i].len,
			              d))
				return false;
		}
		h = h * 31 + content_hash(r->out[i].data, r->out[i].len);
	}
	key = xasprintf("%016llx", h);
	object_set_text(view, "tb_file", key);
	for (size_t i = 0; i < NSITE_FILES; i++) {
		char *rel;

		if (r->tt[i] == NULL)
			continue;
		rel = xasprintf("files/%s/%s", key, site_files[i].file);
		site_file(s, rel, r->out[i].data, r->out[i].len);
		free(rel);
	}
	free(key);
	return true;
}

/* site_spec writes the domains of one spec. False when a check failed or
 * a spec file changed (reported). */
static bool
site_spec(struct site_run *r, struct site *s, const struct model *m,
          struct object *view, struct site_stream *zone,
          struct site_stream *nmap, struct site_stream *amap, struct diag *d)
{
	struct model_walk *w = model_walk_domains(m, d);
	const char *dom = model_walk_next(w);
	bool copies = false, bad = false, first = true;

	if (r->shared && !shared_files(r, s, m, view, d))
		bad = true;
	else if (dom != NULL)
		copies = make_patterns(r, view, dom, &bad, d);
	for (; dom != NULL && !bad; dom = model_walk_next(w)) {
		if (!copies) {
			/* Rendered on its own: r->out holds the first
			 * domain's already. */
			if (!first && !render_domain(r, view, dom, false, d))
				break;
			for (size_t i = 0; i < NOUT; i++)
				r->pat[i] = site_pattern_new(
				    r->out[i].data, r->out[i].len, NULL);
		}
		site_outputs(r, s, dom, zone, nmap, amap);
		if (!copies)
			drop_patterns(r);
		first = false;
	}
	drop_patterns(r);
	return model_walk_end(w) && !bad;
}

/* load_site_model is load_model for the site: a spec's domain list stays
 * in its file (a hoster lists 100,000), read back a line at a time. */
static struct model *
load_site_model(const struct opts *o, const char *spec, char *const *known,
                struct diag *d)
{
	struct source *src = spec_load_lean(spec, o->preset, o->presets_dir,
	                                    "provider", "domains", d);
	struct model *m = src != NULL ? model_build(src, d) : NULL;

	if (m != NULL)
		model_lint(m, (const char *const *)known, d);
	return m;
}

/* expect_domains gives the site every domain of every spec, for it to
 * tell a domain two specs serve. False when a spec file changed. */
static bool
expect_domains(struct site *s, struct model **models, size_t n, struct diag *d)
{
	size_t total = 0;
	bool ok = true;

	for (size_t i = 0; i < n; i++)
		total += models[i]->ndomains + models[i]->ndeferred;
	site_expect(s, total);
	for (size_t i = 0; i < n && ok; i++) {
		struct model_walk *w = model_walk_domains(models[i], d);
		const char *dom;

		while ((dom = model_walk_next(w)) != NULL)
			site_note(s, dom);
		ok = model_walk_end(w);
	}
	return ok;
}

/* cmd_site writes the web tree that serves autoconfig and autodiscover
 * for every domain of every spec, with the server snippets and DNS
 * records; see docs/spec.md, "Hosting". */
static int
cmd_site(const struct opts *o)
{
	struct diag d = DIAG_INIT;
	struct site_opts so = {.out = o->out_dir,
	                       .verify = o->verify,
	                       .progress = !o->quiet && isatty(2)};
	struct site_stats st;
	struct site_run r = {.shared = o->layout != NULL &&
	                               strcmp(o->layout, "shared") == 0};
	struct tmpl *nginx = NULL, *apache = NULL;
	struct model **models = NULL;
	struct buf b = BUF_INIT;
	struct site_stream *zone = NULL, *nmap_s = NULL, *amap_s = NULL;
	struct site *s = NULL;
	struct view_opts nobody = {0};
	char **known, **specs, *root = NULL;
	size_t nspecs = 0;
	int rc = 0;
	bool done;

	if (o->nspecs == 0)
		return usage(
		    "site needs one or more SPEC files or directories");
	if (o->out_dir == NULL || o->out_file != NULL)
		return usage("site writes a tree: give --out DIR");
	if (o->layout != NULL && !r.shared && strcmp(o->layout, "tree") != 0)
		return usage("--layout is tree or shared, not \"%s\"",
		             o->layout);
	if (o->listen != NULL &&
	    (o->listen[0] == '\0' ||
	     strspn(o->listen, "0123456789abcdefABCDEF.:[]") !=
	         strlen(o->listen)))
		return usage("--listen: \"%s\" is not an address like "
		             "127.0.0.1:8080 or 80",
		             o->listen);
	if (o->web_host != NULL && model_host_error(o->web_host) != NULL)
		return usage("--web-host: \"%s\" is not a host name",
		             o->web_host);
	if (!site_safe(o->out_dir))
		return usage("site: the --out path must be plain (letters, "
		             "digits, / . _ - + @ , =): it is written into "
		             "nginx and Apache configuration");
	if (!output_mkdirs(o->out_dir, 0755, &d))
		return finish(&d, EXIT_USAGE);
	root = realpath(o->out_dir, NULL);
	if (root == NULL || !site_safe(root)) {
		free(root);
		return usage("site: the --out path must be plain (letters, "
		             "digits, / . _ - + @ , =): it is written into "
		             "nginx and Apache configuration");
	}
	for (size_t i = 0; i < NOUT; i++)
		r.out[i] = (struct buf)BUF_INIT;
	for (size_t i = 0; i < NSITE_FILES; i++) {
		if (i != 1 && (i != 4 || o->apple))
			r.tt[i] = load_template(
			    o, target_find(site_files[i].target), "en", &d);
		else if (i == 1)
			r.tt[i] = r.tt[0];
	}
	nginx = site_template(o, "site-nginx.conf.mustache", &d);
	apache = site_template(o, "site-apache.conf.mustache", &d);
	r.dns = site_template(o, "site-dns.zone.mustache", &d);
	if (r.shared) {
		r.nmap = site_template(o, "site-nginx-map.mustache", &d);
		r.amap = site_template(o, "site-apache-map.mustache", &d);
	}
	/* Every spec is checked before anything is written. */
	d.strict = o->strict;
	d.no_notes = true;
	specs = spec_list(o, &nspecs);
	if (nspecs == 0) {
		/* Writing an empty site would remove every domain's files. */
		diag_error(&d, NULL,
		           "site: no *.ini spec in %s; nothing is written",
		           o->specs[0]);
		goto out;
	}
	models = xcalloc(nspecs + 1, sizeof(*models));
	known = spec_known_hosts(o->presets_dir);
	for (size_t i = 0; i < nspecs; i++)
		models[i] = load_site_model(o, specs[i], known, &d);
	spec_free_names(known);
	if (d.errors > 0)
		goto out;
	s = site_open(&so, &st, &d);
	if (s == NULL)
		goto out;
	/* One spec's list holds no name twice. */
	done = nspecs == 1 || expect_domains(s, models, nspecs, &d);
	zone = site_stream_open(s, "dns.zone");
	if (r.shared) {
		nmap_s = site_stream_open(s, "nginx-map.conf");
		amap_s = site_stream_open(s, "apache-map.txt");
	}
	for (size_t i = 0; i < nspecs && done && d.errors == 0; i++) {
		struct object *view = view_build(models[i], &nobody);

		object_set_text(view, "site_root", root);
		object_set_text(view, "web_host", o->web_host);
		object_set_text(view, "listen",
		                o->listen != NULL ? o->listen : "80");
		/* nginx takes a bare port; Apache's <VirtualHost> wants an
		 * address too. */
		object_take_text(view, "apache_vhost",
		                 o->listen == NULL ? xstrdup("*:80")
		                 : strchr(o->listen, ':') == NULL
		                     ? xasprintf("*:%s", o->listen)
		                     : xstrdup(o->listen));
		object_set_flag(view, "layout_shared", r.shared);
		if (i == 0) {
			buf_reset(&b);
			if (rendered(nginx, "nginx.conf", view, escape_conf, &b,
			             &d))
				site_file(s, "nginx.conf", b.data, b.len);
			buf_reset(&b);
			if (rendered(apache, "apache.conf", view, escape_conf,
			             &b, &d))
				site_file(s, "apache.conf", b.data, b.len);
		}
		done =
		    site_spec(&r, s, models[i], view, zone, nmap_s, amap_s, &d);
		object_free(view);
	}
	/* A run that stopped early (a failed check, a warning under
	 * --strict, a spec that changed) has not written every domain: it
	 * must neither remove their files nor replace the manifest. */
	if (!done || d.errors > 0)
		site_stop(s);
	site_stream_close(zone);
	if (r.shared) {
		site_stream_close(nmap_s);
		site_stream_close(amap_s);
	}
	/* A failed write is a system error (2); input errors give 1. */
	if (!site_close(s))
		rc = EXIT_USAGE;
	else if (d.errors == 0 && !o->quiet)
		say("mailconf: site: %ld domains; %ld written, %ld "
		    "unchanged, %ld removed\n",
		    st.domains, st.written, st.unchanged, st.removed);
out:
	for (size_t i = 0; i < NSITE_FILES; i++)
		if (i != 1)
			tmpl_free(r.tt[i]);
	for (size_t i = 0; i < NOUT; i++)
		buf_free(&r.out[i]);
	tmpl_free(nginx);
	tmpl_free(apache);
	tmpl_free(r.dns);
	tmpl_free(r.nmap);
	tmpl_free(r.amap);
	for (size_t i = 0; i < nspecs; i++) {
		model_free(models[i]);
		free(specs[i]);
	}
	free(models);
	free(specs);
	free(root);
	buf_free(&b);
	return finish(&d, rc);
}

/* maildir_path is where the mbsync file's Maildir lives, "~/" resolved
 * against home (owned). */
static char *
maildir_path(const struct model *m, const struct view_opts *user,
             const char *home)
{
	struct object *v = view_build(m, user);
	const char *md = object_get(v, "maildir")->text;
	char *path = strncmp(md, "~/", 2) == 0 ? xasprintf("%s%s", home, md + 1)
	                                       : xstrdup(md);

	object_free(v);
	return path;
}

/* cmd_install puts one person's rc files where the programs look, with
 * the Maildir mbsync needs; it never replaces a file that is not
 * mailconf's without --force, and then keeps the old one. */
static int
cmd_install(const struct opts *o)
{
	struct diag d = DIAG_INIT;
	struct plan plan = PLAN_INIT;
	struct tset *tmpls;
	struct model *m = NULL;
	char **known, *maildir = NULL;
	const char *home = o->home != NULL ? o->home : getenv("HOME");
	int rc = check_targets(o);

	if (rc != 0)
		return rc;
	for (const struct target *t = targets; t->name != NULL; t++)
		if (named(o, t) && t->install == NULL)
			return usage(
			    "install puts rc files in place: target %s "
			    "is not one (mailconf generate writes it)",
			    t->name);
	if (o->user.email == NULL || o->users != NULL)
		return usage("install sets up one person: give --email ADDR "
		             "(generate --users writes files for a team)");
	if (o->out_dir != NULL || o->out_file != NULL)
		return usage("install writes into the home directory: use "
		             "--home DIR, not --out or -o");
	if (o->nspecs > 1)
		return usage("install takes one SPEC");
	if (home == NULL || home[0] != '/')
		return usage("install needs an absolute --home DIR (or $HOME)");
	if (!view_opts_check(&o->user, NULL, NULL, &d)) {
		/* The messages say what is wrong; the usage would bury them. */
		diag_flush(&d, stderr);
		diag_free(&d);
		return EXIT_USAGE;
	}
	d.strict = o->strict;
	d.no_notes = true;
	tmpls = load_templates(o, &d, NULL);
	known = spec_known_hosts(o->presets_dir);
	m = load_model(o, o->nspecs > 0 ? o->specs[0] : NULL, known, &d);
	spec_free_names(known);
	if (m == NULL || d.errors > 0)
		goto out;
	render(o, m, tmpls, &o->user, home, true, R_FULL, &plan, &d);
	if (wanted(o, target_find("mbsync")))
		maildir = maildir_path(m, &o->user, home);
	if (d.errors > 0)
		goto out;
	if (o->dry_run) {
		struct buf diff = BUF_INIT;

		plan_diff(&plan, &diff, &d);
		if (maildir != NULL && access(maildir, F_OK) != 0)
			buf_printf(&diff, "# would create the directory %s\n",
			           maildir);
		if (diff.len == 0)
			buf_puts(&diff, "# nothing would change\n");
		/* Say now what the real run would refuse. */
		if (!o->force)
			plan_check(&plan, false, &d);
		if (fwrite(buf_cstr(&diff), 1, diff.len, stdout) != diff.len ||
		    fflush(stdout) != 0)
			rc = EXIT_USAGE;
		buf_free(&diff);
		goto out;
	}
	plan.backup = true;
	plan.durable = true;
	plan.root = home;
	d.no_notes = false;
	if (plan_check(&plan, o->force, &d)) {
		int written = 0, unchanged = 0;

		/* mbsync does not create its Maildir's top directory. */
		if ((maildir != NULL && !output_mkdirs(maildir, 0700, &d)) ||
		    !plan_write(&plan, &d, &written, &unchanged))
			rc = EXIT_USAGE;
		else if (!o->quiet)
			say("mailconf: %d written, %d unchanged\n", written,
			    unchanged);
	}
out:
	free_templates(tmpls);
	free(maildir);
	model_free(m);
	plan_free(&plan);
	return finish(&d, rc);
}

/* import_verify loads the imported spec the way every spec is loaded: an
 * import that mailconf itself would refuse is a bug, not output. */
static bool
import_verify(const struct opts *o, const struct buf *ini, const char *from,
              struct diag *d)
{
	const char *dir = getenv("TMPDIR");
	char *tmp =
	    xasprintf("%s/mailconf-import-XXXXXX", dir != NULL ? dir : "/tmp");
	int fd = mkstemp(tmp);
	struct diag scratch = DIAG_INIT;
	bool ok = false;

	if (fd < 0 || write(fd, ini->data, ini->len) != (ssize_t)ini->len) {
		diag_error(d, NULL, "cannot write a temporary file: %s",
		           strerror(errno));
	} else {
		struct source *src =
		    spec_load(tmp, NULL, o->presets_dir, &scratch);
		struct model *m =
		    src != NULL ? model_build(src, &scratch) : NULL;

		ok = m != NULL;
		if (!ok) {
			char *msgs = diag_text(&scratch);

			diag_error(d, NULL,
			           "internal error: the spec imported from %s "
			           "does not load:\n%s",
			           from, msgs);
			free(msgs);
		}
		model_free(m);
	}
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	diag_free(&scratch);
	free(tmp);
	return ok;
}

static int
cmd_import(const struct opts *o)
{
	struct diag d = DIAG_INIT;
	struct plan plan = PLAN_INIT;
	int rc = 0;

	if (o->nspecs == 0)
		return usage("import needs one or more FILE.xml");
	if ((o->out_dir == NULL) == (o->out_file == NULL))
		return usage("import needs --out DIR, or -o FILE for one file");
	if (o->out_file != NULL && o->nspecs != 1)
		return usage("-o writes one file: import one FILE.xml");
	d.strict = o->strict;
	plan.root = o->out_dir;
	for (size_t i = 0; i < o->nspecs; i++) {
		struct buf ini = BUF_INIT;
		const char *base = strrchr(o->specs[i], '/');
		size_t n;
		char *path;

		base = base != NULL ? base + 1 : o->specs[i];
		n = strlen(base);
		if (n > 4 && strcmp(base + n - 4, ".xml") == 0)
			n -= 4;
		if (!import_file(o->specs[i], &ini, &d) ||
		    !import_verify(o, &ini, o->specs[i], &d)) {
			buf_free(&ini);
			continue;
		}
		path = o->out_file != NULL
		           ? xstrdup(o->out_file)
		           : xasprintf("%s/%.*s.ini", o->out_dir, (int)n, base);
		plan_add(&plan, path, &ini, 0644);
		free(path);
	}
	if (d.errors == 0 && o->out_file != NULL &&
	    strcmp(o->out_file, "-") == 0) {
		const struct buf *b = &plan.files[0].data;

		if (fwrite(buf_cstr(b), 1, b->len, stdout) != b->len ||
		    fflush(stdout) != 0)
			rc = EXIT_USAGE;
	} else if (d.errors == 0 && plan_check(&plan, o->force, &d)) {
		int written = 0, unchanged = 0;

		if (!plan_write(&plan, &d, &written, &unchanged))
			rc = EXIT_USAGE;
		else if (!o->quiet)
			say("mailconf: %d written, %d unchanged\n", written,
			    unchanged);
	}
	plan_free(&plan);
	return finish(&d, rc);
}

static int
cmd_list(const struct opts *o)
{
	char **names = spec_preset_names(o->presets_dir);

	printf("targets:\n");
	for (const struct target *t = targets; t->name != NULL; t++)
		printf("  %-18s %-18s %s%s\n", t->name, t->output, t->help,
		       t->per_user ? " [--email]" : "");
	printf("presets (%s):\n", o->presets_dir);
	for (size_t i = 0; names[i] != NULL; i++) {
		struct model *m = preset_quietly(o, names[i]);

		if (m != NULL) {
			printf("  %-18s %s:", names[i], m->name);
			for (size_t k = 0; k < m->ndomains && k < 5; k++)
				printf(" %s", m->domains[k]);
			if (m->ndomains > 5)
				printf(" (+%zu more)", m->ndomains - 5);
			printf("\n");
		} else
			printf(
			    "  %-18s (has errors: mailconf check %s/%s.ini)\n",
			    names[i], o->presets_dir, names[i]);
		model_free(m);
	}
	spec_free_names(names);
	return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	struct opts o = {0};
	char *found = NULL;
	int rc = parse_args(argc, argv, &o);

	if (rc != 0 || o.command == NULL) {
		free(o.specs);
		return rc != 0 ? rc : EXIT_USAGE;
	}
	if (o.password_env != NULL) {
		o.user.password = getenv(o.password_env);
		if (o.user.password == NULL) {
			free(o.specs);
			return usage("--password-env: %s is not set",
			             o.password_env);
		}
	}
	if (o.nspecs == 0 && o.preset == NULL && o.user.email != NULL &&
	    (strcmp(o.command, "generate") == 0 ||
	     strcmp(o.command, "check") == 0 ||
	     strcmp(o.command, "install") == 0)) {
		found = preset_for_email(&o, o.user.email);
		if (found == NULL) {
			free(o.specs);
			return usage(
			    "no preset serves the domain of %s; give a "
			    "SPEC or --preset NAME",
			    o.user.email);
		}
		o.preset = found;
	}
	if (strcmp(o.command, "generate") == 0)
		rc = cmd_generate_or_check(&o, true);
	else if (strcmp(o.command, "check") == 0)
		rc = cmd_generate_or_check(&o, false);
	else if (strcmp(o.command, "site") == 0)
		rc = cmd_site(&o);
	else if (strcmp(o.command, "install") == 0)
		rc = cmd_install(&o);
	else if (strcmp(o.command, "import") == 0)
		rc = cmd_import(&o);
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
	free(found);
	xml_cleanup();
	return rc;
}
