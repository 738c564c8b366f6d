#include <atomic>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "services/grpc/authn.h"

namespace vakwijzer::grpc_api {
namespace {

TEST(ThrottledCancelCheckTest, PollsAtMostOncePerIntervalAndKeepsACancel) {
  std::atomic<int> polls{0};
  std::atomic<bool> cancelled{false};
  ThrottledCancelCheck check([&] {
    ++polls;
    return cancelled.load();
  });
  EXPECT_FALSE(check());  // the first call polls
  EXPECT_EQ(polls, 1);
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(check());
  EXPECT_LE(polls, 2);  // a slow machine may cross one interval
  cancelled = true;
  // Noticed once the interval has passed, and kept without polling again.
  absl::SleepFor(absl::Nanoseconds(2 * ThrottledCancelCheck::kInterval));
  EXPECT_TRUE(check());
  const int at_cancel = polls;
  cancelled = false;
  absl::SleepFor(absl::Nanoseconds(2 * ThrottledCancelCheck::kInterval));
  EXPECT_TRUE(check());
  EXPECT_EQ(polls, at_cancel);
}

TEST(ThrottledCancelCheckTest, ConcurrentCallersShareOnePoll) {
  std::atomic<int> polls{0};
  ThrottledCancelCheck check([&] {
    ++polls;
    return false;
  });
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) check();
    });
  }
  for (std::thread& t : threads) t.join();
  const double intervals = absl::ToDoubleNanoseconds(absl::Now() - start) /
                           ThrottledCancelCheck::kInterval;
  EXPECT_GE(polls, 1);
  EXPECT_LE(polls, intervals + 2) << "80,000 checks";
}

}  // namespace
}  // namespace vakwijzer::grpc_api
