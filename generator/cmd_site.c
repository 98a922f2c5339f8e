/* SPDX-License-Identifier: MIT */
/* mailconf site: the web tree serving autoconfig and autodiscover for
 * every domain of many specs, with server snippets and DNS records. */
/* realpath(3) is XSI. */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "escape.h"
#include "outdir.h"
#include "output.h"
#include "site.h"
#include "spec.h"
#include "xalloc.h"

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
	const char *copy_of; /* NULL, or the earlier file it is the bytes of */
	bool apple;          /* only with --apple */
} site_files[] = {
    {.file = "mail/config-v1.1.xml", .target = "thunderbird"},
    {.file = ".well-known/autoconfig/mail/config-v1.1.xml",
     .target = "thunderbird",
     .copy_of = "mail/config-v1.1.xml"},
    {.file = "autodiscover/autodiscover.xml", .target = "autodiscover"},
    {.file = "autodiscover/autodiscover.json", .target = "autodiscover-json"},
    {.file = "mail.mobileconfig", .target = "apple", .apple = true},
};
#define NSITE_FILES (sizeof(site_files) / sizeof(site_files[0]))

/* The site's own outputs, from its own templates: the server
 * configuration, once a run, and streams with a part a domain. */
static const struct site_part {
	struct target t;    /* the template, its escaper, a name for messages */
	const char *output; /* the file or stream, under the root */
	bool per_domain;    /* a stream; else a file, from the first spec */
	bool shared_only;   /* only in the shared layout */
	bool fill_domain;   /* %EMAILDOMAIN% is the domain (a zone cannot
	                       hold the placeholder) */
} site_parts[] = {
    {.t = {.name = "nginx.conf",
           .template = "site-nginx.conf.mustache",
           .escape = escape_conf},
     .output = "nginx.conf"},
    {.t = {.name = "apache.conf",
           .template = "site-apache.conf.mustache",
           .escape = escape_conf},
     .output = "apache.conf"},
    {.t = {.name = "dns.zone",
           .template = "site-dns.zone.mustache",
           .escape = escape_conf},
     .output = "dns.zone",
     .per_domain = true,
     .fill_domain = true},
    {.t = {.name = "nginx map",
           .template = "site-nginx-map.mustache",
           .escape = escape_conf},
     .output = "nginx-map.conf",
     .per_domain = true,
     .shared_only = true},
    {.t = {.name = "Apache map",
           .template = "site-apache-map.mustache",
           .escape = escape_conf},
     .output = "apache-map.txt",
     .per_domain = true,
     .shared_only = true},
};
#define NSITE_PARTS (sizeof(site_parts) / sizeof(site_parts[0]))
/* What a site run writes for each domain: its files (tree layout), then
 * its parts of the streams (r->out[PART(k)] for site_parts[k]). */
#define PART(k) (NSITE_FILES + (k))
#define NOUT PART(NSITE_PARTS)

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
	size_t src[NSITE_FILES];      /* the file it copies; itself: none */
	struct tmpl *pt[NSITE_PARTS]; /* NULL: not in this layout */
	struct site_stream *stream[NSITE_PARTS];
	bool shared;
	struct buf out[NOUT]; /* one domain's outputs */
	struct site_pattern *pat[NOUT];
};

/* in_layout says whether site part p is written in r's layout. */
static bool
in_layout(const struct site_run *r, const struct site_part *p)
{
	return !p->shared_only || r->shared;
}

/* copy_source returns the row of site_files that file i copies, or i. */
static size_t
copy_source(size_t i)
{
	for (size_t k = 0; site_files[i].copy_of != NULL && k < i; k++)
		if (strcmp(site_files[k].file, site_files[i].copy_of) == 0)
			return k;
	return i;
}

/* render_domain renders every output of domain dom into r->out (the
 * view's other values set); check: run the formats' checks (false when
 * one fails, reported). */
