/*
 * eval_trace.c — `fundtrace eval trace --truth DIR --trace DIR`: scores a trace against the
 * expected figures of a generated chain (the reference tracer's truth/expected_summary.csv
 * and truth/expected_flows.csv, docs/generator.md).
 *
 * The trace directory holds summary.csv and flows.csv as `fundtrace trace --out DIR` writes
 * them (ARCHITECTURE.md section 6). For every (incident, model) row of the expected summary:
 * the absolute error of each figure (stolen, to_exchange, to_mixer, to_bridge, to_other,
 * unspent, fees, below_threshold, hop_limit) in base units; a row the trace lacks counts as
 * all zeros (and is reported missing). Flows are matched by (incident, model, address) after
 * sorting both lists: matched, missing (expected only), extra (trace only), and the sum and
 * maximum of |expected − traced| over the union. Rows of the trace that the truth does not have
 * are listed as extra. Errors are data: the exit code is 0 whenever the files could be compared.
 *
 * Base units: 8 decimals for BTC, 18 for ETH, otherwise the number of fraction digits of the
 * expected cell (both sides must write exact decimal strings in asset units).
 * Exit codes: 0 compared, 1 a file cannot be read, 2 a malformed file, 129 usage.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/btc_index.h"
#include "cli/commands.h"
#include "cli/csv_read.h"
#include "engine/amount.h"

#include "engine/banned.h"

const char cmd_eval_trace_usage[] =
    "usage: fundtrace [--json] eval trace --truth DIR --trace DIR\n"
    "\n"
    "Compares a trace (--trace DIR: summary.csv and flows.csv as `fundtrace trace --out DIR`\n"
    "writes them) with the expected figures of a generated chain (--truth: the generator's\n"
    "output directory, its truth/ directory, or truth/expected_summary.csv; flows come from\n"
    "expected_flows.csv beside it). Per incident and model it prints the absolute error of\n"
    "each summary figure in base units (satoshi), and for the flows, matched by (incident,\n"
    "model, address), how many match and the summed absolute error.\n"
    "\n"
    "Exit codes: 0 compared (errors are data), 1 a file cannot be read, 2 a malformed file,\n"
    "129 usage error.\n";

#define N_FIG 9
static const char *const fig_names[N_FIG] = {"stolen",   "to_exchange", "to_mixer",
                                             "to_bridge", "to_other",   "unspent",
                                             "fees",     "below_threshold", "hop_limit"};

typedef struct srow {
    char incident[128], model[32], asset[32];
    unsigned decimals;
    ft_u128 fig[N_FIG];
    int matched;
} srow;

typedef struct frow {
    char incident[128], model[32], address[128];
    ft_u128 amount;
} frow;

static unsigned frac_digits(const char *cell)
{
    const char *dot = strchr(cell, '.');
    return dot ? (unsigned)strlen(dot + 1) : 0;
}

static unsigned asset_decimals(const char *asset, const char *cell)
{
    if (strcmp(asset, "BTC") == 0)
        return 8;
    if (strcmp(asset, "ETH") == 0)
        return 18;
    unsigned d = frac_digits(cell);
    return d > 38 ? 38 : d;
}

static int set_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        return 0;
    memcpy(dst, src, n + 1);
    return 1;
}

/* Reads a summary CSV; each row's amounts in base units of its asset (asset_decimals). */
static ft_status read_summary(const char *path, srow **out, size_t *n_out, ft_err *err)
{
    ft_cli_csv c;
    *out = NULL;
    *n_out = 0;
    ft_status s = ft_cli_csv_open(&c, path, err);
    if (s != FT_OK)
        return s;
    int col[N_FIG], ci, cm, ca;
    int rc = ft_cli_csv_next(&c, err);
    if (rc < 0) {
        ft_cli_csv_close(&c);
        return err->code;
    }
    ci = ft_cli_csv_find(&c, "incident");
    cm = ft_cli_csv_find(&c, "model");
    ca = ft_cli_csv_find(&c, "asset");
    int ok = rc == 1 && ci >= 0 && cm >= 0 && ca >= 0;
    for (int k = 0; k < N_FIG; k++)
        if ((col[k] = ft_cli_csv_find(&c, fig_names[k])) < 0)
            ok = 0;
    if (!ok) {
        ft_cli_csv_close(&c);
        return ft_err_set(err, FT_ERR_PARSE,
                          "'%s' is not a summary CSV (incident,model,chain,asset,stolen,...)", path);
    }
    srow *v = NULL;
    size_t n = 0, cap = 0;
    while ((rc = ft_cli_csv_next(&c, err)) == 1) {
        unsigned long long ln = (unsigned long long)c.line;
        size_t need = (size_t)(ci > cm ? ci : cm);
        if ((size_t)ca > need)
            need = (size_t)ca;
        for (int k = 0; k < N_FIG; k++)
            if ((size_t)col[k] > need)
                need = (size_t)col[k];
        if (c.n_field <= need) {
            s = ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: too few fields", path, ln);
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            srow *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
                break;
            }
            v = nv;
        }
        srow *r = &v[n];
        memset(r, 0, sizeof *r);
        if (!set_str(r->incident, sizeof r->incident, c.field[ci]) ||
            !set_str(r->model, sizeof r->model, c.field[cm]) ||
            !set_str(r->asset, sizeof r->asset, c.field[ca])) {
            s = ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: a name is too long", path, ln);
            break;
        }
        r->decimals = asset_decimals(r->asset, c.field[col[0]]);
        for (int k = 0; k < N_FIG && s == FT_OK; k++)
            if (ft_amount_parse(&r->fig[k], c.field[col[k]], r->decimals) != FT_OK)
                s = ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: bad amount '%s' in column '%s'",
                               path, ln, c.field[col[k]], fig_names[k]);
        if (s != FT_OK)
            break;
        for (size_t j = 0; j < n; j++)
            if (strcmp(v[j].incident, r->incident) == 0 && strcmp(v[j].model, r->model) == 0) {
                s = ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: incident '%s' model '%s' twice",
                               path, ln, r->incident, r->model);
                break;
            }
        if (s != FT_OK)
            break;
        n++;
    }
    if (rc < 0)
        s = err->code;
    ft_cli_csv_close(&c);
    if (s != FT_OK) {
        free(v);
        return s;
    }
    *out = v;
    *n_out = n;
    return FT_OK;
}

