// In-memory sessions and chat histories of the stand-in, shared by all server threads.
// Sharded by session id so that threads seldom meet on one lock.
#pragma once

#include <array>
#include <deque>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace aria::mock {

struct Message {
  std::string id;
  std::string role;  // "user" or "assistant"
  std::shared_ptr<const std::string> content;
  std::string model;
  std::string created_at;
};

enum class Dialect { seed, engine };

struct Session {
  std::string id;
  Dialect dialect = Dialect::seed;
  std::string title;
  std::string agent_id;
  std::string model;
  std::string session_type;
  std::string created_at;
  bool ended = false;
  std::vector<Message> messages;  // the newest kHistoryCap
  std::string last_user_content;
  std::chrono::steady_clock::time_point last_user_at{};
};

enum class AppendResult { ok, missing, ended, duplicate };

class SessionStore {
 public:
  static constexpr std::size_t kHistoryCap = 200;
  // Ended engine sessions stay readable (their history), the newest this many of them: a soak of
  // days must not grow the stand-in without bound.
  static constexpr std::size_t kEndedKept = 10'000;

  // False when a session with this id exists already.
  bool create(Session session);
  std::optional<Session> get(std::string_view id) const;
  bool exists_open(std::string_view id) const;

  // Checks that the session is open and that `user_content` is not a repeat of the previous user
  // message within `dedupe_window`, then records the user's message. Zero window: no check.
  AppendResult begin_turn(std::string_view id, const std::string& user_content, std::string model,
                          std::chrono::steady_clock::duration dedupe_window);
  // Records the assistant's reply after a successful turn; false when the session is gone.
  bool add_reply(std::string_view id, Message reply);

  bool end(std::string_view id);    // engine dialect: marks ended, history kept (the newest kEndedKept)
  bool erase(std::string_view id);  // seed dialect: removes

  struct SearchHit {
    std::string id;
    std::string title;
    Dialect dialect;
    bool ended;
    std::string created_at;
    std::size_t messages;
  };
  // Sessions whose title or messages contain `query` (case-insensitive), oldest first.
  std::vector<SearchHit> search(std::string_view query, std::size_t offset, std::size_t limit,
                                std::size_t& total) const;

  std::size_t size() const;

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, Session> sessions;
    std::deque<std::string> ended;  // oldest first
  };
  Shard& shard(std::string_view id);
  const Shard& shard(std::string_view id) const;
  std::array<Shard, 16> shards_;
};

}  // namespace aria::mock