static bool
render_domain(struct site_run *r, struct object *view, const char *dom,
              bool check, struct diag *d)
{
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
			const struct buf *from = &r->out[r->src[i]];

			if (r->tt[i] == NULL)
				continue;
			if (r->src[i] != i)
				buf_add(&r->out[i], from->data, from->len);
			else if (render_target(
			             target_find(site_files[i].target),
			             r->tt[i], view, check, NULL, &r->out[i],
			             d) != RENDER_OK)
				return false;
		}
	}
	for (size_t k = 0; k < NSITE_PARTS; k++) {
		const struct site_part *p = &site_parts[k];
		struct buf *b = &r->out[PART(k)];

		if (!p->per_domain || !in_layout(r, p))
			continue;
		if (render_target(&p->t, r->pt[k], view, false, NULL, b, d) !=
		    RENDER_OK)
			return false;
		/* A host such as mail.%EMAILDOMAIN% is this domain's. */
		if (p->fill_domain &&
		    strstr(buf_cstr(b), "%EMAILDOMAIN%") != NULL) {
			char *who = xasprintf("postmaster@%s", dom);
			char *z = view_fill(buf_cstr(b), who, false);

			buf_reset(b);
			buf_puts(b, z);
			free(z);
			free(who);
		}
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
 * patterns, and its parts of the streams. */
static void
site_outputs(struct site_run *r, struct site *s, const char *dom)
{
	struct site_file files[NSITE_FILES];
	size_t n = 0;

	for (size_t i = 0; i < NSITE_FILES && !r->shared; i++)
		if (r->tt[i] != NULL) {
			files[n].name = site_files[i].file;
			files[n++].pattern = r->pat[i];
		}
	site_domain(s, dom, files, n);
	for (size_t k = 0; k < NSITE_PARTS; k++) {
		struct buf *b = &r->out[PART(k)];

		if (r->stream[k] == NULL)
			continue;
		buf_reset(b);
		site_pattern_fill(r->pat[PART(k)], dom, b);
		site_stream_write(r->stream[k], b->data, b->len);
	}
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
		const struct buf *from = &r->out[r->src[i]];

		buf_reset(&r->out[i]);
		if (r->tt[i] == NULL)
			continue;
		if (r->src[i] != i)
			buf_add(&r->out[i], from->data, from->len);
		else if (render_target(target_find(site_files[i].target),
		                       r->tt[i], view, true, NULL, &r->out[i],
		                       d) != RENDER_OK)
			return false;
		h = h * 31 + manifest_hash(r->out[i].data, r->out[i].len);
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
          struct object *view, struct diag *d)
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
		site_outputs(r, s, dom);
		if (!copies)
			drop_patterns(r);
		first = false;
	}
	drop_patterns(r);
	return model_walk_end(w) && !bad;
}

/* site_realpath is the absolute path the servers will read out_dir by;
 * a root not made yet is resolved through its parent, so that a run that
 * fails its checks leaves nothing behind, not even the folder. */
static char *
site_realpath(const char *out_dir)
{
	char *copy, *slash, *parent, *path;
	const char *base;
	int e;

	path = realpath(out_dir, NULL);
	if (path != NULL || errno != ENOENT)
		return path;
	copy = xstrdup(out_dir);
	while ((slash = strrchr(copy, '/')) != NULL && slash[1] == '\0' &&
	       slash != copy)
		*slash = '\0';
	slash = strrchr(copy, '/');
	base = slash == NULL ? copy : slash + 1;
	if (slash == copy)
		parent = realpath("/", NULL);
	else if (slash != NULL) {
		*slash = '\0';
		parent = realpath(copy, NULL);
	} else
		parent = realpath(".", NULL);
	e = parent == NULL ? errno : 0;
	if (parent != NULL)
		path = xasprintf("%s/%s",
		                 strcmp(parent, "/") == 0 ? "" : parent, base);
	free(parent);
	free(copy);
	errno = e;
	return path;
}

/* load_site_model is load_model for the site: a spec's domain list stays
 * in its file (a hoster lists 100,000), read back a line at a time. */
