#include "plugins/api/matcher.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/quote.h"

namespace vakwijzer::plugins {

absl::Status MatcherRegistry::Add(std::unique_ptr<Matcher> matcher) {
  std::string name = matcher->Info().name();
  if (matchers_.count(name)) {
    return absl::AlreadyExistsError(absl::StrCat(
        "a matcher named ", Quote(name), " is already registered"));
  }
  matchers_[name] = Entry{std::move(matcher), {}};
  return absl::OkStatus();
}

absl::Status MatcherRegistry::Enable(const std::vector<std::string>& enabled) {
  if (enabled.empty()) return absl::OkStatus();
  std::set<std::string, std::less<>> keep(enabled.begin(), enabled.end());
  for (const std::string& name : keep) {
    if (!matchers_.count(name)) {
      return absl::NotFoundError(
          absl::StrCat("enabled matcher ", Quote(name), " does not exist"));
    }
  }
  for (auto it = matchers_.begin(); it != matchers_.end();) {
    it = keep.count(it->first) ? std::next(it) : matchers_.erase(it);
  }
  return absl::OkStatus();
}

absl::Status MatcherRegistry::SetDefaults(
    absl::string_view matcher, std::map<std::string, std::string> defaults) {
  auto it = matchers_.find(matcher);
  if (it == matchers_.end()) {
    return absl::NotFoundError(
        absl::StrCat("matcher ", Quote(matcher), " does not exist"));
  }
  google::protobuf::Map<std::string, std::string> values(defaults.begin(),
                                                         defaults.end());
  absl::StatusOr<Params> checked =
      Params::Parse(it->second.matcher->Info().parameters(), {}, values);
  if (!checked.ok()) {
    return absl::Status(
        checked.status().code(),
        absl::StrCat("matcher ", matcher, ": ", checked.status().message()));
  }
  it->second.defaults = std::move(defaults);
  return absl::OkStatus();
}

const Matcher* MatcherRegistry::Find(absl::string_view name) const {
  auto it = matchers_.find(name);
  return it == matchers_.end() ? nullptr : it->second.matcher.get();
}

const std::map<std::string, std::string>& MatcherRegistry::Defaults(
    absl::string_view name) const {
  static const std::map<std::string, std::string> kNone;
  auto it = matchers_.find(name);
  return it == matchers_.end() ? kNone : it->second.defaults;
}

std::vector<const Matcher*> MatcherRegistry::All() const {
  std::vector<const Matcher*> out;
  for (const auto& [name, entry] : matchers_)
    out.push_back(entry.matcher.get());
  return out;
}

}  // namespace vakwijzer::plugins
