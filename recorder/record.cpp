#include "recorder/record.hpp"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <random>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "net/system.hpp"
#include "recorder/proxy.hpp"
#include "store/batch_writer.hpp"
#include "store/database.hpp"

namespace aria::recorder {
namespace json = boost::json;

int record(const RecordOptions& o) {
  // Everything typed is checked before the store is touched.
  if (o.db_path.empty()) throw UsageError("--db FILE is required: the SQLite store the recording goes to");
  if (o.db_path == ":memory:") throw UsageError("--db must be a file: a recording has to outlive the recorder");
  ProxyOptions po;
  po.upstream = net::parse_target(o.upstream, "--upstream");
  po.listen = parse_endpoint(o.listen, "--listen");
  po.visitor = VisitorRule::parse(o.visitor_key);
  po.redact_headers = o.redact_headers;
  po.redact_fields = o.redact_fields;
  po.max_body = o.max_body;
  po.upstream_timeout = o.upstream_timeout;
  po.threads = o.threads;
  po.insecure = o.insecure;
  po.ca_file = o.ca_file;
  po.tls_cert = o.tls_cert;
  po.tls_key = o.tls_key;
  for (const auto& [flag, file] : {std::pair{"--tls-cert", o.tls_cert}, std::pair{"--tls-key", o.tls_key}})
    if (!file.empty() && !std::filesystem::exists(file)) throw UsageError(fmt::format("{} {}: no such file", flag, file));
  if (!o.ca_file.empty() && !std::filesystem::exists(o.ca_file))
    throw UsageError(fmt::format("--ca-file {}: no such file", o.ca_file));
  std::random_device rd;
  for (int i = 0; i < 4; ++i) po.redaction_key += fmt::format("{:08x}", rd());

  // The proxy checks the upstream and the TLS files before the store is opened; its sink reaches
  // the writer, which exists once the store is open.
  store::BatchWriter<store::ExchangeRow>* writer_ptr = nullptr;
  Proxy proxy(po, [&writer_ptr](store::ExchangeRow&& row) { return writer_ptr->push(std::move(row)); });

  store::Database db(o.db_path);
  store::Database writer_db(o.db_path);  // the writer thread's own connection
  store::RecordingStart start;
  start.label = o.label;
  start.upstream = po.upstream.url;
  start.listen = o.listen;
  start.visitor_rule = po.visitor.describe();
  json::array rh, rf;
  for (const auto& h : o.redact_headers) rh.emplace_back(h);
  for (const auto& f : o.redact_fields) rf.emplace_back(f);
  start.config = json::serialize(json::object{{"max_body", o.max_body},
                                              {"redact_headers", rh},
                                              {"redact_fields", rf},
                                              {"tls_listen", !o.tls_cert.empty()},
                                              {"upstream_timeout_s", std::chrono::duration<double>(o.upstream_timeout).count()},
                                              {"tool", "aria-harness 0.1.0"}});
  start.started_us = unix_micros();
  const auto recording_id = store::begin_recording(db, start);
  proxy.set_recording_id(recording_id);

  store::BatchWriterOptions wo;
  wo.capacity = o.queue;
  store::BodyDeduplicator bodies;  // the writer thread's alone
  store::BatchWriter<store::ExchangeRow> writer(
      writer_db,
      [&bodies](store::Database& d, std::span<store::ExchangeRow> rows) { store::insert_exchanges(d, rows, &bodies); },
      wo);
  writer_ptr = &writer;
  net::block_stop_signals();
  try {
    proxy.start();
  } catch (...) {
    writer.close();
    store::delete_recording(db, recording_id);  // it never recorded anything
    throw;
  }
  if (!o.quiet) {
    std::printf("aria-harness record: recording %lld into %s\n  listening on %s, forwarding to %s\n"
                "  visitors by %s; secrets redacted; bodies stored up to %llu bytes\n  stop: Ctrl-C\n",
                static_cast<long long>(recording_id), o.db_path.c_str(), proxy.url().c_str(),
                po.upstream.url.c_str(), po.visitor.describe().c_str(),
                static_cast<unsigned long long>(o.max_body));
    std::fflush(stdout);
  }
  int sig = net::wait_for_stop_signal();
  net::unblock_stop_signals();  // a second Ctrl-C ends a shutdown that hangs
  proxy.stop(std::chrono::seconds(10));
  writer.close();
  auto c = proxy.counters();
  store::RecordingEnd end;
  end.status = "ended";
  end.exchanges = static_cast<std::int64_t>(writer.written());
  end.dropped = static_cast<std::int64_t>(c.dropped + writer.failed());
  end.bytes = static_cast<std::int64_t>(c.bytes);
  store::end_recording(db, recording_id, end);
  if (!o.quiet) {
    std::printf("aria-harness record: stopped on %s; recording %lld: %llu exchanges stored, %llu visitors, "
                "%.1f MB of bodies, %llu dropped, %llu upstream errors\n",
                sig == SIGINT ? "SIGINT" : "SIGTERM", static_cast<long long>(recording_id),
                static_cast<unsigned long long>(writer.written()), static_cast<unsigned long long>(c.visitors),
                static_cast<double>(c.bytes) / 1e6, static_cast<unsigned long long>(end.dropped),
                static_cast<unsigned long long>(c.upstream_errors));
    if (!writer.last_error().empty()) std::printf("  store error: %s\n", writer.last_error().c_str());
  }
  return kExitOk;
}

int list_recordings(const std::string& db_path, bool as_json) {
  if (!std::filesystem::exists(db_path))
    throw UsageError(fmt::format("no store at {}: give the --db file a recording went to", db_path));
  store::Database db(db_path);
  auto list = store::list_recordings(db);
  if (as_json) {
    json::array out;
    for (const auto& r : list) {
      json::object o{{"id", r.id},           {"label", r.label},         {"source", r.source},
                     {"upstream", r.upstream}, {"visitor_rule", r.visitor_rule}, {"status", r.status},
                     {"started_at", r.started_at}, {"exchanges", r.exchanges}, {"visitors", r.visitors},
                     {"dropped", r.dropped}, {"bytes", r.bytes}};
      o["ended_at"] = r.ended_at ? json::value(*r.ended_at) : json::value(nullptr);
      out.push_back(std::move(o));
    }
    std::printf("%s\n", json::serialize(out).c_str());
    return kExitOk;
  }
  if (list.empty()) {
    std::printf("no recordings in %s yet: aria-harness record --db %s --upstream URL makes one\n", db_path.c_str(),
                db_path.c_str());
    return kExitOk;
  }
  std::printf("%4s  %-12s %-6s %-11s %-24s %9s %8s %7s %10s  %s\n", "ID", "LABEL", "SOURCE", "STATUS", "STARTED",
              "EXCHANGES", "VISITORS", "DROPPED", "BYTES", "UPSTREAM");
  for (const auto& r : list)
    std::printf("%4lld  %-12s %-6s %-11s %-24s %9lld %8lld %7lld %10lld  %s\n", static_cast<long long>(r.id),
                r.label.substr(0, 12).c_str(), r.source.c_str(), r.status.c_str(), r.started_at.c_str(),
                static_cast<long long>(r.exchanges), static_cast<long long>(r.visitors),
                static_cast<long long>(r.dropped), static_cast<long long>(r.bytes), r.upstream.c_str());
  return kExitOk;
}

}  // namespace aria::recorder
