// BatchWriter: rows from any thread, written by one thread in batched transactions, so that
// producers (the recorder's proxy threads) never wait on the disk.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/database.hpp"

namespace aria::store {

struct BatchWriterOptions {
  std::size_t capacity = 65536;             // rows accepted but not yet written; more are dropped
  std::size_t batch_rows = 1024;            // commit as soon as this many rows wait
  std::chrono::milliseconds max_delay{100};  // ...or when the oldest waiting row is this old
};

// The writer thread owns `db` while the BatchWriter is open: use another Database (connection)
// for anything else. A batch is everything queued when the writer wakes, in one transaction.
template <class Row>
class BatchWriter {
 public:
  // Runs on the writer thread, inside one transaction per batch. Throwing rolls the batch back.
  using Sink = std::function<void(Database&, std::span<Row>)>;

  BatchWriter(Database& db, Sink sink, BatchWriterOptions options = {})
      : db_(db), sink_(std::move(sink)), options_(options) {
    options_.batch_rows = std::max<std::size_t>(options_.batch_rows, 1);
    thread_ = std::thread([this] { run(); });
  }
  ~BatchWriter() { close(); }
  BatchWriter(const BatchWriter&) = delete;
  BatchWriter& operator=(const BatchWriter&) = delete;

  // Any thread; never waits on the disk. Returns false, and counts the row as dropped, when
  // `capacity` rows are already waiting or the writer is closed.
  bool push(Row row) {
    bool wake = false;
    {
      std::lock_guard lock(mutex_);
      if (closing_ || accepted_ - finished_ >= options_.capacity) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
      if (queue_.empty()) oldest_ = Clock::now();
      queue_.push_back(std::move(row));
      ++accepted_;
      // The writer needs to hear only of a new deadline or a full batch.
      wake = queue_.size() == 1 || queue_.size() == options_.batch_rows;
    }
    if (wake) wake_writer_.notify_one();
    return true;
  }

  // Blocks until every row accepted before the call is written (or counted as failed).
  // Not from inside the sink.
  void flush() {
    std::unique_lock lock(mutex_);
    const std::uint64_t target = accepted_;
    if (finished_ >= target) return;
    flush_target_ = std::max(flush_target_, target);
    wake_writer_.notify_one();
    batch_done_.wait(lock, [&] { return finished_ >= target; });
  }

  // Stops accepting rows, writes everything already accepted, and joins the writer. Idempotent.
  void close() {
    std::lock_guard close_lock(close_mutex_);
    if (!thread_.joinable()) return;
    {
      std::lock_guard lock(mutex_);
      closing_ = true;
    }
    wake_writer_.notify_one();
    thread_.join();
  }

  std::uint64_t written() const { return written_.load(std::memory_order_relaxed); }
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  std::uint64_t batches() const { return batches_.load(std::memory_order_relaxed); }  // committed
  std::uint64_t failed() const { return failed_.load(std::memory_order_relaxed); }
  // The latest sink or commit failure ("" when none); its batch's rows count as failed().
  std::string last_error() const {
    std::lock_guard lock(mutex_);
    return last_error_;
  }

 private:
  using Clock = std::chrono::steady_clock;

  void run() {
    std::vector<Row> batch;
    std::unique_lock lock(mutex_);
    for (;;) {
      if (queue_.empty()) {
        if (closing_) return;
        wake_writer_.wait(lock, [&] { return closing_ || !queue_.empty(); });
        continue;
      }
      auto due = [&] {
        return closing_ || flush_target_ > taken_ || queue_.size() >= options_.batch_rows;
      };
      if (!due() && Clock::now() < oldest_ + options_.max_delay) {
        // Woken early by a flush, a full batch or close; otherwise the deadline passed.
        wake_writer_.wait_until(lock, oldest_ + options_.max_delay, due);
      }
      batch.swap(queue_);  // queue_ takes batch's emptied storage back
      taken_ += batch.size();
      lock.unlock();

      write(batch);
      const std::size_t rows = batch.size();
      batch.clear();

      lock.lock();
      finished_ += rows;
      batch_done_.notify_all();
    }
  }

  void write(std::vector<Row>& batch) {
    try {
      Database::Transaction tx(db_);
      sink_(db_, std::span<Row>(batch));
      tx.commit();
      written_.fetch_add(batch.size(), std::memory_order_relaxed);
      batches_.fetch_add(1, std::memory_order_relaxed);
    } catch (const std::exception& e) {
      fail(batch.size(), e.what());
    } catch (...) {
      fail(batch.size(), "unknown error");
    }
  }

  void fail(std::size_t rows, std::string message) {
    failed_.fetch_add(rows, std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    last_error_ = std::move(message);
  }

  Database& db_;
  Sink sink_;
  BatchWriterOptions options_;

  mutable std::mutex mutex_;                // guards everything down to last_error_
  std::condition_variable wake_writer_;     // rows, a flush or close for the writer
  std::condition_variable batch_done_;      // a batch finished, for flush()
  std::vector<Row> queue_;                  // accepted rows the writer has not taken yet
  Clock::time_point oldest_{};              // when the first row of queue_ arrived
  std::uint64_t accepted_ = 0;              // rows accepted so far
  std::uint64_t taken_ = 0;                 // rows the writer has taken from queue_
  std::uint64_t finished_ = 0;              // rows written or failed
  std::uint64_t flush_target_ = 0;          // a flush() waits for rows up to here
  bool closing_ = false;
  std::string last_error_;

  std::atomic<std::uint64_t> written_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> failed_{0};

  std::mutex close_mutex_;  // serializes close() so only one caller joins
  std::thread thread_;      // last: starts after everything above is constructed
};

}  // namespace aria::store
