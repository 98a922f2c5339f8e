/* SPDX-License-Identifier: MIT */
/* mailconf site: the web tree serving autoconfig and autodiscover for
 * every domain of many specs, with server snippets and DNS records. */
/* realpath(3) is XSI. */
#define _XOPEN_SOURCE 700

#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "escape.h"
#include "output.h"
#include "site.h"
#include "spec.h"
#include "xalloc.h"

/* site_template loads one of the site's own templates (nginx, Apache,
 * DNS), checked like a target's. */
static struct tmpl *
site_template(const struct opts *o, const char *name, struct diag *d)
{
	struct target t = {.name = name, .template = name};

	return render_load(&t, o->templates_dir, "en", d);
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

/* rendered renders one of the site's own templates (escaped as
 * configuration; no check), as render_target does for a target's. */
static bool
rendered(const struct tmpl *tp, const char *what, const struct object *view,
         escape_fn *esc, struct buf *out, struct diag *d)
{
	struct target t = {.name = what, .escape = esc};

	return render_target(&t, tp, view, false, NULL, out, d) == RENDER_OK;
}

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
			if (render_target(t, r->tt[i], view, check, NULL,
			                  &r->out[i], d) != RENDER_OK)
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
			if (render_target(t, r->tt[i], view, true, NULL,
			                  &r->out[i], d) != RENDER_OK)
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
int
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
	if (!output_mkdirs(o->out_dir, 0755, &d))
		return finish(&d, EXIT_USAGE);
	root = realpath(o->out_dir, NULL);
	if (root == NULL || !site_safe(root)) {
		free(root);
		return usage(o, "site: the --out path must be plain (letters, "
		                "digits, / . _ - + @ , =): it is written into "
		                "nginx and Apache configuration");
	}
	for (size_t i = 0; i < NOUT; i++)
		r.out[i] = (struct buf)BUF_INIT;
	for (size_t i = 0; i < NSITE_FILES; i++) {
		if (i != 1 && (i != 4 || o->apple))
			r.tt[i] = render_load(target_find(site_files[i].target),
			                      o->templates_dir, "en", &d);
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
