#include "services/core/profile_filter.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace vakwijzer::core {
namespace {

constexpr const char* kFields[] = {"team", "role", "track", "target_stage"};

absl::Status Error(size_t pos, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("filter: at character ", pos + 1, ": ", what));
}

}  // namespace

absl::StatusOr<ProfileFilter> ProfileFilter::Parse(absl::string_view text) {
  ProfileFilter filter;
  size_t pos = 0;
  auto skip_space = [&] {
    while (pos < text.size() && absl::ascii_isspace(text[pos])) ++pos;
  };
  auto word = [&] {
    size_t start = pos;
    while (pos < text.size() &&
           (absl::ascii_isalnum(text[pos]) || text[pos] == '_')) {
      ++pos;
    }
    return text.substr(start, pos - start);
  };
  skip_space();
  if (pos == text.size()) return filter;  // empty: everything matches
  while (true) {
    skip_space();
    size_t field_pos = pos;
    absl::string_view field = word();
    if (std::find(std::begin(kFields), std::end(kFields), field) ==
        std::end(kFields)) {
      return Error(
          field_pos,
          absl::StrCat("expected one of team, role, track, "
                       "target_stage; found \"",
                       field.empty() ? text.substr(pos, 1) : field, "\""));
    }
    skip_space();
    if (pos >= text.size() || text[pos] != '=') {
      return Error(pos, "expected '='");
    }
    ++pos;
    skip_space();
    if (pos >= text.size() || text[pos] != '"') {
      return Error(pos, "expected a double-quoted value");
    }
    size_t quote_pos = pos++;
    std::string value;
    bool closed = false;
    while (pos < text.size()) {
      char c = text[pos++];
      if (c == '"') {
        closed = true;
        break;
      }
      if (c == '\\') {
        if (pos >= text.size()) break;
        c = text[pos++];
        if (c != '"' && c != '\\') {
          return Error(pos - 2, "only \\\" and \\\\ are escapes");
        }
      }
      value.push_back(c);
    }
    if (!closed) return Error(quote_pos, "unterminated string");
    filter.terms_.emplace_back(std::string(field), std::move(value));
    skip_space();
    if (pos == text.size()) break;
    size_t and_pos = pos;
    if (word() != "AND") return Error(and_pos, "expected AND or the end");
  }
  return filter;
}

bool ProfileFilter::Matches(const v1::Profile& profile) const {
  for (const auto& [field, value] : terms_) {
    if (field == "team") {
      const auto& teams = profile.teams();
      if (std::find(teams.begin(), teams.end(), value) == teams.end()) {
        return false;
      }
    } else if (field == "role") {
      if (profile.role() != value) return false;
    } else if (field == "track") {
      if (profile.track() != value) return false;
    } else if (profile.target_stage() != value) {
      return false;
    }
  }
  return true;
}

}  // namespace vakwijzer::core
