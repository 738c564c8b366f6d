// The role-fit matcher: ranks the roles of an organisation for a person, or
// the people for a role, by the weighted-shortfall fit of fit.h behind a
// must-have gate.
#include "plugins/role_fit/role_fit_matcher.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/quote.h"
#include "common/status_macros.h"
#include "plugins/role_fit/fit.h"

namespace vakwijzer::plugins {
namespace {

constexpr int kCancelCheckEvery = 2048;

std::string PersonTitle(const PersonView& person) {
  return person.display_name.empty() ? person.id : person.display_name;
}

std::string FrameworkLabel(const framework::FrameworkIndex* framework) {
  return framework == nullptr ? "no loaded framework"
                              : FrameworkName(framework->id());
}

class RoleFitMatcher final : public Matcher {
 public:
  RoleFitMatcher() {
    info_.set_name("role-fit");
    info_.set_version("1.0.0");
    info_.set_description(
        "Ranks roles for a person, or people for a role, by weighted "
        "shortfall fit (1 - sum w*max(0, required - level) / sum "
        "w*required) behind a must-have gate; coverage is the weighted "
        "share of requirements met. Unrated levels count as 0.");
    info_.set_subject("a person or a role");
    *info_.add_parameters() = BoolParam(
        "include_unqualified", "true",
        "List candidates that miss a must-have (after every qualifying one, "
        "with the unmet must-haves); false excludes them.");
    *info_.add_parameters() = NumberParam(
        "min_fit", "0", "Leave out candidates with a lower fit.", 0, 1);
  }

  const v1::MatcherInfo& Info() const override { return info_; }

  absl::StatusOr<v1::MatchResponse> Match(
      const MatchInput& input) const override {
    const std::string& subject = input.request.subject();
    fit::ListOptions options;
    options.include_unqualified = input.params.Bool("include_unqualified");
    options.min_fit = input.params.Number("min_fit");
    std::vector<absl::string_view> parts = absl::StrSplit(subject, '/');
    if (parts.size() == 4 && parts[2] == "people") {
      RETURN_IF_ERROR(
          fit::CheckChildName(subject, "people", input.org.org, "subject"));
      const PersonView* person = input.org.FindPerson(parts[3]);
      if (person == nullptr) {
        return absl::NotFoundError(absl::StrCat(
            "subject: person ", Quote(subject), " does not exist"));
      }
      return RolesForPerson(input, options, *person);
    }
    if (parts.size() == 4 && parts[2] == "roles") {
      RETURN_IF_ERROR(
          fit::CheckChildName(subject, "roles", input.org.org, "subject"));
      const v1::Role* role = input.org.FindRole(subject);
      if (role == nullptr) {
        return absl::NotFoundError(
            absl::StrCat("subject: role ", Quote(subject), " does not exist"));
      }
      return PeopleForRole(input, options, *role);
    }
    return absl::InvalidArgumentError(
        absl::StrCat("subject: malformed resource name ", Quote(subject),
                     "; expected organizations/{org}/people/{person} or "
                     "organizations/{org}/roles/{role}"));
  }

 private:
  absl::StatusOr<v1::MatchResponse> RolesForPerson(
      const MatchInput& input, const fit::ListOptions& options,
      const PersonView& person) const {
    const framework::FrameworkIndex* framework = person.framework;
    if (framework == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "subject: ", input.request.subject(), " has no loaded framework"));
    }
    const auto& roles = input.org.roles;
    v1::MatchResponse response;
    fit::ExcludedList excluded;
    fit::TopK top(fit::PageSize(input.request));
    int eligible = 0, qualifying = 0;
    for (size_t i = 0; i < roles.size(); ++i) {
      if (i % kCancelCheckEvery == 0 && fit::Cancelled(input)) {
        return absl::CancelledError("role-fit: the request was cancelled");
      }
      const v1::Role& role = roles[i];
      if (!role.framework().empty() &&
          !fit::IsFramework(role.framework(), framework)) {
        excluded.Add([&] {
          return absl::StrCat(role.name(), ": framework ", role.framework(),
                              "; the person is assessed against ",
                              FrameworkLabel(framework));
        });
        continue;
      }
      if (!role.track().empty() && role.track() != person.track) {
        excluded.Add([&] {
          return absl::StrCat(role.name(), ": for track ", role.track(),
                              "; the person is on track ", person.track);
        });
        continue;
      }
      ++eligible;
      fit::Requirements reqs(*framework, person.track, role.requirements());
      fit::Score score = fit::Evaluate(person, reqs);
      if (score.qualifies()) ++qualifying;
      if (fit::Listed(
              score, options, [&] { return role.name(); },
              [&] { return fit::Details(person, reqs); }, &excluded)) {
        top.Offer(fit::Ranked{static_cast<int>(i), score, score.fit});
      }
    }
    const int listed = top.offered();
    const std::vector<fit::Ranked> ranked = top.Take();
    for (size_t k = 0; k < ranked.size(); ++k) {
      const v1::Role& role = roles[ranked[k].index];
      fit::Requirements reqs(*framework, person.track, role.requirements());
      FillItem(ranked[k], static_cast<int>(k) + 1, role.name(), role.title(),
               person, reqs, response.add_items());
    }
    response.set_summary(Summary(listed, "role", "roles",
                                 absl::StrCat("person ", PersonTitle(person)),
                                 eligible, qualifying, response));
    Finish(static_cast<int>(roles.size()), eligible, qualifying, listed,
           &excluded, &response);
    return response;
  }

