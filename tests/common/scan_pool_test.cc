#include "common/scan_pool.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace vakwijzer {
namespace {

// Every part runs exactly once, whatever the pool and the number of parts.
TEST(ScanPoolTest, RunsEveryPartOnce) {
  for (int threads : {1, 2, 4}) {
    ScanPool pool(threads);
    EXPECT_EQ(pool.threads(), threads);
    for (size_t n : {0, 1, 2, 3, 7, 100}) {
      std::vector<std::atomic<int>> runs(n);
      pool.ParallelFor(n, [&](size_t i) { ++runs[i]; });
      for (size_t i = 0; i < n; ++i) {
        EXPECT_EQ(runs[i], 1) << threads << " threads, part " << i << "/" << n;
      }
    }
  }
}

// Several callers at once share the pool and each gets all its parts run
// before its call returns.
TEST(ScanPoolTest, ConcurrentCallersEachGetTheirOwnParts) {
  ScanPool pool(3);
  constexpr int kCallers = 6, kRounds = 200, kParts = 5;
  std::vector<std::thread> callers;
  std::atomic<int> wrong{0};
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&] {
      for (int round = 0; round < kRounds; ++round) {
        std::vector<std::atomic<int>> runs(kParts);
        pool.ParallelFor(kParts, [&](size_t i) { ++runs[i]; });
        for (auto& r : runs) wrong += r != 1;
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(wrong, 0);
}

// Parts may run on other threads than the caller's.
TEST(ScanPoolTest, UsesItsThreads) {
  ScanPool pool(2);
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> elsewhere{false};
  for (int round = 0; round < 200 && !elsewhere; ++round) {
    pool.ParallelFor(2, [&](size_t) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      if (std::this_thread::get_id() != caller) elsewhere = true;
    });
  }
  EXPECT_TRUE(elsewhere);
}

}  // namespace
}  // namespace vakwijzer