static int cmp_frow(const void *a, const void *b)
{
    const frow *x = a, *y = b;
    int c = strcmp(x->incident, y->incident);
    if (c)
        return c;
    if ((c = strcmp(x->model, y->model)) != 0)
        return c;
    return strcmp(x->address, y->address);
}

/* Reads a flows CSV, sorted by key, duplicate keys summed. */
static ft_status read_flows(const char *path, frow **out, size_t *n_out, ft_err *err)
{
    ft_cli_csv c;
    *out = NULL;
    *n_out = 0;
    ft_status s = ft_cli_csv_open(&c, path, err);
    if (s != FT_OK)
        return s;
    int rc = ft_cli_csv_next(&c, err);
    if (rc < 0) {
        ft_cli_csv_close(&c);
        return err->code;
    }
    int ci = ft_cli_csv_find(&c, "incident"), cm = ft_cli_csv_find(&c, "model");
    int ca = ft_cli_csv_find(&c, "asset"), cd = ft_cli_csv_find(&c, "address");
    int cv = ft_cli_csv_find(&c, "amount");
    if (rc != 1 || ci < 0 || cm < 0 || ca < 0 || cd < 0 || cv < 0) {
        ft_cli_csv_close(&c);
        return ft_err_set(err, FT_ERR_PARSE,
                          "'%s' is not a flows CSV (incident,model,chain,asset,category,...)", path);
    }
    int maxc = ci;
    if (cm > maxc) maxc = cm;
    if (ca > maxc) maxc = ca;
    if (cd > maxc) maxc = cd;
    if (cv > maxc) maxc = cv;
    frow *v = NULL;
    size_t n = 0, cap = 0;
    while ((rc = ft_cli_csv_next(&c, err)) == 1) {
        unsigned long long ln = (unsigned long long)c.line;
        if (c.n_field <= (size_t)maxc) {
            s = ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: too few fields", path, ln);
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            frow *nv = realloc(v, cap * sizeof *nv);
            if (!nv) {
                s = ft_err_set(err, FT_ERR_NOMEM, "out of memory");
                break;
            }
            v = nv;
        }
        frow *r = &v[n];
        memset(r, 0, sizeof *r);
        if (!set_str(r->incident, sizeof r->incident, c.field[ci]) ||
            !set_str(r->model, sizeof r->model, c.field[cm]) ||
            !set_str(r->address, sizeof r->address, c.field[cd])) {
            s = ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: a name is too long", path, ln);
            break;
        }
        if (ft_amount_parse(&r->amount, c.field[cv], asset_decimals(c.field[ca], c.field[cv])) !=
            FT_OK) {
            s = ft_err_set(err, FT_ERR_PARSE, "'%s' line %llu: bad amount '%s'", path, ln,
                           c.field[cv]);
            break;
        }
        n++;
    }
    if (rc < 0)
        s = err->code;
    ft_cli_csv_close(&c);
    if (s != FT_OK) {
        free(v);
        return s;
    }
    qsort(v, n, sizeof *v, cmp_frow);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k && cmp_frow(&v[k - 1], &v[i]) == 0)
            v[k - 1].amount += v[i].amount;
        else
            v[k++] = v[i];
    }
    *out = v;
    *n_out = k;
    return FT_OK;
}

