#include "plugins/api/shared_vector.h"

#include <atomic>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace vakwijzer::plugins {
namespace {

template <typename T, typename Index>
std::vector<T> Contents(const ChunkedVector<T, Index>& v) {
  return std::vector<T>(v.begin(), v.end());
}

// A chunk index that sums its chunk and counts how often it was built.
std::atomic<int> sum_index_builds{0};
struct SumIndex {
  explicit SumIndex(const std::vector<int>& items)
      : sum(std::accumulate(items.begin(), items.end(), 0L)) {
    ++sum_index_builds;
  }
  long sum;
};

// Every chunk's index sums that chunk, and the chunks laid end to end are
// the contents.
template <typename Index>
void ExpectChunksAgree(const ChunkedVector<int, Index>& v) {
  std::vector<int> joined;
  for (size_t c = 0; c < v.chunk_count(); ++c) {
    const std::vector<int>& items = v.ChunkItems(c);
    ASSERT_EQ(v.ChunkStart(c), joined.size()) << "chunk " << c;
    ASSERT_FALSE(items.empty());
    EXPECT_EQ(v.ChunkIndex(c).sum,
              std::accumulate(items.begin(), items.end(), 0L))
        << "chunk " << c;
    joined.insert(joined.end(), items.begin(), items.end());
  }
  EXPECT_EQ(joined, Contents(v));
}

// Random inserts, replacements and erasures against std::vector as the
// oracle, with copies taken along the way that must never change.
TEST(ChunkedVectorTest, MatchesAVectorAndCopiesStayAsTheyWere) {
  std::mt19937 random(7);
  ChunkedVector<int> chunked;
  std::vector<int> oracle;
  std::vector<std::pair<ChunkedVector<int>, std::vector<int>>> copies;
  for (int step = 0; step < 20000; ++step) {
    int op = static_cast<int>(random() % 10);
    if (oracle.empty() || op < 5) {
      size_t at = random() % (oracle.size() + 1);
      chunked.Insert(at, step);
      oracle.insert(oracle.begin() + static_cast<long>(at), step);
    } else if (op < 7) {
      size_t at = random() % oracle.size();
      chunked.Set(at, -step);
      oracle[at] = -step;
    } else if (op < 9) {
      size_t at = random() % oracle.size();
      chunked.Erase(at);
      oracle.erase(oracle.begin() + static_cast<long>(at));
    } else {
      chunked.push_back(step);
      oracle.push_back(step);
    }
    ASSERT_EQ(chunked.size(), oracle.size());
    if (step % 997 == 0) copies.emplace_back(chunked, oracle);
    if (!oracle.empty()) {
      size_t at = random() % oracle.size();
      ASSERT_EQ(chunked[at], oracle[at]) << "step " << step << " at " << at;
    }
  }
  EXPECT_EQ(Contents(chunked), oracle);
  EXPECT_EQ(chunked.front(), oracle.front());
  EXPECT_EQ(chunked.back(), oracle.back());
  for (const auto& [copy, expected] : copies) {
    EXPECT_EQ(Contents(copy), expected);
  }
}

TEST(ChunkedVectorTest, LowerBoundOnSortedContents) {
  ChunkedVector<int> v;
  for (int i = 0; i < 2000; i += 2) v.push_back(i);  // 0, 2, ..., 1998
  auto less = [](int a, int b) { return a < b; };
  EXPECT_EQ(v.LowerBound(-1, less), 0u);
  EXPECT_EQ(v.LowerBound(0, less), 0u);
  EXPECT_EQ(v.LowerBound(1, less), 1u);
  EXPECT_EQ(v.LowerBound(513, less), 257u);
  EXPECT_EQ(v.LowerBound(1998, less), 999u);
  EXPECT_EQ(v.LowerBound(1999, less), 1000u);
  EXPECT_EQ(ChunkedVector<int>().LowerBound(5, less), 0u);
}

TEST(ChunkedVectorTest, EmptyAndInitializerList) {
  ChunkedVector<std::string> v;
  EXPECT_TRUE(v.empty());
  EXPECT_TRUE(v.begin() == v.end());
  v = {"a", "b"};
  EXPECT_EQ(Contents(v), (std::vector<std::string>{"a", "b"}));
  v.Erase(0);
  v.Erase(0);
  EXPECT_TRUE(v.empty());
  EXPECT_TRUE(v.begin() == v.end());
}

TEST(SharedVectorTest, CopiesShareUntilChanged) {
  SharedVector<int> a = {1, 2, 3};
  SharedVector<int> b = a;
  const SharedVector<int>& const_a = a;
  const SharedVector<int>& const_b = b;
  EXPECT_EQ(&const_a[0], &const_b[0]);  // shared
  // Non-const access to a shared vector unshares it first.
  b[1] = 5;
  EXPECT_NE(&const_a[0], &const_b[0]);
  EXPECT_EQ(const_a[1], 2);
  b.push_back(4);
  EXPECT_EQ(a.size(), 3u);
  EXPECT_EQ(b.size(), 4u);
  b[0] = 9;
  EXPECT_EQ(a[0], 1);
  SharedVector<int> empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_TRUE(empty.begin() == empty.end());
}

// Indexes are built on first use, dropped by a change to their chunk, and
// shared (not rebuilt) by copies that share the chunk.
TEST(ChunkedVectorTest, ChunkIndexFollowsEveryChange) {
  std::mt19937 random(11);
  ChunkedVector<int, SumIndex> v;
  std::vector<ChunkedVector<int, SumIndex>> copies;
  for (int step = 0; step < 5000; ++step) {
    int op = static_cast<int>(random() % 4);
    if (v.empty() || op < 2) {
      v.Insert(random() % (v.size() + 1), step);
    } else if (op < 3) {
      v.Set(random() % v.size(), -step);
    } else {
      v.Erase(random() % v.size());
    }
    // Checks build indexes that the next changes, in place or on a
    // copy, must drop.
    if (step % 97 == 0) ExpectChunksAgree(v);
    if (step % 251 == 0) copies.push_back(v);
  }
  ExpectChunksAgree(v);
  for (const auto& copy : copies) ExpectChunksAgree(copy);

  // A copy shares every built index; a change rebuilds one.
  ChunkedVector<int, SumIndex> copy = v;
  int before = sum_index_builds;
  ExpectChunksAgree(copy);
  EXPECT_EQ(sum_index_builds, before);
  copy.Set(0, 1000000);
  ExpectChunksAgree(copy);
  EXPECT_EQ(sum_index_builds, before + 1);
  EXPECT_NE(v[0], 1000000);
  ExpectChunksAgree(v);
  EXPECT_EQ(sum_index_builds, before + 1);
}

TEST(ChunkedVectorTest, ChunkIndexIsBuiltOnceUnderConcurrentReaders) {
  ChunkedVector<int, SumIndex> v;
  for (int i = 0; i < 5000; ++i) v.push_back(i);
  int before = sum_index_builds;
  std::vector<std::thread> readers;
  std::atomic<long> total{0};
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      long sum = 0;
      for (size_t c = 0; c < v.chunk_count(); ++c) sum += v.ChunkIndex(c).sum;
      total += sum;
    });
  }
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(total, 4L * 4999 * 5000 / 2);
  EXPECT_EQ(sum_index_builds, before + static_cast<int>(v.chunk_count()));
}

}  // namespace
}  // namespace vakwijzer::plugins
