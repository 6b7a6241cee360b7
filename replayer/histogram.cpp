#include "replayer/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace aria::replayer {
namespace {

// Bucket layout (HdrHistogram-like): values below 2 * kSub each have their own bucket (exact); from
// there every power of two [2^e, 2^(e+1)) is split into kSub equal buckets of width 2^(e - kSubBits).
// A bucket [lo, lo + w) then has lo >= kSub * w, so reporting its middle value is off by at most
// w / 2 <= lo / (2 * kSub) = lo / 128: within 0.79 % of any value in it.
constexpr int kSubBits = 6;
constexpr std::int64_t kSub = std::int64_t{1} << kSubBits;  // 64

constexpr std::size_t bucket_index(std::int64_t v) {  // v in [1, kHighest]
  if (v < 2 * kSub) return static_cast<std::size_t>(v);
  const int e = std::bit_width(static_cast<std::uint64_t>(v)) - 1;  // 2^e <= v < 2^(e+1), e > kSubBits
  const int shift = e - kSubBits;
  const std::int64_t sub = (v >> shift) - kSub;  // [0, kSub)
  return static_cast<std::size_t>(2 * kSub + (shift - 1) * kSub + sub);
}

struct Bucket {
  std::int64_t lo;     // first value
  std::int64_t width;  // number of integer values in it
};

constexpr Bucket bucket_range(std::size_t index) {
  const auto i = static_cast<std::int64_t>(index);
  if (i < 2 * kSub) return {i, 1};
  const std::int64_t shift = (i - 2 * kSub) / kSub + 1;
  const std::int64_t sub = (i - 2 * kSub) % kSub;
  return {(kSub + sub) << shift, std::int64_t{1} << shift};
}

constexpr std::size_t kBucketCount = bucket_index(Histogram::kHighest) + 1;

static_assert(bucket_index(1) == 1 && bucket_index(127) == 127 && bucket_index(128) == 128);
static_assert(bucket_index(129) == 128 && bucket_index(130) == 129 && bucket_index(255) == 191);
static_assert(bucket_index(256) == 192 && bucket_range(192).lo == 256 && bucket_range(192).width == 4);
static_assert(bucket_range(bucket_index(Histogram::kHighest)).lo <= Histogram::kHighest);
static_assert(bucket_range(kBucketCount - 1).lo + bucket_range(kBucketCount - 1).width > Histogram::kHighest);

// ---- Serialized form, version 1 (all little-endian) ---------------------------------------------
//   4 bytes   magic "ARHG"
//   1 byte    version (1)
//   varint    count
//   zigzag    min, max, sum (0 when count is 0)
//   varint    number of non-empty buckets N
//   N times   varint bucket index (strictly increasing, < kBucketCount), varint bucket count (> 0)
// Varints are LEB128 (7 bits a byte, low group first). Nothing may follow.
constexpr char kMagic[4] = {'A', 'R', 'H', 'G'};
constexpr std::uint8_t kVersion = 1;

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  std::uint8_t byte(const char* what) {
    if (pos_ >= bytes_.size()) fail(fmt::format("truncated: {} missing", what));
    return static_cast<std::uint8_t>(bytes_[pos_++]);
  }
  std::uint64_t varint(const char* what) {
    std::uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const std::uint8_t b = byte(what);
      if (shift == 63 && (b & 0x7e) != 0) fail(fmt::format("{} overflows 64 bits", what));
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      if (shift == 63) fail(fmt::format("{} is longer than 10 bytes", what));
    }
  }
  bool at_end() const { return pos_ == bytes_.size(); }
  std::size_t pos() const { return pos_; }

  [[noreturn]] static void fail(const std::string& why) {
    throw UsageError(fmt::format("corrupt latency histogram: {}", why));
  }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

}  // namespace

void Histogram::record(std::int64_t micros) {
  const std::int64_t v = std::max(micros, kLowest);
  const std::size_t index = bucket_index(std::min(v, kHighest));
  if (buckets_.size() <= index) buckets_.resize(index + 1);
  ++buckets_[index];
  if (count_ == 0) {
    min_ = max_ = v;
  } else {
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
  }
  ++count_;
  sum_ += v;
}

