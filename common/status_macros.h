// Small helpers for absl::Status that Debian's Abseil 20220623 lacks.
#ifndef VAKWIJZER_COMMON_STATUS_MACROS_H_
#define VAKWIJZER_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define VW_CONCAT_INNER_(a, b) a##b
#define VW_CONCAT_(a, b) VW_CONCAT_INNER_(a, b)

// Returns from the current function if `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                                                  \
  do {                                                                         \
    if (absl::Status _vw_status = (expr); !_vw_status.ok()) return _vw_status; \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status,
// otherwise moves the value into `lhs` (a declaration or an lvalue).
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL_(VW_CONCAT_(_vw_statusor_, __LINE__), lhs, rexpr)

#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr)       \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // VAKWIJZER_COMMON_STATUS_MACROS_H_
