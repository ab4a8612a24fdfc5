/* Kotalama: competency-based appraisal by the supervisor and peers, written in C with libprotobuf-c to show
 * that the plugin ABI is language-neutral.
 *
 * DeriveRatings -> perilaku_kerja from per-aspect ratings of the seven BerAKHLAK values in the 360° feedback:
 *   aspect score = 0.7 x atasan average + 0.3 x rekan average (atasan only when no peer rated that aspect,
 *   rekan only when the supervisor did not); employee score = mean over the rated aspects;
 *   >= 2.5 -> di_atas, >= 1.75 -> sesuai, else di_bawah.
 * Report kebutuhan_pelatihan: per employee, the aspects whose score is below 2.0, with the score.
 *
 * Scores are kept as exact fractions (num/den in 64-bit integers) so thresholds are compared exactly.
 * Config ([plugins.config.kotalama]): weights.atasan (70), weights.rekan (30) in percent. */
#include <kinerja_plugin_kit.h>
#include <stdint.h>
#include <stdio.h>

#define N_ASPECTS 7
static const char *ASPECTS[N_ASPECTS] = {"berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis",
                                         "loyal", "adaptif", "kolaboratif"};
static const char *ASPECT_NAMES[N_ASPECTS] = {"Berorientasi Pelayanan", "Akuntabel", "Kompeten", "Harmonis",
                                              "Loyal", "Adaptif", "Kolaboratif"};
static int64_t weight_atasan = 70, weight_rekan = 30;

typedef struct {
    int64_t num, den; /* den > 0 */
} frac;

static int64_t gcd64(int64_t a, int64_t b) {
    if (a < 0) a = -a;
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a ? a : 1;
}
static frac mk(int64_t n, int64_t d) {
    int64_t g = gcd64(n, d);
    frac f = {n / g, d / g};
    return f;
}
static frac add(frac a, frac b) { return mk(a.num * b.den + b.num * a.den, a.den * b.den); }
static int geq(frac a, int64_t n, int64_t d) { return a.num * d >= n * a.den; } /* a >= n/d */
static void text(frac f, char *out, size_t size) {                           /* two decimals, half up */
    int64_t v = (f.num * 200 + f.den) / (2 * f.den);
    snprintf(out, size, "%lld.%02lld", (long long)(v / 100), (long long)(v % 100));
}

static int value(const char *rating) {
    if (strcmp(rating, "di_atas") == 0) return 3;
    if (strcmp(rating, "sesuai") == 0) return 2;
    if (strcmp(rating, "di_bawah") == 0) return 1;
    return 0;
}

/* Aspect scores of one employee; rated[k] says whether aspect k has a score. */
static void aspect_scores(const Kinerja__Plugin__V1__Subject *s, frac scores[N_ASPECTS], int rated[N_ASPECTS]) {
    for (int k = 0; k < N_ASPECTS; k++) {
        int64_t sa = 0, na = 0, sr = 0, nr = 0;
        for (size_t i = 0; i < s->n_feedback; i++) {
            const Kinerja__Plugin__V1__Feedback *f = s->feedback[i];
            int is_atasan = strcmp(f->source, "atasan") == 0, is_rekan = strcmp(f->source, "rekan") == 0;
            if (!is_atasan && !is_rekan) continue;
            for (size_t j = 0; j < f->n_aspects; j++) {
                if (strcmp(f->aspects[j]->aspect, ASPECTS[k]) != 0) continue;
                int v = value(f->aspects[j]->rating);
                if (!v) continue;
                if (is_atasan) sa += v, na++;
                else sr += v, nr++;
            }
        }
        rated[k] = na > 0 || nr > 0;
        if (na > 0 && nr > 0) /* (wa * sa/na + wr * sr/nr) / (wa + wr) */
            scores[k] = mk(weight_atasan * sa * nr + weight_rekan * sr * na, (weight_atasan + weight_rekan) * na * nr);
        else if (na > 0)
            scores[k] = mk(sa, na);
        else if (nr > 0)
            scores[k] = mk(sr, nr);
    }
}

