// The case-staffing matcher: ranks the people who can take a client case
// (framework, language, region and caseload capacity as hard filters) by
// the role fit of plugins/role_fit/fit.h on the case's requirements, plus a
// bonus for the case's preferred team, and flags the must-haves that no
// available person meets.
#include "plugins/case_staffing/case_staffing_matcher.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/quote.h"
#include "common/status_macros.h"
#include "plugins/role_fit/fit.h"

namespace vakwijzer::plugins {
namespace {

constexpr int kCancelCheckEvery = 2048;

std::string PersonTitle(const PersonView& person) {
  return person.display_name.empty() ? person.id : person.display_name;
}

absl::string_view VaarwaterLabel(v1::Vaarwater vaarwater) {
  switch (vaarwater) {
    case v1::RUSTIG:
      return "rustig (calm water: prevention)";
    case v1::WOELIG:
      return "woelig (rough water: early intervention)";
    case v1::ONSTUIMIG:
      return "onstuimig (stormy water: crisis)";
    default:
      return "unspecified";
  }
}

bool Contains(const std::vector<std::string>& values, absl::string_view v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

int Workload(const v1::ClientCase& c) {
  return c.workload() > 0 ? c.workload() : 1;
}

// Why `person` cannot take `c`, or "" when they can. Every failed filter is
// named.
std::string HardFilterReasons(const PersonView& person,
                              const v1::ClientCase& c) {
  std::vector<std::string> reasons;
  if (person.framework == nullptr ||
      (!c.framework().empty() &&
       !fit::IsFramework(c.framework(), person.framework))) {
    reasons.push_back(absl::StrCat("assessed against ",
                                   person.framework == nullptr
                                       ? "no loaded framework"
                                       : FrameworkName(person.framework->id()),
                                   "; the case needs ", c.framework()));
  }
  if (!c.language().empty() && !Contains(person.languages, c.language())) {
    reasons.push_back(absl::StrCat("does not speak ", c.language(), " (speaks ",
                                   person.languages.empty()
                                       ? "none listed"
                                       : absl::StrJoin(person.languages, ", "),
                                   ")"));
  }
  if (!c.region().empty() && person.region != c.region()) {
    reasons.push_back(absl::StrCat(
        "region ", person.region.empty() ? "(none)" : person.region,
        "; the case is in ", c.region()));
  }
  if (person.current_caseload + Workload(c) > person.caseload_capacity) {
    reasons.push_back(absl::StrCat("caseload ", person.current_caseload, " + ",
                                   Workload(c), " > ",
                                   person.caseload_capacity));
  }
  return absl::StrJoin(reasons, "; ");
}

// Cheap version of HardFilterReasons for the hot loop.
bool Available(const PersonView& person, const v1::ClientCase& c) {
  if (person.framework == nullptr) return false;
  if (!c.framework().empty() &&
      !fit::IsFramework(c.framework(), person.framework)) {
    return false;
  }
  if (!c.language().empty() && !Contains(person.languages, c.language())) {
    return false;
  }
  if (!c.region().empty() && person.region != c.region()) return false;
  return person.current_caseload + Workload(c) <= person.caseload_capacity;
}

class CaseStaffingMatcher final : public Matcher {
 public:
  CaseStaffingMatcher() {
    info_.set_name("case-staffing");
    info_.set_version("1.0.0");
    info_.set_description(
        "Ranks the people who can take a client case - same framework, the "
        "case's language and region, caseload room for its workload - by "
        "role fit on the case's requirements (behind a must-have gate), plus "
        "a bonus for the case's preferred team; flags must-haves that no "
        "available person meets.");
    info_.set_subject("a client case");
    *info_.add_parameters() = NumberParam(
        "team_bonus", "0.05",
        "Added to the score of people in the case's preferred team.", 0, 1);
    *info_.add_parameters() = BoolParam(
        "include_unqualified", "true",
        "List people who miss a must-have (after every qualifying one, with "
        "the unmet must-haves); false excludes them.");
    *info_.add_parameters() =
        NumberParam("min_fit", "0", "Leave out people with a lower fit.", 0, 1);
  }

  const v1::MatcherInfo& Info() const override { return info_; }

  absl::StatusOr<v1::MatchResponse> Match(
      const MatchInput& input) const override {
    const std::string& subject = input.request.subject();
    RETURN_IF_ERROR(
        fit::CheckChildName(subject, "cases", input.org.org, "subject"));
    const v1::ClientCase* found = input.org.FindCase(subject);
    if (found == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("subject: case ", Quote(subject), " does not exist"));
    }
    const v1::ClientCase& c = *found;
    if (c.requirements().empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("case ", subject, " has no requirements"));
    }
    fit::ListOptions options;
    options.include_unqualified = input.params.Bool("include_unqualified");
    options.min_fit = input.params.Number("min_fit");
    const double team_bonus = input.params.Number("team_bonus");

    const auto& people = input.org.people;
    const std::string people_prefix =
        absl::StrCat("organizations/", input.org.org, "/people/");
    const int n_reqs = c.requirements_size();
    v1::MatchResponse response;
    fit::ExcludedList excluded;
    fit::RequirementsCache cache(c.requirements());
    fit::TopK top(fit::PageSize(input.request));
    // met_by_someone[r]: an available person meets requirement r.
    std::vector<char> met_by_someone(n_reqs, 0);
    int available = 0, qualifying = 0;
    for (size_t i = 0; i < people.size(); ++i) {
      if (i % kCancelCheckEvery == 0 && fit::Cancelled(input)) {
        return absl::CancelledError("case-staffing: the request was cancelled");
      }
      const PersonView& person = *people[i];
      auto name = [&] { return absl::StrCat(people_prefix, person.id); };
      if (!Available(person, c)) {
        excluded.Add([&] {
          return absl::StrCat(name(), ": ", HardFilterReasons(person, c));
        });
        continue;
      }
      ++available;
      const fit::Requirements& reqs =
          cache.Get(*person.framework, person.track);
      fit::Score score = fit::Evaluate(person, reqs, &met_by_someone);
      if (score.qualifies()) ++qualifying;
      if (fit::Listed(
              score, options, name, [&] { return fit::Details(person, reqs); },
              &excluded)) {
        double value = score.fit;
        if (!c.team().empty() && Contains(person.teams, c.team())) {
          value += team_bonus;
        }
        top.Offer(fit::Ranked{static_cast<int>(i), score, value});
      }
    }
    const int listed = top.offered();
    const std::vector<fit::Ranked> ranked = top.Take();
    for (size_t k = 0; k < ranked.size(); ++k) {
      const PersonView& person = *people[ranked[k].index];
      FillItem(c, team_bonus, ranked[k], static_cast<int>(k) + 1,
               absl::StrCat(people_prefix, person.id), person,
               cache.Get(*person.framework, person.track),
               response.add_items());
    }

    // Must-haves nobody available meets. A requirement's key and level do
    // not depend on the track it was resolved for.
    for (int r = 0; r < n_reqs; ++r) {
      const v1::Requirement& req = c.requirements(r);
      if (!req.must_have() || met_by_someone[r]) continue;
      v1::Contribution* residual = response.add_residual();
      residual->set_key(req.has_indicator() ? req.indicator()
                                            : req.competency());
      residual->set_value(req.level());
      residual->set_note(
          available == 0
              ? std::string("no person is available")
              : absl::StrCat("no available person reaches ", req.level()));
    }

    response.set_candidate_count(static_cast<int>(people.size()));
    auto& metrics = *response.mutable_metrics();
    metrics["candidates"] = static_cast<double>(people.size());
    metrics["available"] = available;
    metrics["qualifying"] = qualifying;
    metrics["listed"] = listed;
    if (!ranked.empty()) {
      const PersonView& top = *people[ranked[0].index];
      metrics["remaining_capacity"] =
          top.caseload_capacity - top.current_caseload - Workload(c);
    }
    response.set_summary(Summary(c, available, qualifying, listed, response));
    excluded.MoveTo(&response);
    return response;
  }

