/* SPDX-License-Identifier: MIT */
/* mailconf: the options and the commands, two tables; each command (cmd_*.c)
 * runs spec -> model -> per target: template + escaper -> buffer -> check ->
 * file (render.c). */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "outdir.h"
#include "recipe.h"
#include "xalloc.h"
#include "xml_check.h"

#ifndef DATADIR
#define DATADIR "."
#endif
#ifndef VERSION
#define VERSION "0.1.0"
#endif

/* The commands, as bits of the set of commands an option belongs to. */
enum {
	C_GENERATE = 1 << 0,
	C_CHECK = 1 << 1,
	C_INSTALL = 1 << 2,
	C_IMPORT = 1 << 3,
	C_SITE = 1 << 4,
	C_LIST = 1 << 5,
};
/* The commands rendering files for a person, and those reading specs. */
#define C_PERSON (C_GENERATE | C_CHECK | C_INSTALL)
#define C_SPEC (C_PERSON | C_SITE)

static const struct command {
	const char *name;
	int (*run)(const struct opts *o);
	unsigned bit;
	const char *summary;  /* one line for mailconf --help */
	const char *synopsis; /* the arguments; a "\n" starts another form */
} commands[] = {
    {"generate", cmd_generate, C_GENERATE,
     "check a spec and write its targets' files",
     "[SPEC] [--preset NAME] [-t T,...] (--out DIR | -o FILE)\n"
     "SPEC --users team.csv --out DIR [--keep-going]\n"
     "... [--check | --dry-run] [--diff]"},
    {"check", cmd_check, C_CHECK,
     "check specs and render their files, writing nothing",
     "[--strict] [SPEC...] [--preset NAME] [-t T,...]"},
    {"install", cmd_install, C_INSTALL,
     "put one person's rc files where the programs look",
     "[SPEC] --email ADDR [--home DIR] [-t T,...]\n"
     "... [--check | --dry-run] [--diff]"},
    {"import", cmd_import, C_IMPORT,
     "turn Thunderbird autoconfig files into specs",
     "FILE.xml... (--out DIR | -o FILE | -o -)"},
    {"site", cmd_site, C_SITE,
     "write the web tree serving autoconfig for many domains",
     "SPEC|DIR... --out DIR [--layout tree|shared] [--apple]\n"
     "... [--check | --dry-run] [--diff]"},
    {"list", cmd_list, C_LIST, "show the targets and the presets", ""},
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* An option sets a const char * member of struct opts, or a bool one when
 * it takes no value (arg NULL). A name may have a row per set of commands
 * (its help differs). */
static const struct option {
	const char *name;  /* "--name" */
	const char *alias; /* "-x", or NULL */
	const char *arg;   /* its value, as --help names it; NULL: a flag */
	size_t off;        /* where it is stored: offsetof(struct opts, ...) */
	unsigned cmds;     /* the commands that take it */
	const char *help;  /* one line for COMMAND --help */
} options[] = {
#define O(member) offsetof(struct opts, member)
    {"--preset", NULL, "NAME", O(preset), C_SPEC,
     "start from presets/NAME.ini (alone: use it as is)"},
    {"--target", "-t", "LIST", O(targets), C_PERSON,
     "the targets to render (default: all; see list)"},
    {"--out", NULL, "DIR", O(out_dir), C_GENERATE | C_IMPORT | C_SITE,
     "write the files into DIR"},
    {"--out", NULL, "DIR", O(out_dir), C_CHECK,
     "check what generate --out DIR would replace"},
    {"--output", "-o", "FILE", O(out_file), C_GENERATE | C_IMPORT,
     "write the one file to FILE (-o -: standard output)"},
    {"--users", NULL, "FILE", O(users), C_GENERATE | C_CHECK,
     "a users file (CSV): a directory of files a person"},
    {"--keep-going", NULL, NULL, O(keep_going), C_GENERATE,
     "with --users: write the good rows despite bad ones"},
    {"--home", NULL, "DIR", O(home), C_INSTALL,
     "the home directory (default: $HOME)"},
    {"--check", NULL, NULL, O(check), C_GENERATE | C_INSTALL | C_SITE,
     "compare with the files there, write nothing; 1: not current"},
    {"--dry-run", NULL, NULL, O(dry_run), C_GENERATE | C_INSTALL | C_SITE,
     "say what a run would do, and the diffs; write nothing"},
    {"--diff", NULL, NULL, O(diff), C_GENERATE | C_INSTALL | C_SITE,
     "with --check: the diffs too (--dry-run always)"},
    {"--layout", NULL, "tree|shared", O(layout), C_SITE,
     "a directory a domain, or each set of files once"},
    {"--web-host", NULL, "HOST", O(web_host), C_SITE,
     "the host serving the tree (DNS records point to it)"},
    {"--listen", NULL, "ADDR", O(listen), C_SITE,
     "nginx's listen address (default 80)"},
    {"--apple", NULL, NULL, O(apple), C_SITE,
     "also each domain's Apple profile"},
    {"--verify", NULL, NULL, O(verify), C_SITE,
     "compare the files the manifest vouches for"},
    {"--force", NULL, NULL, O(force),
     C_GENERATE | C_INSTALL | C_IMPORT | C_SITE,
     "replace files mailconf did not write, or that were edited since"},
    {"--strict", NULL, NULL, O(strict), C_SPEC | C_IMPORT,
     "warnings are errors (-Werror), but silenced or waived ones"},
    {"-Wno-NAME", NULL, NULL, 0, C_SPEC | C_IMPORT,
     "silence the warning or note NAME (docs/spec.md 5)"},
    {"--diagnostics", NULL, "FORMAT", O(diagnostics), C_SPEC | C_IMPORT,
     "text (default), json, sarif or github"},
    {"--quiet", "-q", NULL, O(quiet),
     C_GENERATE | C_CHECK | C_INSTALL | C_IMPORT | C_SITE,
     "no summary line (check: no \"SPEC: ok\")"},
    {"--templates", NULL, "DIR", O(templates_dir), C_SPEC,
     "use the templates in DIR"},
    {"--presets", NULL, "DIR", O(presets_dir), C_SPEC | C_IMPORT | C_LIST,
     "look presets up in DIR"},
    {"--email", NULL, "ADDR", O(user.email), C_PERSON,
     "the person's address; fills in usernames"},
    {"--name", NULL, "NAME", O(user.real_name), C_PERSON, "the person's name"},
    {"--login", NULL, "LOGIN", O(user.login), C_PERSON,
     "the login, when not derived from the address"},
    {"--pass-cmd", NULL, "CMD", O(user.pass_cmd), C_PERSON,
     "a command printing the password (%EMAILADDRESS%...)"},
    {"--token-cmd", NULL, "CMD", O(user.token_cmd), C_PERSON,
     "a command printing an OAuth2 token (XOAUTH2)"},
    {"--password-env", NULL, "VAR", O(password_env), C_PERSON,
     "write the password in $VAR into the rc files"},
    {"--ca-file", NULL, "FILE", O(user.ca_file), C_PERSON,
     "trust this CA bundle instead of the system's"},
    {"--maildir", NULL, "DIR", O(user.maildir), C_PERSON,
     "mbsync's local Maildir (default ~/Mail/ADDR/)"},
    {"--mda", NULL, "CMD", O(user.mda), C_PERSON,
     "fetchmail delivers through this command"},
    {"--smtp-host", NULL, "HOST", O(user.smtp_host), C_PERSON,
     "fetchmail delivers to this SMTP host"},
    {"--incoming", NULL, "imap|pop3", O(user.incoming), C_PERSON,
     "fetchmail's protocol (default: the spec's order)"},
    {"--lang", NULL, "LANG", O(user.lang), C_PERSON,
     "the checklists' language: en (default) or ja"},
    {"--sign-cert", NULL, "PEM", O(finish.sign_cert), C_GENERATE | C_CHECK,
     "sign the Apple profile with this certificate"},
    {"--sign-key", NULL, "PEM", O(finish.sign_key), C_GENERATE | C_CHECK,
     "the certificate's private key"},
    {"--sign-chain", NULL, "PEM", O(finish.sign_chain), C_GENERATE | C_CHECK,
     "intermediate certificates to include"},
#undef O
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static const char exit_text[] =
    "exit status: 0 ok (warnings allowed); 1 errors in the input (spec,\n"
    "preset, template, also when unreadable) or a failed output check,\n"
    "nothing written, or (--check) output that is not current; 2 usage\n"
    "error, or writing the output failed\n";

static void
help_command(const struct command *c)
{
	const char *p = c->synopsis;

	printf("usage: ");
	do {
		size_t n = strcspn(p, "\n");

		printf("%smailconf %s%s%.*s\n",
		       p == c->synopsis ? "" : "       ", c->name,
		       n > 0 ? " " : "", (int)n, p);
		p += n + (p[n] == '\n');
	} while (*p != '\0');
	printf("%s\noptions:\n", c->summary);
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option *r = &options[i];
		char left[64];

		if (!(r->cmds & c->bit))
			continue;
		snprintf(left, sizeof(left), "%s%s%s%s%s",
		         r->alias != NULL ? r->alias : "",
		         r->alias != NULL ? ", " : "", r->name,
		         r->arg != NULL ? " " : "",
		         r->arg != NULL ? r->arg : "");
		printf("  %-21s %s\n", left, r->help);
	}
	printf("  %-21s %s\n", "-h, --help", "this help");
}

static void
help_all(void)
{
	printf("usage: mailconf COMMAND [ARGUMENT | OPTION]...\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].summary);
	printf("  %-10s %s\n  %-10s %s\n", "help",
	       "this list; help COMMAND: its options", "--version",
	       "the version");
	printf("mailconf COMMAND --help shows its synopsis and options.\n%s",
	       exit_text);
}

static const struct command *
find_command(const char *name)
{
	for (size_t i = 0; name != NULL && i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* find_option returns c's row for the option spelt as key (n bytes);
 * NULL, with *known set when another command has it. */
static const struct option *
find_option(const struct command *c, const char *key, size_t n, bool *known)
{
	*known = false;
	for (size_t i = 0; i < NOPTIONS; i++) {
		const struct option *r = &options[i];

		if ((strlen(r->name) != n || strncmp(r->name, key, n) != 0) &&
		    (r->alias == NULL || strlen(r->alias) != n ||
		     strncmp(r->alias, key, n) != 0))
			continue;
		if (r->cmds & c->bit)
			return r;
		*known = true;
	}
	return NULL;
}

/* warning_off reads -Wno-NAME into o->wno: 0, or a usage error's
 * status. */
static int
warning_off(const struct command *c, const char *a, struct opts *o)
{
	const char *name = a + 5;
	bool known;

	if (find_option(c, "-Wno-NAME", 9, &known) == NULL)
		return usage(o, "%s: -Wno-NAME is not an option of %s", c->name,
		             c->name);
	if (diag_name_find(name) == NULL)
		return usage(o,
		             "%s: %s: no warning or note is named \"%s\" "
		             "(docs/spec.md section 5 lists them)",
		             c->name, a, name);
	o->wno = xreallocarray(o->wno, o->nwno + 2, sizeof(*o->wno));
	o->wno[o->nwno++] = name;
	o->wno[o->nwno] = NULL;
	return 0;
}

/* parse_args reads c's options into o: 0, -1 after --help, or a usage
 * error's status. An option's value follows it, or "=". */
static int
parse_args(const struct command *c, int argc, char **argv, struct opts *o)
{
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v;
		size_t n = strcspn(a, "=");
		const struct option *r;
		bool known;

		if (a[0] != '-' || a[1] == '\0') {
			o->specs[o->nspecs++] = a;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			help_command(c);
			return -1;
		}
		if (strncmp(a, "-Wno-", 5) == 0) {
			int rc = warning_off(c, a, o);

			if (rc != 0)
				return rc;
			continue;
		}
		/* gcc's spelling of --strict */
		if (strcmp(a, "-Werror") == 0)
			a = "--strict", n = 8;
		r = find_option(c, a, n, &known);
		if (r == NULL && known)
			return usage(o, "%s: %.*s is not an option of %s",
			             c->name, (int)n, a, c->name);
		if (r == NULL)
			return usage(o, "%s: unknown option %.*s", c->name,
			             (int)n, a);
		if (r->arg == NULL && a[n] == '=')
			return usage(o, "%s: option %.*s takes no value",
			             c->name, (int)n, a);
		if (r->arg == NULL) {
			*(bool *)((char *)o + r->off) = true;
			continue;
		}
		v = a[n] == '=' ? a + n + 1 : i + 1 < argc ? argv[++i] : "";
		/* "--out --force" is a forgotten value, not a directory named
		 * "--force". */
		if (*v == '\0' || (a[n] != '=' && v[0] == '-' && v[1] != '\0'))
			return usage(o, "%s: option %.*s needs a value",
			             c->name, (int)n, a);
		*(const char **)((char *)o + r->off) = v;
	}
	return 0;
}

/* trimmed is path without its trailing slashes ("/" stays), owned: dist/
 * and dist are one folder, and the files shown are dist/msmtprc. */
static char *
trimmed(const char **path)
{
	size_t n;
	char *s;

	if (*path == NULL)
		return NULL;
	n = strlen(*path);
	while (n > 1 && (*path)[n - 1] == '/')
		n--;
	s = xstrndup(*path, n);
	*path = s;
	return s;
}

/* resolve_and_run resolves what the options leave to the environment
 * (--password-env, the preset serving --email's domain) and runs c. */
static int
resolve_and_run(const struct command *c, struct opts *o)
{
	struct recipe_store kept = {NULL, 0};
	char *found = NULL, *recipe = NULL;
	int rc;

	if (o->diagnostics != NULL && strcmp(o->diagnostics, "text") != 0 &&
	    strcmp(o->diagnostics, "json") != 0 &&
	    strcmp(o->diagnostics, "sarif") != 0 &&
	    strcmp(o->diagnostics, "github") != 0)
		return usage(o,
		             "--diagnostics: \"%s\" is not text, json, sarif "
		             "or github",
		             o->diagnostics);
	/* generate --out DIR alone makes DIR again as its manifest says. */
	if (c->bit == C_GENERATE && o->nspecs == 0 && o->preset == NULL &&
	    o->user.email == NULL && o->users == NULL && o->out_dir != NULL &&
	    o->out_file == NULL) {
		struct diag d = DIAG_INIT;

		diag_setup(o, &d);
		rc = recipe_replay(o, &kept, &d);
		if (rc != 0) {
			recipe_store_free(&kept);
			return finish(&d, rc);
		}
		diag_free(&d);
	}
	if (o->password_env != NULL) {
		o->user.password = getenv(o->password_env);
		if (o->user.password == NULL)
			return usage(o, "--password-env: %s is not set",
			             o->password_env);
	}
	if (o->nspecs == 0 && o->preset == NULL && o->user.email != NULL) {
		found = preset_for_email(o, o->user.email);
		if (found == NULL)
			return usage(
			    o,
			    "no preset serves the domain of %s; give a "
			    "SPEC or --preset NAME",
			    o->user.email);
		o->preset = found;
	}
	if (c->bit == C_GENERATE && o->out_dir != NULL) {
		/* A spec that cannot be read is the command's to report. */
		struct diag quiet = DIAG_INIT;

		o->recipe = recipe = recipe_make(o, &quiet);
		diag_free(&quiet);
	}
	rc = c->run(o);
	free(recipe);
	free(found);
	recipe_store_free(&kept);
	return rc;
}

static int
run(const struct command *c, struct opts *o)
{
	char *out = trimmed(&o->out_dir), *home = trimmed(&o->home);
	int rc = resolve_and_run(c, o);

	free(out);
	free(home);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o = {.templates_dir = DATADIR "/templates",
	                 .presets_dir = DATADIR "/presets"};
	const char *name = argc > 1 ? argv[1] : NULL;
	const struct command *c = find_command(name);
	int rc;

	if (name == NULL)
		return usage(&o, "no command given");
	if (strcmp(name, "--version") == 0)
		return printf("mailconf %s\n", VERSION) < 0 ? EXIT_USAGE : 0;
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
	    strcmp(name, "help") == 0) {
		c = find_command(argc > 2 ? argv[2] : NULL);
		if (c != NULL)
			help_command(c);
		else if (argc > 2)
			return usage(&o, "help: unknown command \"%s\"",
			             argv[2]);
		else
			help_all();
		return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
	}
	if (c == NULL)
		return usage(&o, "unknown command \"%s\"", name);
	o.command = c->name;
	o.specs = xcalloc((size_t)argc, sizeof(*o.specs));
	/* A signal while files are staged removes them first. */
	out_signals();
	rc = parse_args(c, argc, argv, &o);
	if (rc == 0)
		rc = run(c, &o);
	else if (rc < 0)
		rc = fflush(stdout) == 0 ? 0 : EXIT_USAGE;
	free(o.specs);
	free(o.wno);
	xml_cleanup();
	out_exit_if_signalled();
	return rc;
}
