#include "plugins/api/shared_vector.h"

#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace vakwijzer::plugins {
namespace {

template <typename T>
std::vector<T> Contents(const ChunkedVector<T>& v) {
  return std::vector<T>(v.begin(), v.end());
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

}  // namespace
}  // namespace vakwijzer::plugins