static int kotalama_init(const Kinerja__Plugin__V1__PluginConfig *config, kinerja_buffer *error) {
    const char *wa = kinerja_kit_config(config, "weights.atasan"), *wr = kinerja_kit_config(config, "weights.rekan");
    char *end;
    if (wa) {
        weight_atasan = strtoll(wa, &end, 10);
        if (*end || weight_atasan < 0) return kinerja_kit_error(error, "kotalama: config weights.atasan '%s' is not a whole number", wa);
    }
    if (wr) {
        weight_rekan = strtoll(wr, &end, 10);
        if (*end || weight_rekan < 0) return kinerja_kit_error(error, "kotalama: config weights.rekan '%s' is not a whole number", wr);
    }
    if (weight_atasan + weight_rekan <= 0) return kinerja_kit_error(error, "kotalama: the weights must not both be 0");
    kinerja_kit_log(KINERJA_LOG_INFO, "kotalama: aspect score = %lld%% atasan + %lld%% rekan", (long long)weight_atasan,
                    (long long)weight_rekan);
    return KINERJA_OK;
}

static int describe(kinerja_buffer *out) {
    Kinerja__Plugin__V1__DescribeResponse r = KINERJA__PLUGIN__V1__DESCRIBE_RESPONSE__INIT;
    char *hooks[] = {KINERJA_METHOD_DERIVE_RATINGS, KINERJA_METHOD_REPORT};
    Kinerja__Plugin__V1__ReportInfo training = KINERJA__PLUGIN__V1__REPORT_INFO__INIT;
    Kinerja__Plugin__V1__ReportInfo *reports[] = {&training};
    training.name = "kebutuhan_pelatihan";
    training.title = "Kebutuhan pelatihan: aspek BerAKHLAK di bawah 2,0";
    training.needs_period = 1;
    r.id = "kotalama";
    r.version = "1.0.0";
    r.description = "competency-based Perilaku Kerja from supervisor and peer aspect ratings (Kotalama, C)";
    r.n_hooks = 2;
    r.hooks = hooks;
    r.n_reports = 1;
    r.reports = reports;
    return kinerja_kit_reply(out, &r.base);
}

static int derive(const uint8_t *req, size_t len, kinerja_buffer *out) {
    Kinerja__Plugin__V1__DeriveRatingsRequest *in = kinerja__plugin__v1__derive_ratings_request__unpack(NULL, len, req);
    if (!in) return kinerja_kit_error(out, "kotalama: request does not parse");
    size_t n = in->n_subjects;
    Kinerja__Plugin__V1__DerivedRating *results = calloc(n ? n : 1, sizeof *results);
    Kinerja__Plugin__V1__DerivedRating **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    char **texts = calloc(n ? n : 1, sizeof *texts);
    for (size_t i = 0; i < n; i++) {
        const Kinerja__Plugin__V1__Subject *s = in->subjects[i];
        kinerja__plugin__v1__derived_rating__init(&results[i]);
        ptrs[i] = &results[i];
        results[i].nip = s->nip;
        frac scores[N_ASPECTS];
        int rated[N_ASPECTS], count = 0;
        aspect_scores(s, scores, rated);
        frac sum = {0, 1};
        texts[i] = calloc(1, 1024);
        size_t used = 0;
        for (int k = 0; k < N_ASPECTS; k++) {
            if (!rated[k]) continue;
            sum = add(sum, scores[k]);
            count++;
            char t[32];
            text(scores[k], t, sizeof t);
            used += snprintf(texts[i] + used, used < 1024 ? 1024 - used : 0, "%s%s %s", count > 1 ? ", " : "", ASPECTS[k], t);
        }
        if (count == 0) {
            results[i].not_derivable = 1;
            results[i].reason = "no BerAKHLAK aspect rated by the supervisor or peers";
            continue;
        }
        frac mean = mk(sum.num, sum.den * count);
        results[i].perilaku_kerja = geq(mean, 5, 2) ? "di_atas" : geq(mean, 7, 4) ? "sesuai" : "di_bawah";
        char m[32];
        text(mean, m, sizeof m);
        if (used < 1024) snprintf(texts[i] + used, 1024 - used, " -> mean of %d aspects %s", count, m);
        results[i].explanation = texts[i];
    }
    Kinerja__Plugin__V1__DeriveRatingsResponse r = KINERJA__PLUGIN__V1__DERIVE_RATINGS_RESPONSE__INIT;
    r.n_results = n;
    r.results = ptrs;
    int rc = kinerja_kit_reply(out, &r.base);
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts);
    free(ptrs);
    free(results);
    kinerja__plugin__v1__derive_ratings_request__free_unpacked(in, NULL);
    return rc;
}