static ft_u128 absdiff(ft_u128 a, ft_u128 b)
{
    return a > b ? a - b : b - a;
}

static void u128_text(char out[FT_AMOUNT_STR_MAX], ft_u128 v)
{
    ft_u128_format(out, v);
}

static cJSON *json_u128(ft_u128 v)
{
    char t[FT_AMOUNT_STR_MAX];
    u128_text(t, v);
    return cJSON_CreateRaw(t);
}

typedef struct fscore {
    size_t truth, trace, matched, missing, extra;
    ft_u128 abs_error, max_error;
} fscore;

/* Resolves --truth into the expected summary and flows paths. */
static int truth_paths(const char *truth, char *sum, char *flows, size_t cap)
{
    struct stat sb;
    if (stat(truth, &sb) != 0)
        return 0;
    if (S_ISDIR(sb.st_mode)) {
        snprintf(sum, cap, "%s/expected_summary.csv", truth);
        if (stat(sum, &sb) == 0) {
            snprintf(flows, cap, "%s/expected_flows.csv", truth);
            return 1;
        }
        snprintf(sum, cap, "%s/truth/expected_summary.csv", truth);
        snprintf(flows, cap, "%s/truth/expected_flows.csv", truth);
        return 1;
    }
    snprintf(sum, cap, "%s", truth);
    const char *slash = strrchr(truth, '/');
    int dl = slash ? (int)(slash - truth) : 1;
    snprintf(flows, cap, "%.*s/expected_flows.csv", dl, slash ? truth : ".");
    return 1;
}

