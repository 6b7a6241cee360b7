#include "store/recordings.hpp"

#include <unordered_map>

#include <fmt/format.h>

#include "core/clock.hpp"

namespace aria::store {

std::int64_t begin_recording(const Database& db, const RecordingStart& r) {
  auto q = db.prepare(
      "INSERT INTO recordings (label, source, upstream, listen, visitor_rule, config, status, started_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'recording', ?7)");
  q.bind(1, r.label).bind(2, r.source).bind(3, r.upstream).bind(4, r.listen).bind(5, r.visitor_rule);
  q.bind(6, r.config).bind(7, iso8601_utc(r.started_us ? r.started_us : unix_micros()));
  q.run();
  return db.last_insert_id();
}

void end_recording(const Database& db, std::int64_t id, const RecordingEnd& e) {
  auto q = db.prepare(
      "UPDATE recordings SET status = ?2, ended_at = ?3, exchanges = ?4, dropped = ?5, bytes = ?6 WHERE id = ?1");
  q.bind(1, id).bind(2, e.status).bind(3, iso8601_now()).bind(4, e.exchanges).bind(5, e.dropped).bind(6, e.bytes);
  q.run();
}

void delete_recording(const Database& db, std::int64_t id) {
  auto q = db.prepare("DELETE FROM recordings WHERE id = ?1");
  q.bind(1, id);
  q.run();
}

std::int64_t BodyDeduplicator::store(const Database& db, std::int64_t recording_id, std::string_view body) {
  const auto h = std::hash<std::string_view>{}(body);
  auto [begin, end] = known_.equal_range(h);
  for (auto it = begin; it != end; ++it)
    if (it->second.recording_id == recording_id && it->second.data == body) {
      ++reused_;
      return it->second.id;
    }
  if (db_ != &db || !insert_) {
    insert_.emplace(db.prepare("INSERT INTO bodies (recording_id, data) VALUES (?1, ?2)"));
    db_ = &db;
  }
  insert_->bind(1, recording_id).bind_blob_borrowed(2, body);
  insert_->run();
  const auto id = db.last_insert_id();
  if (held_ + body.size() > budget_) {
    known_.clear();
    held_ = 0;
  }
  if (body.size() <= budget_) {
    known_.emplace(h, Entry{recording_id, id, std::string(body)});
    held_ += body.size();
  }
  return id;
}

void insert_exchanges(const Database& db, std::span<const ExchangeRow> rows, BodyDeduplicator* bodies) {
  auto q = db.prepare(
      "INSERT INTO exchanges (recording_id, visitor, connection_id, seq, client_addr, started_us, ttfb_us, total_us, "
      "method, scheme, host, path, query, http_version, request_headers, request_body, request_body_size, "
      "request_body_truncated, status, response_headers, response_body, response_body_size, "
      "response_body_truncated, error, request_body_ref, response_body_ref) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
      "?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26)");
  // A body goes in the row, in the bodies table (once), or nowhere (empty).
  auto bind_body = [&](int column, int ref_column, const ExchangeRow& r, const std::string& body) {
    if (body.empty()) {
      q.bind_null(column).bind_null(ref_column);
    } else if (bodies && body.size() >= BodyDeduplicator::kMinSize) {
      q.bind_null(column).bind(ref_column, bodies->store(db, r.recording_id, body));
    } else {
      q.bind_blob_borrowed(column, body).bind_null(ref_column);
    }
  };
  for (const auto& r : rows) {  // the rows outlive each run(): their large values are not copied
    q.bind(1, r.recording_id).bind(2, r.visitor).bind(3, r.connection_id).bind(4, r.seq).bind(5, r.client_addr);
    q.bind(6, r.started_us).bind(7, r.ttfb_us).bind(8, r.total_us).bind(9, r.method).bind(10, r.scheme);
    q.bind(11, r.host).bind(12, r.path).bind(13, r.query).bind(14, r.http_version).bind_borrowed(15, r.request_headers);
    bind_body(16, 25, r, r.request_body);
    q.bind(17, r.request_body_size).bind(18, r.request_body_truncated ? 1 : 0).bind(19, r.status);
    q.bind_borrowed(20, r.response_headers);
    bind_body(21, 26, r, r.response_body);
    q.bind(22, r.response_body_size).bind(23, r.response_body_truncated ? 1 : 0).bind(24, r.error);
    q.run();
    if (r.ws_messages.empty()) continue;
    const auto exchange_id = db.last_insert_id();
    auto m = db.prepare(
        "INSERT INTO ws_messages (exchange_id, direction, at_us, opcode, payload, size, truncated) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    for (const auto& w : r.ws_messages) {
      m.bind(1, exchange_id).bind(2, w.direction).bind(3, w.at_us).bind(4, w.opcode).bind_blob(5, w.payload);
      m.bind(6, w.size).bind(7, w.truncated ? 1 : 0);
      m.run();
    }
  }
}

namespace {

// A body is in its column or, shared, in the bodies row its *_ref names.
constexpr const char* kExchangeColumns =
    "id, recording_id, visitor, connection_id, seq, client_addr, started_us, ttfb_us, total_us, method, scheme, host, "
    "path, query, http_version, request_headers, "
    "COALESCE(request_body, (SELECT data FROM bodies WHERE bodies.id = request_body_ref)), request_body_size, "
    "request_body_truncated, status, response_headers, "
    "COALESCE(response_body, (SELECT data FROM bodies WHERE bodies.id = response_body_ref)), response_body_size, "
    "response_body_truncated, error";

ExchangeRow read_exchange(const Statement& q) {
  ExchangeRow r;
  r.id = q.int64(0);
  r.recording_id = q.int64(1);
  r.visitor = q.text(2);
  r.connection_id = q.int64(3);
  r.seq = q.int64(4);
  r.client_addr = q.text(5);
  r.started_us = q.int64(6);
  if (!q.is_null(7)) r.ttfb_us = q.int64(7);
  if (!q.is_null(8)) r.total_us = q.int64(8);
  r.method = q.text(9);
  r.scheme = q.text(10);
  r.host = q.text(11);
  r.path = q.text(12);
  r.query = q.text(13);
  r.http_version = q.text(14);
  r.request_headers = q.text(15);
  r.request_body = q.blob(16);
  r.request_body_size = q.int64(17);
  r.request_body_truncated = q.int64(18) != 0;
  if (!q.is_null(19)) r.status = q.int64(19);
  r.response_headers = q.text(20);
  r.response_body = q.blob(21);
  r.response_body_size = q.int64(22);
  r.response_body_truncated = q.int64(23) != 0;
  if (!q.is_null(24)) r.error = q.text(24);
  return r;
}

}  // namespace

void for_each_visitor(const Database& db, std::int64_t recording_id,
                      const std::function<void(std::span<const ExchangeRow>)>& visit) {
  auto q = db.prepare(fmt::format("SELECT {} FROM exchanges WHERE recording_id = ?1 ORDER BY visitor, started_us, id",
                                  kExchangeColumns));
  q.bind(1, recording_id);
  std::vector<ExchangeRow> rows;
  while (q.step()) {
    auto r = read_exchange(q);
    if (!rows.empty() && rows.back().visitor != r.visitor) {
      visit(rows);
      rows.clear();
    }
    rows.push_back(std::move(r));
  }
  if (!rows.empty()) visit(rows);
}

void for_each_method_path(const Database& db, std::int64_t recording_id,
                          const std::function<void(std::string_view, std::string_view)>& visit) {
  auto q = db.prepare("SELECT method, path FROM exchanges WHERE recording_id = ?1");
  q.bind(1, recording_id);
  while (q.step()) visit(q.text_view(0), q.text_view(1));
}

std::vector<ExchangeRow> load_exchanges(const Database& db, std::int64_t recording_id) {
  auto q = db.prepare(
      fmt::format("SELECT {} FROM exchanges WHERE recording_id = ?1 ORDER BY started_us, id", kExchangeColumns));
  q.bind(1, recording_id);
  std::vector<ExchangeRow> out;
  while (q.step()) out.push_back(read_exchange(q));
  auto m = db.prepare(
      "SELECT w.exchange_id, w.direction, w.at_us, w.opcode, w.payload, w.size, w.truncated FROM ws_messages w "
      "JOIN exchanges e ON e.id = w.exchange_id WHERE e.recording_id = ?1 ORDER BY w.exchange_id, w.at_us, w.id");
  m.bind(1, recording_id);
  std::unordered_map<std::int64_t, std::size_t> index;
  for (std::size_t i = 0; i < out.size(); ++i) index.emplace(out[i].id, i);
  while (m.step()) {
    auto it = index.find(m.int64(0));
    if (it == index.end()) continue;
    out[it->second].ws_messages.push_back({m.text(1), m.int64(2), m.text(3), m.blob(4), m.int64(5), m.int64(6) != 0});
  }
  return out;
}

std::vector<std::int64_t> recording_ids(const Database& db) {
  auto q = db.prepare("SELECT id FROM recordings ORDER BY id");
  std::vector<std::int64_t> out;
  while (q.step()) out.push_back(q.int64(0));
  return out;
}

std::vector<RecordingListing> list_recordings(const Database& db) {
  auto q = db.prepare(
      "SELECT r.id, r.label, r.source, r.upstream, r.visitor_rule, r.status, r.started_at, r.ended_at, "
      "(SELECT COUNT(*) FROM exchanges e WHERE e.recording_id = r.id), r.dropped, r.bytes, "
      "(SELECT COUNT(DISTINCT visitor) FROM exchanges e WHERE e.recording_id = r.id) "
      "FROM recordings r ORDER BY r.id");
  std::vector<RecordingListing> out;
  while (q.step()) {
    RecordingListing r;
    r.id = q.int64(0);
    r.label = q.text(1);
    r.source = q.text(2);
    r.upstream = q.text(3);
    r.visitor_rule = q.text(4);
    r.status = q.text(5);
    r.started_at = q.text(6);
    if (!q.is_null(7)) r.ended_at = q.text(7);
    r.exchanges = q.int64(8);
    r.dropped = q.int64(9);
    r.bytes = q.int64(10);
    r.visitors = q.int64(11);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace aria::store
