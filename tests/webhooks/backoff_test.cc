// The retry schedule as tables: refundd's exponential backoff with equal jitter (bounds, cap,
// scaling), a dialect's fixed schedule (D24), and the give-up age that sends a delivery to the
// dead letters, including a whole three-day schedule run at a small time scale.
#include "webhooks/backoff.h"

#include <gtest/gtest.h>

namespace refundd::webhooks {
namespace {

constexpr int64_t kMinute = 60 * 1000;
constexpr int64_t kHour = 60 * kMinute;

TEST(Backoff, DoublesFromAMinuteWithEqualJitterUpToTheCap) {
  const RetryPolicy p;
  struct Row {
    int retry;
    int64_t lowest, highest;
  };
  const Row rows[] = {
      {1, 30'000, 60'000},
      {2, 60'000, 120'000},
      {3, 120'000, 240'000},
      {4, 240'000, 480'000},
      {9, 256 * 30'000, 512 * 30'000},
      {10, 3 * kHour, 6 * kHour},
      {40, 3 * kHour, 6 * kHour},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(BackoffDelayMs(r.retry, p, 0), r.lowest) << r.retry;
    EXPECT_EQ(BackoffDelayMs(r.retry, p, UINT64_MAX - 1),
              r.lowest + (UINT64_MAX - 1) % static_cast<uint64_t>(r.highest - r.lowest + 1))
        << r.retry;
    for (uint64_t random : {uint64_t{1}, uint64_t{12345}, uint64_t{987654321987}}) {
      const int64_t d = BackoffDelayMs(r.retry, p, random);
      EXPECT_GE(d, r.lowest) << r.retry;
      EXPECT_LE(d, r.highest) << r.retry;
    }
  }
}

TEST(Backoff, TheTimeScaleMultipliesEveryDelay) {
  RetryPolicy p;
  p.time_scale = 0.001;
  EXPECT_EQ(BackoffDelayMs(1, p, 0), 30);
  EXPECT_EQ(BackoffDelayMs(10, p, 0), 3 * kHour / 1000);
  p.time_scale = 1e-9;
  EXPECT_EQ(BackoffDelayMs(1, p, 0), 1) << "never zero";
}

TEST(Backoff, AFixedScheduleIsTriedOncePlusOncePerDelay) {
  const std::vector<int64_t> d24 = {5 * kMinute, 25 * kMinute, 125 * kMinute, 625 * kMinute,
                                    3125 * kMinute};
  RetryPolicy p;
  const int64_t start = 1'000'000;
  int64_t now = start;
  for (int attempts = 1; attempts <= 5; ++attempts) {
    NextAttempt next = AfterFailure(attempts, now, start, d24, p, 0);
    ASSERT_FALSE(next.give_up) << attempts;
    EXPECT_EQ(next.at_ms - now, d24[attempts - 1]) << attempts;
    now = next.at_ms;
  }
  EXPECT_TRUE(AfterFailure(6, now, start, d24, p, 0).give_up);
  p.time_scale = 0.01;
  EXPECT_EQ(AfterFailure(1, 0, 0, d24, p, 0).at_ms, 3000) << "5 minutes at 1/100";
}

TEST(Backoff, ANextAttemptBeyondTheGiveUpAgeIsTheDeadLetter) {
  RetryPolicy p;
  const int64_t start = 0;
  EXPECT_FALSE(AfterFailure(3, 71 * kHour, start, {}, p, 0).give_up) << "71h + 2 min < 72h";
  EXPECT_TRUE(AfterFailure(3, 72 * kHour - kMinute, start, {}, p, 0).give_up);
  p.give_up_after_ms = kHour;
  EXPECT_TRUE(AfterFailure(1, kHour, start, {}, p, 0).give_up);
}

TEST(Backoff, AThreeDayScheduleRunsInSecondsAtASmallScale) {
  for (double scale : {1.0, 0.0001}) {
    RetryPolicy p;
    p.time_scale = scale;
    int64_t now = 0;
    int attempts = 1;
    for (;; ++attempts) {
      NextAttempt next = AfterFailure(attempts, now, 0, {}, p, uint64_t(attempts) * 7919);
      if (next.give_up) break;
      EXPECT_GT(next.at_ms, now);
      now = next.at_ms;
    }
    EXPECT_GE(attempts, 15) << scale;
    EXPECT_LE(attempts, 40) << scale;
    EXPECT_LE(now, static_cast<int64_t>(72 * kHour * scale) + 1) << scale;
    EXPECT_GE(now, static_cast<int64_t>(60 * kHour * scale)) << scale;
  }
}

}  // namespace
}  // namespace refundd::webhooks