int cmd_eval_trace(ft_cli *cli, int argc, char **argv)
{
    const char *truth = NULL, *trace = NULL;
    const ft_opt opts[] = {{"truth", 1, &truth, NULL}, {"trace", 1, &trace, NULL}, {NULL, 0, NULL, NULL}};
    int n_pos = 0;
    int rc = ft_cli_parse("eval", argc, argv, opts, NULL, 0, &n_pos);
    if (rc)
        return rc;
    if (!truth || !trace)
        return ft_cli_usage_error("eval", "'eval trace' needs --truth DIR and --trace DIR");
    char tsum[4300], tflows[4300], rsum[4300], rflows[4300];
    if (!truth_paths(truth, tsum, tflows, sizeof tsum))
        return ft_cli_error(1, "cannot open '%s': no such file or directory", truth);
    snprintf(rsum, sizeof rsum, "%s/summary.csv", trace);
    snprintf(rflows, sizeof rflows, "%s/flows.csv", trace);

    ft_err err;
    ft_err_clear(&err);
    srow *es = NULL, *ts = NULL;
    frow *ef = NULL, *tf = NULL;
    size_t n_es = 0, n_ts = 0, n_ef = 0, n_tf = 0;
    ft_status s = read_summary(tsum, &es, &n_es, &err);
    if (s == FT_OK)
        s = read_summary(rsum, &ts, &n_ts, &err);
    if (s == FT_OK)
        s = read_flows(tflows, &ef, &n_ef, &err);
    if (s == FT_OK)
        s = read_flows(rflows, &tf, &n_tf, &err);
    if (s != FT_OK) {
        free(es);
        free(ts);
        free(ef);
        free(tf);
        return ft_cli_fail(s, &err);
    }

    /* summary errors per expected row */
    ft_u128 (*errs)[N_FIG] = calloc(n_es ? n_es : 1, sizeof *errs);
    fscore *fs = calloc(n_es ? n_es : 1, sizeof *fs);
    int *found = calloc(n_es ? n_es : 1, sizeof *found);
    if (!errs || !fs || !found) {
        free(errs);
        free(fs);
        free(found);
        free(es);
        free(ts);
        free(ef);
        free(tf);
        return ft_cli_error(1, "out of memory");
    }
    ft_u128 total = 0;
    size_t n_missing = 0, n_extra = 0;
    for (size_t i = 0; i < n_es; i++) {
        const srow *t = NULL;
        for (size_t j = 0; j < n_ts; j++)
            if (strcmp(ts[j].incident, es[i].incident) == 0 && strcmp(ts[j].model, es[i].model) == 0) {
                t = &ts[j];
                ts[j].matched = 1;
            }
        found[i] = t != NULL;
        n_missing += !found[i];
        for (int k = 0; k < N_FIG; k++) {
            ft_u128 tv = 0;
            if (t) {
                tv = t->fig[k];
                /* another decimals on the trace side: bring it to the expected base unit */
                for (unsigned d = t->decimals; d < es[i].decimals; d++)
                    tv *= 10;
                for (unsigned d = es[i].decimals; d < t->decimals; d++)
                    tv /= 10;
            }
            errs[i][k] = absdiff(es[i].fig[k], tv);
            total += errs[i][k];
        }
    }
    for (size_t j = 0; j < n_ts; j++)
        n_extra += !ts[j].matched;

    /* flows: merge the two sorted lists */
    ft_u128 ftotal = 0;
    size_t fmatched = 0, fmissing = 0, fextra = 0;
    size_t a = 0, b = 0;
    while (a < n_ef || b < n_tf) {
        int c = a >= n_ef ? 1 : b >= n_tf ? -1 : cmp_frow(&ef[a], &tf[b]);
        const frow *key = c <= 0 ? &ef[a] : &tf[b];
        ft_u128 ev = c <= 0 ? ef[a].amount : 0, tv = c >= 0 ? tf[b].amount : 0;
        ft_u128 d = absdiff(ev, tv);
        fscore *sc = NULL;
        for (size_t i = 0; i < n_es; i++)
            if (strcmp(es[i].incident, key->incident) == 0 && strcmp(es[i].model, key->model) == 0)
                sc = &fs[i];
        if (sc) {
            sc->truth += c <= 0;
            sc->trace += c >= 0;
            sc->matched += c == 0;
            sc->missing += c < 0;
            sc->extra += c > 0;
            sc->abs_error += d;
            if (d > sc->max_error)
                sc->max_error = d;
        }
        fmatched += c == 0;
        fmissing += c < 0;
        fextra += c > 0;
        ftotal += d;
        if (c <= 0)
            a++;
        if (c >= 0)
            b++;
    }

    int ret = 0;
    char t1[FT_AMOUNT_STR_MAX], t2[FT_AMOUNT_STR_MAX];
    if (cli->json) {
        cJSON *root = cJSON_CreateObject();
        ft_cli_json_str(root, "truth", tsum, 0);
        ft_cli_json_str(root, "trace", trace, 0);
        cJSON *rows = cJSON_AddArrayToObject(root, "rows");
        for (size_t i = 0; i < n_es; i++) {
            cJSON *o = cJSON_CreateObject();
            ft_cli_json_str(o, "incident", es[i].incident, 0);
            ft_cli_json_str(o, "model", es[i].model, 0);
            ft_cli_json_str(o, "asset", es[i].asset, 0);
            cJSON_AddItemToObject(o, "found", cJSON_CreateBool(found[i]));
            cJSON *e = cJSON_AddObjectToObject(o, "abs_error");
            for (int k = 0; k < N_FIG; k++)
                cJSON_AddItemToObject(e, fig_names[k], json_u128(errs[i][k]));
            cJSON *f = cJSON_AddObjectToObject(o, "flows");
            ft_cli_json_num(f, "truth", (double)fs[i].truth);
            ft_cli_json_num(f, "trace", (double)fs[i].trace);
            ft_cli_json_num(f, "matched", (double)fs[i].matched);
            ft_cli_json_num(f, "missing", (double)fs[i].missing);
            ft_cli_json_num(f, "extra", (double)fs[i].extra);
            cJSON_AddItemToObject(f, "abs_error", json_u128(fs[i].abs_error));
            cJSON_AddItemToObject(f, "max_abs_error", json_u128(fs[i].max_error));
            cJSON_AddItemToArray(rows, o);
        }
        cJSON *extra = cJSON_AddArrayToObject(root, "extra_rows");
        for (size_t j = 0; j < n_ts; j++)
            if (!ts[j].matched) {
                cJSON *o = cJSON_CreateObject();
                ft_cli_json_str(o, "incident", ts[j].incident, 0);
                ft_cli_json_str(o, "model", ts[j].model, 0);
                cJSON_AddItemToArray(extra, o);
            }
        ft_cli_json_num(root, "missing_rows", (double)n_missing);
        cJSON_AddItemToObject(root, "summary_abs_error", json_u128(total));
        cJSON *fl = cJSON_AddObjectToObject(root, "flows");
        ft_cli_json_num(fl, "truth", (double)n_ef);
        ft_cli_json_num(fl, "trace", (double)n_tf);
        ft_cli_json_num(fl, "matched", (double)fmatched);
        ft_cli_json_num(fl, "missing", (double)fmissing);
        ft_cli_json_num(fl, "extra", (double)fextra);
        cJSON_AddItemToObject(fl, "abs_error", json_u128(ftotal));
        ret = ft_cli_json_print(root);
    } else {
        printf("expected '%s' (%zu rows, %zu flows); trace '%s' (%zu rows, %zu flows)\n", tsum,
               n_es, n_ef, trace, n_ts, n_tf);
        printf("absolute errors in base units:\n");
        printf("incident,model,found");
        for (int k = 0; k < N_FIG; k++)
            printf(",%s", fig_names[k]);
        printf(",flows_truth,flows_trace,flows_matched,flows_missing,flows_extra,flows_abs_error,"
               "flows_max_abs_error\n");
        for (size_t i = 0; i < n_es; i++) {
            printf("%s,%s,%s", es[i].incident, es[i].model, found[i] ? "yes" : "no");
            for (int k = 0; k < N_FIG; k++) {
                u128_text(t1, errs[i][k]);
                printf(",%s", t1);
            }
            u128_text(t1, fs[i].abs_error);
            u128_text(t2, fs[i].max_error);
            printf(",%zu,%zu,%zu,%zu,%zu,%s,%s\n", fs[i].truth, fs[i].trace, fs[i].matched,
                   fs[i].missing, fs[i].extra, t1, t2);
        }
        for (size_t j = 0; j < n_ts; j++)
            if (!ts[j].matched)
                printf("extra row in the trace: incident '%s' model '%s'\n", ts[j].incident,
                       ts[j].model);
        u128_text(t1, total);
        u128_text(t2, ftotal);
        printf("summary: total absolute error %s over %zu figures, %zu rows missing, %zu extra; "
               "flows: %zu matched, %zu missing, %zu extra, total absolute error %s\n",
               t1, n_es * N_FIG, n_missing, n_extra, fmatched, fmissing, fextra, t2);
    }
    free(errs);
    free(fs);
    free(found);
    free(es);
    free(ts);
    free(ef);
    free(tf);
    return ret;
}
