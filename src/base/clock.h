#pragma once
// Clock: the one seam for time. The core never reads the clock; services take a Clock&.
// Implementations are thread-safe.

#include <atomic>
#include <chrono>
#include <cstdint>

namespace refundd {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;  // unix epoch milliseconds
  int64_t NowSeconds() const { return NowMs() / 1000; }
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock tests move by hand.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t now_ms) : now_ms_(now_ms) {}
  int64_t NowMs() const override { return now_ms_.load(); }
  void AdvanceMs(int64_t delta_ms) { now_ms_ += delta_ms; }

 private:
  std::atomic<int64_t> now_ms_;
};

}  // namespace refundd