static int report(const uint8_t *req, size_t len, kinerja_buffer *out) {
    Kinerja__Plugin__V1__ReportRequest *in = kinerja__plugin__v1__report_request__unpack(NULL, len, req);
    if (!in) return kinerja_kit_error(out, "kotalama: request does not parse");
    if (strcmp(in->name, "kebutuhan_pelatihan") != 0) {
        int rc = kinerja_kit_error(out, "kotalama has no report '%s'; use kebutuhan_pelatihan", in->name);
        kinerja__plugin__v1__report_request__free_unpacked(in, NULL);
        return rc;
    }
    size_t cap = in->n_subjects * N_ASPECTS + 1, rows_used = 0;
    Kinerja__Plugin__V1__ReportRow *rows = calloc(cap, sizeof *rows);
    Kinerja__Plugin__V1__ReportRow **ptrs = calloc(cap, sizeof *ptrs);
    char **cells = calloc(cap * 5, sizeof *cells);
    char (*scores_text)[32] = calloc(cap, sizeof *scores_text);
    for (size_t i = 0; i < in->n_subjects; i++) {
        const Kinerja__Plugin__V1__Subject *s = in->subjects[i];
        frac scores[N_ASPECTS];
        int rated[N_ASPECTS];
        aspect_scores(s, scores, rated);
        for (int k = 0; k < N_ASPECTS; k++) {
            if (!rated[k] || geq(scores[k], 2, 1)) continue;
            size_t r = rows_used++;
            kinerja__plugin__v1__report_row__init(&rows[r]);
            text(scores[k], scores_text[r], sizeof scores_text[r]);
            cells[5 * r] = s->nip;
            cells[5 * r + 1] = s->name;
            cells[5 * r + 2] = s->unit_code;
            cells[5 * r + 3] = (char *)ASPECT_NAMES[k];
            cells[5 * r + 4] = scores_text[r];
            rows[r].n_cells = 5;
            rows[r].cells = &cells[5 * r];
            ptrs[r] = &rows[r];
        }
    }
    Kinerja__Plugin__V1__ReportResponse r = KINERJA__PLUGIN__V1__REPORT_RESPONSE__INIT;
    char *columns[] = {"nip", "name", "unit", "aspek", "skor"};
    char title[128];
    snprintf(title, sizeof title, "Kebutuhan pelatihan %s: aspek dengan skor di bawah 2,00", in->period ? in->period->id : "");
    r.title = title;
    r.n_columns = 5;
    r.columns = columns;
    r.n_rows = rows_used;
    r.rows = ptrs;
    int rc = kinerja_kit_reply(out, &r.base);
    free(scores_text);
    free(cells);
    free(ptrs);
    free(rows);
    kinerja__plugin__v1__report_request__free_unpacked(in, NULL);
    return rc;
}

static int kotalama_invoke(const char *method, const uint8_t *req, size_t len, kinerja_buffer *out) {
    if (strcmp(method, KINERJA_METHOD_DESCRIBE) == 0) return describe(out);
    if (strcmp(method, KINERJA_METHOD_DERIVE_RATINGS) == 0) return derive(req, len, out);
    if (strcmp(method, KINERJA_METHOD_REPORT) == 0) return report(req, len, out);
    return KINERJA_UNIMPLEMENTED;
}

KINERJA_PLUGIN_DEFINE("kotalama", "1.0.0", kotalama_init, kotalama_invoke)
