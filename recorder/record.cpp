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

struct Recording::Impl {
  ProxyOptions po;
  std::unique_ptr<store::Database> db, writer_db;
  std::unique_ptr<store::BodyDeduplicator> bodies;
  std::unique_ptr<store::BatchWriter<store::ExchangeRow>> writer;
  store::BatchWriter<store::ExchangeRow>* writer_ptr = nullptr;
  std::unique_ptr<Proxy> proxy;
  std::int64_t recording_id = 0;
  bool stopped = false;
};

Recording::Recording(const RecordOptions& o) : impl_(std::make_unique<Impl>()) {
  auto& im = *impl_;
  // Everything typed is checked before the store is touched.
  if (o.db_path.empty()) throw UsageError("--db FILE is required: the SQLite store the recording goes to");
  if (o.db_path == ":memory:") throw UsageError("--db must be a file: a recording has to outlive the recorder");
  auto& po = im.po;
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
  im.proxy = std::make_unique<Proxy>(po, [&im](store::ExchangeRow&& row) { return im.writer_ptr->push(std::move(row)); });

  im.db = std::make_unique<store::Database>(o.db_path);
  im.writer_db = std::make_unique<store::Database>(o.db_path);  // the writer thread's own connection
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
  im.recording_id = store::begin_recording(*im.db, start);
  im.proxy->set_recording_id(im.recording_id);

  store::BatchWriterOptions wo;
  wo.capacity = o.queue;
  im.bodies = std::make_unique<store::BodyDeduplicator>();  // the writer thread's alone
  im.writer = std::make_unique<store::BatchWriter<store::ExchangeRow>>(
      *im.writer_db,
      [bodies = im.bodies.get()](store::Database& d, std::span<store::ExchangeRow> rows) {
        store::insert_exchanges(d, rows, bodies);
      },
      wo);
  im.writer_ptr = im.writer.get();
  try {
    im.proxy->start();
  } catch (...) {
    im.writer->close();
    store::delete_recording(*im.db, im.recording_id);  // it never recorded anything
    throw;
  }
}

Recording::~Recording() {
  try {
    stop();
  } catch (...) {  // a destructor must not throw; stop() is called by hand where its result matters
  }
}

std::int64_t Recording::id() const { return impl_->recording_id; }
std::string Recording::url() const { return impl_->proxy->url(); }
std::string Recording::upstream() const { return impl_->po.upstream.url; }
std::string Recording::visitor_rule() const { return impl_->po.visitor.describe(); }

RecordingSummary Recording::stop(std::chrono::milliseconds grace) {
  auto& im = *impl_;
  RecordingSummary sum;
  if (im.stopped) return sum;
  im.stopped = true;
  im.proxy->stop(grace);
  im.writer->close();
  auto c = im.proxy->counters();
  store::RecordingEnd end;
  end.status = "ended";
  end.exchanges = static_cast<std::int64_t>(im.writer->written());
  end.dropped = static_cast<std::int64_t>(c.dropped + im.writer->failed());
  end.bytes = static_cast<std::int64_t>(c.bytes);
  store::end_recording(*im.db, im.recording_id, end);
  sum.exchanges = im.writer->written();
  sum.visitors = c.visitors;
  sum.bytes = c.bytes;
  sum.dropped = static_cast<std::uint64_t>(end.dropped);
  sum.upstream_errors = c.upstream_errors;
  sum.store_error = im.writer->last_error();
  return sum;
}

int record(const RecordOptions& o) {
  net::block_stop_signals();
  Recording recording(o);
  if (!o.quiet) {
    std::printf("aria-harness record: recording %lld into %s\n  listening on %s, forwarding to %s\n"
                "  visitors by %s; secrets redacted; bodies stored up to %llu bytes\n  stop: Ctrl-C\n",
                static_cast<long long>(recording.id()), o.db_path.c_str(), recording.url().c_str(),
                recording.upstream().c_str(), recording.visitor_rule().c_str(),
                static_cast<unsigned long long>(o.max_body));
    std::fflush(stdout);
  }
  int sig = net::wait_for_stop_signal();
  net::unblock_stop_signals();  // a second Ctrl-C ends a shutdown that hangs
  const auto s = recording.stop(std::chrono::seconds(10));
  if (!o.quiet) {
    std::printf("aria-harness record: stopped on %s; recording %lld: %llu exchanges stored, %llu visitors, "
                "%.1f MB of bodies, %llu dropped, %llu upstream errors\n",
                sig == SIGINT ? "SIGINT" : "SIGTERM", static_cast<long long>(recording.id()),
                static_cast<unsigned long long>(s.exchanges), static_cast<unsigned long long>(s.visitors),
                static_cast<double>(s.bytes) / 1e6, static_cast<unsigned long long>(s.dropped),
                static_cast<unsigned long long>(s.upstream_errors));
    if (!s.store_error.empty()) std::printf("  store error: %s\n", s.store_error.c_str());
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