void Histogram::merge(const Histogram& other) {
  if (other.count_ == 0) return;
  if (buckets_.size() < other.buckets_.size()) buckets_.resize(other.buckets_.size());
  for (std::size_t i = 0; i < other.buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  sum_ += other.sum_;
}

void Histogram::clear() { *this = Histogram{}; }

std::int64_t Histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  if (!(q > 0)) return min_;  // also NaN
  if (q >= 1) return max_;
  // Nearest rank: the smallest value with at least q * count values at or below it. The epsilon
  // keeps 0.999 * 100000 from becoming rank 99901 through rounding.
  const double exact_rank = std::ceil(q * static_cast<double>(count_) - 1e-9);
  const auto rank = std::clamp<std::uint64_t>(static_cast<std::uint64_t>(std::max(exact_rank, 1.0)), 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      const Bucket b = bucket_range(i);
      return std::clamp(b.lo + b.width / 2, min_, max_);
    }
  }
  return max_;  // unreachable while count_ matches the buckets
}

std::vector<std::pair<std::int64_t, std::uint64_t>> Histogram::bucket_counts() const {
  std::vector<std::pair<std::int64_t, std::uint64_t>> out;
  for (std::size_t i = 0; i < buckets_.size(); ++i)
    if (buckets_[i] > 0) out.emplace_back(bucket_range(i).lo, buckets_[i]);
  return out;
}

std::string Histogram::serialize() const {
  std::string out(kMagic, sizeof kMagic);
  out.push_back(static_cast<char>(kVersion));
  put_varint(out, count_);
  put_varint(out, zigzag(count_ ? min_ : 0));
  put_varint(out, zigzag(count_ ? max_ : 0));
  put_varint(out, zigzag(count_ ? sum_ : 0));
  const auto non_empty = static_cast<std::uint64_t>(std::count_if(buckets_.begin(), buckets_.end(), [](auto c) { return c != 0; }));
  put_varint(out, non_empty);
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    if (buckets_[i] == 0) continue;
    put_varint(out, i);
    put_varint(out, buckets_[i]);
  }
  return out;
}

Histogram Histogram::deserialize(std::string_view bytes) {
  Reader in(bytes);
  if (bytes.size() < sizeof kMagic || bytes.substr(0, sizeof kMagic) != std::string_view(kMagic, sizeof kMagic))
    Reader::fail("bad magic (not a histogram)");
  for (std::size_t i = 0; i < sizeof kMagic; ++i) in.byte("magic");
  const std::uint8_t version = in.byte("version");
  if (version != kVersion) Reader::fail(fmt::format("unsupported version {} (this build reads {})", version, kVersion));

  Histogram h;
  h.count_ = in.varint("count");
  h.min_ = unzigzag(in.varint("min"));
  h.max_ = unzigzag(in.varint("max"));
  h.sum_ = unzigzag(in.varint("sum"));
  const std::uint64_t pairs = in.varint("bucket count");
  if (pairs > kBucketCount) Reader::fail(fmt::format("{} buckets, at most {} exist", pairs, kBucketCount));

  std::uint64_t total = 0;
  std::size_t first = 0;
  for (std::uint64_t p = 0; p < pairs; ++p) {
    const std::uint64_t index = in.varint("bucket index");
    if (index >= kBucketCount) Reader::fail(fmt::format("bucket index {} out of range (< {})", index, kBucketCount));
    if (!h.buckets_.empty() && index < h.buckets_.size())
      Reader::fail(fmt::format("bucket index {} not in increasing order", index));
    const std::uint64_t n = in.varint("bucket count");
    if (n == 0) Reader::fail(fmt::format("empty bucket {} stored", index));
    if (n > h.count_ - total) Reader::fail("bucket counts add up to more than the count");
    if (p == 0) first = static_cast<std::size_t>(index);
    h.buckets_.resize(static_cast<std::size_t>(index) + 1);
    h.buckets_.back() = n;
    total += n;
  }
  if (!in.at_end()) Reader::fail(fmt::format("{} unexpected bytes at the end", bytes.size() - in.pos()));
  if (total != h.count_) Reader::fail(fmt::format("bucket counts add up to {}, the count says {}", total, h.count_));

  if (h.count_ == 0) {
    if (h.min_ != 0 || h.max_ != 0 || h.sum_ != 0) Reader::fail("an empty histogram with a min, max or sum");
    return h;
  }
  if (h.min_ < kLowest || h.max_ < h.min_) Reader::fail(fmt::format("min {} and max {} are impossible", h.min_, h.max_));
  if (bucket_index(std::min(h.min_, kHighest)) != first || bucket_index(std::min(h.max_, kHighest)) + 1 != h.buckets_.size())
    Reader::fail("min or max does not match the buckets");
  const auto sum = static_cast<__int128>(h.sum_);
  if (sum < static_cast<__int128>(h.min_) * h.count_ || sum > static_cast<__int128>(h.max_) * h.count_)
    Reader::fail(fmt::format("sum {} is impossible for {} values between {} and {}", h.sum_, h.count_, h.min_, h.max_));
  return h;
}

}  // namespace aria::replayer
