// Recordings and their exchanges in the store: what the recorder and HAR import write, what
// `recordings`, HAR export and the synthesizer read.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/database.hpp"

namespace aria::store {

struct RecordingStart {
  std::string label;
  std::string source = "proxy";  // proxy | har
  std::string upstream, listen;
  std::string visitor_rule;      // cookie:NAME, header:NAME, credential, connection
  std::string config = "{}";     // JSON
  std::int64_t started_us = 0;   // unix microseconds
};
std::int64_t begin_recording(const Database& db, const RecordingStart& start);

struct RecordingEnd {
  std::string status = "ended";  // ended | interrupted
  std::int64_t exchanges = 0, dropped = 0, bytes = 0;
};
void end_recording(const Database& db, std::int64_t recording_id, const RecordingEnd& end);
// Removes a recording and its exchanges (one that never started recording).
void delete_recording(const Database& db, std::int64_t recording_id);

// One WebSocket message of an upgraded exchange.
struct WsMessageRow {
  std::string direction;  // client | server
  std::int64_t at_us = 0; // unix microseconds
  std::string opcode;     // text | binary | close
  std::string payload;    // stored bytes, redacted, possibly truncated
  std::int64_t size = 0;  // size on the wire
  bool truncated = false;
};

// One request and its response. Headers are JSON arrays of [name, value] pairs in wire order,
// secrets already redacted; bodies are the stored (possibly truncated) bytes.
struct ExchangeRow {
  std::int64_t id = 0;  // set when read back
  std::int64_t recording_id = 0;
  std::string visitor;
  std::int64_t connection_id = 0, seq = 0;
  std::string client_addr;
  std::int64_t started_us = 0;
  std::optional<std::int64_t> ttfb_us, total_us;
  std::string method, scheme = "http", host, path, query, http_version = "1.1";
  std::string request_headers = "[]";
  std::string request_body;
  std::int64_t request_body_size = 0;
  bool request_body_truncated = false;
  std::optional<std::int64_t> status;
  std::string response_headers = "[]";
  std::string response_body;
  std::int64_t response_body_size = 0;
  bool response_body_truncated = false;
  std::optional<std::string> error;
  std::vector<WsMessageRow> ws_messages;  // after a WebSocket upgrade, in order
};
// Stores bodies once: a body equal to one this object stored before for the same recording is
// not written again; the exchange points at the first copy. Equality is checked byte for byte
// (a hash only finds candidates). Remembers up to `memory_budget` bytes of bodies, then starts
// over. One per writer; not thread-safe.
class BodyDeduplicator {
 public:
  static constexpr std::size_t kMinSize = 512;  // smaller bodies stay in the exchange row

  explicit BodyDeduplicator(std::size_t memory_budget = 64u << 20) : budget_(memory_budget) {}
  // The id of the bodies row holding `body`, inserted now or found among those stored before.
  std::int64_t store(const Database& db, std::int64_t recording_id, std::string_view body);
  std::uint64_t reused() const { return reused_; }

 private:
  struct Entry {
    std::int64_t recording_id, id;
    std::string data;
  };
  std::unordered_multimap<std::size_t, Entry> known_;
  std::size_t budget_, held_ = 0;
  const Database* db_ = nullptr;  // the connection insert_ belongs to
  std::optional<Statement> insert_;
  std::uint64_t reused_ = 0;
};

// Inserts the rows and their WebSocket messages; call inside a transaction (the batched writer's
// sink does). With a deduplicator, bodies of BodyDeduplicator::kMinSize bytes or more are kept
// once per recording.
void insert_exchanges(const Database& db, std::span<const ExchangeRow> rows, BodyDeduplicator* bodies = nullptr);
// The exchanges of a recording in the order they started, with their WebSocket messages.
std::vector<ExchangeRow> load_exchanges(const Database& db, std::int64_t recording_id);

// The same, without WebSocket messages, one visitor at a time: each visitor's exchanges together,
// oldest first (visitors in name order). Memory holds one visitor, whatever the recording's size.
void for_each_visitor(const Database& db, std::int64_t recording_id,
                      const std::function<void(std::span<const ExchangeRow>)>& visit);
// Every exchange's method and path, in no particular order.
void for_each_method_path(const Database& db, std::int64_t recording_id,
                          const std::function<void(std::string_view method, std::string_view path)>& visit);

// The ids of every recording, oldest first.
std::vector<std::int64_t> recording_ids(const Database& db);

struct RecordingListing {
  std::int64_t id = 0;
  std::string label, source, upstream, visitor_rule, status, started_at;
  std::optional<std::string> ended_at;
  std::int64_t exchanges = 0, dropped = 0, bytes = 0, visitors = 0;
};
std::vector<RecordingListing> list_recordings(const Database& db);

}  // namespace aria::store