static struct model *
load_site_model(const struct opts *o, const char *spec, char *const *known,
                struct diag *d)
{
	struct source *src = spec_load_lean(spec, o->preset, o->presets_dir,
	                                    "provider", "domains", d);
	return src != NULL ? model_check(src, (const char *const *)known, d)
	                   : NULL;
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
 * records; see docs/spec.md, "Hosting". --check and --dry-run make the
 * same run through site.c, which then writes nothing. */
int
cmd_site(const struct opts *o)
{
	struct diag d = DIAG_INIT;
	struct changes changes = CHANGES_INIT;
	/* A check compares every file with what is there: the manifest's
	 * word (--verify reads them) and whose a file is (--force) are the
	 * real run's questions, and --dry-run's. */
	struct site_opts so = {.out = o->out_dir,
	                       .verify = o->verify || o->check,
	                       .force = o->force || o->check,
	                       .progress = !o->quiet && isatty(2),
	                       .dry = o->check || o->dry_run ? &changes : NULL};
	struct site_stats st;
	struct site_run r = {.shared = o->layout != NULL &&
	                               strcmp(o->layout, "shared") == 0};
	struct model **models = NULL;
	struct buf b = BUF_INIT;
	struct site *s = NULL;
	struct view_opts nobody = {0};
	char **known, **specs, *root = NULL;
	size_t nspecs = 0;
	int rc = check_modes(o);
	bool done;

	diag_setup(o, &d);
	if (rc != 0)
		return rc;
	changes.check = o->check;
	changes.diffs = o->diff || o->dry_run;
	/* The snippets and the zone replaced with --force are kept. */
	changes.backup = true;
	if (o->nspecs == 0)
		return usage(
		    o, "site needs one or more SPEC files or directories");
	if (o->out_dir == NULL)
		return usage(o, "site writes a tree: give --out DIR");
	if (o->layout != NULL && !r.shared && strcmp(o->layout, "tree") != 0)
		return usage(o, "--layout is tree or shared, not \"%s\"",
		             o->layout);
	if (o->listen != NULL &&
	    (o->listen[0] == '\0' ||
	     strspn(o->listen, "0123456789abcdefABCDEF.:[]") !=
	         strlen(o->listen)))
		return usage(o,
		             "--listen: \"%s\" is not an address like "
		             "127.0.0.1:8080 or 80",
		             o->listen);
	if (o->web_host != NULL && model_host_error(o->web_host) != NULL)
		return usage(o, "--web-host: \"%s\" is not a host name",
		             o->web_host);
	if (!site_safe(o->out_dir))
		return usage(o, "site: the --out path must be plain (letters, "
		                "digits, / . _ - + @ , =): it is written into "
		                "nginx and Apache configuration");
	root = site_realpath(o->out_dir);
	if (root == NULL) {
		diag_error(&d, NULL, "cannot make the directory %s: %s",
		           o->out_dir, strerror(errno));
		return finish(&d, EXIT_USAGE);
	}
	if (!site_safe(root)) {
		free(root);
		return usage(o, "site: the --out path must be plain (letters, "
		                "digits, / . _ - + @ , =): it is written into "
		                "nginx and Apache configuration");
	}
	for (size_t i = 0; i < NOUT; i++)
		r.out[i] = (struct buf)BUF_INIT;
	for (size_t i = 0; i < NSITE_FILES; i++) {
		r.src[i] = copy_source(i);
		if (r.src[i] != i)
			r.tt[i] = r.tt[r.src[i]];
		else if (!site_files[i].apple || o->apple)
			r.tt[i] =
			    render_load(target_find(site_files[i].target),
			                o->templates_dir, view_langs[0], &d);
	}
	for (size_t k = 0; k < NSITE_PARTS; k++)
		if (in_layout(&r, &site_parts[k]))
			r.pt[k] =
			    render_load(&site_parts[k].t, o->templates_dir,
			                view_langs[0], &d);
	/* Every spec is checked before anything is written. */
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
	for (size_t k = 0; k < NSITE_PARTS; k++)
		if (site_parts[k].per_domain && in_layout(&r, &site_parts[k]))
			r.stream[k] = site_stream_open(s, site_parts[k].output);
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
		for (size_t k = 0; k < NSITE_PARTS && i == 0; k++) {
			const struct site_part *p = &site_parts[k];

			if (p->per_domain || !in_layout(&r, p))
				continue;
			buf_reset(&b);
			if (render_target(&p->t, r.pt[k], view, false, NULL, &b,
			                  &d) == RENDER_OK)
				site_file(s, p->output, b.data, b.len);
		}
		done = site_spec(&r, s, models[i], view, &d);
		object_free(view);
	}
	/* A run that stopped early (a failed check, a warning under
	 * --strict, a spec that changed) has not written every domain: it
	 * must neither remove their files nor replace the manifest. */
	if (!done || d.errors > 0)
		site_stop(s);
	for (size_t k = 0; k < NSITE_PARTS; k++)
		if (r.stream[k] != NULL)
			site_stream_close(r.stream[k]);
	/* A failed write is a system error (2); input errors give 1. */
	if (!site_close(s))
		rc = EXIT_USAGE;
	else if (so.dry != NULL) {
		if (!changes_print(&changes, d.errors > 0))
			rc = EXIT_USAGE;
		else if (o->check && changes.n > 0)
			rc = 1;
	} else if (d.errors == 0 && !o->quiet)
		say("mailconf: site: %ld domains; %ld written, %ld "
		    "unchanged, %ld removed\n",
		    st.domains, st.written, st.unchanged, st.removed);
out:
	for (size_t i = 0; i < NSITE_FILES; i++)
		if (r.src[i] == i)
			tmpl_free(r.tt[i]);
	for (size_t k = 0; k < NSITE_PARTS; k++)
		tmpl_free(r.pt[k]);
	for (size_t i = 0; i < NOUT; i++)
		buf_free(&r.out[i]);
	for (size_t i = 0; i < nspecs; i++) {
		model_free(models[i]);
		free(specs[i]);
	}
	free(models);
	free(specs);
	free(root);
	buf_free(&b);
	changes_free(&changes);
	return finish(&d, rc);
}