  absl::StatusOr<v1::MatchResponse> PeopleForRole(
      const MatchInput& input, const fit::ListOptions& options,
      const v1::Role& role) const {
    const auto& people = input.org.people;
    const std::string people_prefix =
        absl::StrCat("organizations/", input.org.org, "/people/");
    v1::MatchResponse response;
    fit::ExcludedList excluded;
    fit::RequirementsCache cache(role.requirements());
    fit::TopK top(fit::PageSize(input.request));
    int eligible = 0, qualifying = 0;
    for (size_t i = 0; i < people.size(); ++i) {
      if (i % kCancelCheckEvery == 0 && fit::Cancelled(input)) {
        return absl::CancelledError("role-fit: the request was cancelled");
      }
      const PersonView& person = *people[i];
      auto name = [&] { return absl::StrCat(people_prefix, person.id); };
      if (person.framework == nullptr ||
          (!role.framework().empty() &&
           !fit::IsFramework(role.framework(), person.framework))) {
        excluded.Add([&] {
          return absl::StrCat(name(), ": assessed against ",
                              FrameworkLabel(person.framework),
                              "; the role needs ", role.framework());
        });
        continue;
      }
      if (!role.track().empty() && role.track() != person.track) {
        excluded.Add([&] {
          return absl::StrCat(name(), ": on track ", person.track,
                              "; the role is for track ", role.track());
        });
        continue;
      }
      ++eligible;
      const fit::Requirements& reqs =
          cache.Get(*person.framework, person.track);
      fit::Score score = fit::Evaluate(person, reqs);
      if (score.qualifies()) ++qualifying;
      if (fit::Listed(
              score, options, name, [&] { return fit::Details(person, reqs); },
              &excluded)) {
        top.Offer(fit::Ranked{static_cast<int>(i), score, score.fit});
      }
    }
    const int listed = top.offered();
    const std::vector<fit::Ranked> ranked = top.Take();
    for (size_t k = 0; k < ranked.size(); ++k) {
      const PersonView& person = *people[ranked[k].index];
      FillItem(ranked[k], static_cast<int>(k) + 1,
               absl::StrCat(people_prefix, person.id), PersonTitle(person),
               person, cache.Get(*person.framework, person.track),
               response.add_items());
    }
    response.set_summary(
        Summary(listed, "person", "people",
                absl::StrCat("role ",
                             role.title().empty() ? role.name() : role.title()),
                eligible, qualifying, response));
    Finish(static_cast<int>(people.size()), eligible, qualifying, listed,
           &excluded, &response);
    return response;
  }

  static void FillItem(const fit::Ranked& ranked, int rank, std::string name,
                       std::string title, const PersonView& person,
                       const fit::Requirements& reqs, v1::MatchItem* item) {
    std::vector<fit::TargetDetail> details = fit::Details(person, reqs);
    item->set_name(std::move(name));
    item->set_title(std::move(title));
    item->set_rank(rank);
    item->set_score(ranked.value);
    item->set_explanation(fit::Explain(ranked.score, details));
    for (v1::Contribution& c : fit::CompetencyContributions(details)) {
      *item->add_contributions() = std::move(c);
    }
    for (std::string& u : fit::UnmetMustHaves(details)) {
      item->add_unmet(std::move(u));
    }
  }

  // "3 roles ranked for person Anna (2 of 4 eligible qualify); best: Senior
  // adviser, fit 0.91".
  static std::string Summary(int listed, absl::string_view one,
                             absl::string_view many, absl::string_view for_what,
                             int eligible, int qualifying,
                             const v1::MatchResponse& response) {
    std::string out = absl::StrFormat(
        "%d %s ranked for %s (%d of %d eligible qualify)", listed,
        listed == 1 ? one : many, for_what, qualifying, eligible);
    if (response.items_size() > 0) {
      const v1::MatchItem& best = response.items(0);
      absl::StrAppend(
          &out, absl::StrFormat(
                    "; best: %s, fit %.2f%s", best.title(), best.score(),
                    best.unmet_size() > 0 ? " (misses a must-have)" : ""));
    }
    return out;
  }

  static void Finish(int candidates, int eligible, int qualifying, int listed,
                     fit::ExcludedList* excluded, v1::MatchResponse* response) {
    response->set_candidate_count(candidates);
    auto& metrics = *response->mutable_metrics();
    metrics["candidates"] = candidates;
    metrics["eligible"] = eligible;
    metrics["qualifying"] = qualifying;
    metrics["listed"] = listed;
    excluded->MoveTo(response);
  }

  v1::MatcherInfo info_;
};

}  // namespace

std::unique_ptr<Matcher> NewRoleFitMatcher() {
  return std::make_unique<RoleFitMatcher>();
}

}  // namespace vakwijzer::plugins