 private:
  static void FillItem(const v1::ClientCase& c, double team_bonus,
                       const fit::Ranked& ranked, int rank, std::string name,
                       const PersonView& person, const fit::Requirements& reqs,
                       v1::MatchItem* item) {
    std::vector<fit::TargetDetail> details = fit::Details(person, reqs);
    item->set_name(std::move(name));
    item->set_title(PersonTitle(person));
    item->set_rank(rank);
    item->set_score(ranked.value);
    const int left =
        person.caseload_capacity - person.current_caseload - Workload(c);
    std::string explanation =
        absl::StrCat("Vaarwater ", VaarwaterLabel(c.vaarwater()), ". ",
                     fit::Explain(ranked.score, details));
    absl::StrAppend(&explanation, "; caseload ", person.current_caseload, " + ",
                    Workload(c), " of ", person.caseload_capacity, " leaves ",
                    left);
    const bool in_team = !c.team().empty() && Contains(person.teams, c.team());
    if (in_team) {
      absl::StrAppend(&explanation, "; in preferred team ", c.team(), " (+",
                      fit::FormatLevel(team_bonus), ")");
    }
    item->set_explanation(std::move(explanation));
    for (v1::Contribution& contribution :
         fit::CompetencyContributions(details)) {
      *item->add_contributions() = std::move(contribution);
    }
    if (in_team && team_bonus > 0) {
      v1::Contribution* bonus = item->add_contributions();
      bonus->set_key("team_bonus");
      bonus->set_value(team_bonus);
      bonus->set_note(absl::StrCat("in the case's preferred team ", c.team()));
    }
    for (std::string& u : fit::UnmetMustHaves(details)) {
      item->add_unmet(std::move(u));
    }
  }

  // "Case 4 (onstuimig ...): 12 of 40 people available, 7 qualify; best:
  // Anna, score 0.87; 1 must-have nobody available meets".
  static std::string Summary(const v1::ClientCase& c, int available,
                             int qualifying, int listed,
                             const v1::MatchResponse& response) {
    std::string out = absl::StrFormat(
        "%s, %s: %d available, %d qualify, %d listed",
        c.title().empty() ? c.name() : c.title(), VaarwaterLabel(c.vaarwater()),
        available, qualifying, listed);
    if (response.items_size() > 0) {
      absl::StrAppend(&out, absl::StrFormat("; best: %s, score %.2f",
                                            response.items(0).title(),
                                            response.items(0).score()));
    }
    if (response.residual_size() > 0) {
      absl::StrAppend(
          &out, "; ", response.residual_size(),
          response.residual_size() == 1 ? " must-have" : " must-haves",
          " nobody available meets");
    }
    return out;
  }

  v1::MatcherInfo info_;
};

}  // namespace

std::unique_ptr<Matcher> NewCaseStaffingMatcher() {
  return std::make_unique<CaseStaffingMatcher>();
}

}  // namespace vakwijzer::plugins
