// Status assertions that Debian's Abseil 20220623 does not ship.
#ifndef VAKWIJZER_TESTS_TEST_UTIL_STATUS_MATCHERS_H_
#define VAKWIJZER_TESTS_TEST_UTIL_STATUS_MATCHERS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace vakwijzer::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

// Whether `result` (a Status or StatusOr) failed with `code` and a message
// containing `substr`; for EXPECT_TRUE(HasStatus(...)).
template <typename T>
::testing::AssertionResult HasStatus(const T& result, absl::StatusCode code,
                                     absl::string_view substr) {
  const absl::Status& status = GetStatus(result);
  if (status.code() != code ||
      status.message().find(substr) == absl::string_view::npos) {
    return ::testing::AssertionFailure()
           << "got " << status << "; expected code "
           << absl::StatusCodeToString(code) << " and a message containing \""
           << substr << "\"";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace vakwijzer::testing

#define EXPECT_OK(expr)                                   \
  EXPECT_TRUE(::vakwijzer::testing::GetStatus(expr).ok()) \
      << ::vakwijzer::testing::GetStatus(expr)
#define ASSERT_OK(expr)                                   \
  ASSERT_TRUE(::vakwijzer::testing::GetStatus(expr).ok()) \
      << ::vakwijzer::testing::GetStatus(expr)

#define VW_TEST_CONCAT_INNER_(a, b) a##b
#define VW_TEST_CONCAT_(a, b) VW_TEST_CONCAT_INNER_(a, b)
// Asserts that `rexpr` (a StatusOr) is OK and moves its value into `lhs`.
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(VW_TEST_CONCAT_(_vw_sor_, __LINE__), lhs, rexpr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(sor, lhs, rexpr) \
  auto sor = (rexpr);                               \
  ASSERT_TRUE(sor.ok()) << sor.status();            \
  lhs = std::move(sor).value()

// Expects `expr` to fail with `code` and a message containing `substr`.
#define EXPECT_STATUS(expr, expected_code, substr)                    \
  do {                                                                \
    const absl::Status _vw_s = ::vakwijzer::testing::GetStatus(expr); \
    EXPECT_EQ(_vw_s.code(), expected_code) << _vw_s;                  \
    EXPECT_NE(_vw_s.message().find(substr), absl::string_view::npos)  \
        << "message: " << _vw_s.message()                             \
        << "\nexpected to contain: " << (substr);                     \
  } while (false)

#endif  // VAKWIJZER_TESTS_TEST_UTIL_STATUS_MATCHERS_H_
