#include "store/runs.hpp"

#include <fmt/format.h>

#include "core/clock.hpp"

namespace aria::store {
namespace {

// FNV-1a 64: equal model bodies share one row.
std::string digest_of(const std::string& body) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return fmt::format("fnv1a64:{:016x}:{}", h, body.size());
}

}  // namespace

std::int64_t upsert_model(const Database& db, const ModelRow& m) {
  auto digest = digest_of(m.body);
  auto find = db.prepare("SELECT id FROM models WHERE digest = ?1");
  find.bind(1, digest);
  if (find.step()) return find.int64(0);
  auto insert = db.prepare(
      "INSERT INTO models (name, source, format_version, recording_ids, body, digest, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  insert.bind(1, m.name).bind(2, m.source).bind(3, m.format_version).bind(4, m.recording_ids).bind(5, m.body);
  insert.bind(6, digest).bind(7, m.created_at.empty() ? iso8601_now() : m.created_at);
  insert.run();
  return db.last_insert_id();
}

std::optional<ModelRow> find_model(const Database& db, std::int64_t id) {
  auto q = db.prepare(
      "SELECT id, name, source, format_version, recording_ids, body, created_at FROM models WHERE id = ?1");
  q.bind(1, id);
  if (!q.step()) return std::nullopt;
  ModelRow m;
  m.id = q.int64(0);
  m.name = q.text(1);
  m.source = q.text(2);
  m.format_version = static_cast<int>(q.int64(3));
  m.recording_ids = q.text(4);
  m.body = q.text(5);
  m.created_at = q.text(6);
  return m;
}

std::int64_t begin_run(const Database& db, const RunStart& r) {
  auto q = db.prepare(
      "INSERT INTO runs (label, target, model_id, model_name, mode, users, config, host_info, status, "
      "started_at, started_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'running', ?9, ?10)");
  q.bind(1, r.label).bind(2, r.target).bind(3, r.model_id).bind(4, r.model_name).bind(5, r.mode);
  q.bind(6, r.users).bind(7, r.config).bind(8, r.host_info).bind(9, iso8601_utc(r.started_us)).bind(10, r.started_us);
  q.run();
  return db.last_insert_id();
}

void finish_run(const Database& db, std::int64_t run_id, const RunEnd& end, const std::vector<RunStatRow>& stats,
                const std::vector<SeriesRow>& series, const std::vector<FailureRow>& failures) {
  Database::Transaction tx(db);
  auto st = db.prepare(
      "INSERT INTO run_stats (run_id, name, method, requests, failures, bytes, rps, min_us, avg_us, p50_us, p90_us, "
      "p95_us, p99_us, p999_us, max_us, p50_intended_us, p95_intended_us, p99_intended_us, max_intended_us, "
      "histogram, histogram_intended) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
      "?16, ?17, ?18, ?19, ?20, ?21)");
  for (const auto& s : stats) {
    st.bind(1, run_id).bind(2, s.name).bind(3, s.method).bind(4, s.requests).bind(5, s.failures).bind(6, s.bytes);
    st.bind(7, s.rps).bind(8, s.min_us).bind(9, s.avg_us).bind(10, s.p50_us).bind(11, s.p90_us).bind(12, s.p95_us);
    st.bind(13, s.p99_us).bind(14, s.p999_us).bind(15, s.max_us).bind(16, s.p50_intended_us);
    st.bind(17, s.p95_intended_us).bind(18, s.p99_intended_us).bind(19, s.max_intended_us);
    st.bind_blob(20, s.histogram).bind_blob(21, s.histogram_intended);
    st.run();
  }
  auto se = db.prepare(
      "INSERT INTO run_series (run_id, second, requests, failures, users, bytes, p50_us, p95_us) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  for (const auto& s : series) {
    se.bind(1, run_id).bind(2, s.second).bind(3, s.requests).bind(4, s.failures).bind(5, s.users).bind(6, s.bytes);
    se.bind(7, s.p50_us).bind(8, s.p95_us);
    se.run();
  }
  auto fa = db.prepare(
      "INSERT INTO run_failures (run_id, name, method, kind, message, occurrences) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  for (const auto& f : failures) {
    fa.bind(1, run_id).bind(2, f.name).bind(3, f.method).bind(4, f.kind).bind(5, f.message).bind(6, f.occurrences);
    fa.run();
  }
  auto up = db.prepare(
      "UPDATE runs SET status = ?2, verdict = ?3, thresholds = ?4, unreliable = ?5, unreliable_reason = ?6, "
      "ended_at = ?7, duration_us = ?8, mix = ?9 WHERE id = ?1");
  up.bind(1, run_id).bind(2, end.status).bind(3, end.verdict).bind(4, end.thresholds).bind(5, end.unreliable ? 1 : 0);
  if (end.unreliable_reason.empty()) up.bind_null(6);
  else up.bind(6, end.unreliable_reason);
  up.bind(7, iso8601_now()).bind(8, end.duration_us).bind(9, end.mix);
  up.run();
  tx.commit();
}

namespace {

constexpr const char* kListingSql =
    "SELECT r.id, r.label, r.target, r.model_name, r.mode, r.status, r.started_at, r.ended_at, r.verdict, r.users, "
    "COALESCE(r.duration_us, 0), r.unreliable, s.requests, s.failures, s.rps, s.p50_us, s.p95_us, s.p99_us, "
    "r.config, r.host_info, r.thresholds, COALESCE(r.unreliable_reason, ''), r.model_id, r.started_us, r.mix "
    "FROM runs r LEFT JOIN run_stats s ON s.run_id = r.id AND s.name = 'Aggregated' AND s.method = '' ";

RunListing read_listing(const Statement& q) {
  RunListing r;
  r.id = q.int64(0);
  r.label = q.text(1);
  r.target = q.text(2);
  r.model_name = q.text(3);
  r.mode = q.text(4);
  r.status = q.text(5);
  r.started_at = q.text(6);
  if (!q.is_null(7)) r.ended_at = q.text(7);
  if (!q.is_null(8)) r.verdict = q.text(8);
  r.users = q.int64(9);
  r.duration_s = static_cast<double>(q.int64(10)) / 1e6;
  r.unreliable = q.int64(11) != 0;
  if (!q.is_null(12)) {
    r.requests = q.int64(12);
    r.failures = q.int64(13);
    r.rps = q.real(14);
    r.p50_us = q.int64(15);
    r.p95_us = q.int64(16);
    r.p99_us = q.int64(17);
  }
  return r;
}

}  // namespace

std::vector<RunListing> list_runs(const Database& db) {
  auto q = db.prepare(std::string(kListingSql) + "ORDER BY r.id");
  std::vector<RunListing> out;
  while (q.step()) out.push_back(read_listing(q));
  return out;
}

std::optional<RunRecord> load_run(const Database& db, std::int64_t run_id) {
  auto q = db.prepare(std::string(kListingSql) + "WHERE r.id = ?1");
  q.bind(1, run_id);
  if (!q.step()) return std::nullopt;
  RunRecord run;
  run.listing = read_listing(q);
  run.config = q.text(18);
  run.host_info = q.text(19);
  run.thresholds = q.text(20);
  run.unreliable_reason = q.text(21);
  if (!q.is_null(22)) run.model_id = q.int64(22);
  run.started_us = q.int64(23);
  run.mix = q.text(24);

  auto st = db.prepare(
      "SELECT name, method, requests, failures, bytes, rps, COALESCE(min_us, 0), COALESCE(avg_us, 0), "
      "COALESCE(p50_us, 0), COALESCE(p90_us, 0), COALESCE(p95_us, 0), COALESCE(p99_us, 0), COALESCE(p999_us, 0), "
      "COALESCE(max_us, 0), COALESCE(p50_intended_us, 0), COALESCE(p95_intended_us, 0), "
      "COALESCE(p99_intended_us, 0), COALESCE(max_intended_us, 0), histogram, histogram_intended FROM run_stats "
      "WHERE run_id = ?1 ORDER BY name = 'Aggregated' AND method = '', name, method");
  st.bind(1, run_id);
  while (st.step()) {
    RunStatRow r;
    r.name = st.text(0);
    r.method = st.text(1);
    r.requests = st.int64(2);
    r.failures = st.int64(3);
    r.bytes = st.int64(4);
    r.rps = st.real(5);
    r.min_us = st.int64(6);
    r.avg_us = st.real(7);
    r.p50_us = st.int64(8);
    r.p90_us = st.int64(9);
    r.p95_us = st.int64(10);
    r.p99_us = st.int64(11);
    r.p999_us = st.int64(12);
    r.max_us = st.int64(13);
    r.p50_intended_us = st.int64(14);
    r.p95_intended_us = st.int64(15);
    r.p99_intended_us = st.int64(16);
    r.max_intended_us = st.int64(17);
    r.histogram = st.blob(18);
    r.histogram_intended = st.blob(19);
    run.stats.push_back(std::move(r));
  }
  auto se = db.prepare(
      "SELECT second, requests, failures, users, bytes, COALESCE(p50_us, 0), COALESCE(p95_us, 0) FROM run_series "
      "WHERE run_id = ?1 ORDER BY second");
  se.bind(1, run_id);
  while (se.step())
    run.series.push_back({se.int64(0), se.int64(1), se.int64(2), se.int64(3), se.int64(4), se.int64(5), se.int64(6)});
  auto fa = db.prepare(
      "SELECT name, method, kind, message, occurrences FROM run_failures WHERE run_id = ?1 "
      "ORDER BY occurrences DESC, name, method, kind, message");
  fa.bind(1, run_id);
  while (fa.step()) run.failures.push_back({fa.text(0), fa.text(1), fa.text(2), fa.text(3), fa.int64(4)});
  return run;
}

}  // namespace aria::store
