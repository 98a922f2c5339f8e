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

const char usage_text[] =
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

int
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
		tset_load(v, t, o->templates_dir,
		          o->users == NULL
		              ? (o->user.lang != NULL ? o->user.lang : "en")
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
	m = src != NULL ? model_build(src, d) : NULL;
	if (m != NULL)
		model_lint(m, (const char *const *)known, d);
	return m;
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
