// The role fit of domain.md §5 ("Role fit"), shared by the role-fit and
// case-staffing matchers, and the few helpers both need (subject names,
// ranking, the capped excluded list).
//
// Header-only on purpose: each matcher is its own library and neither links
// the other's .cc.
//
// For a person and the requirements of a role or case, each requirement r
// resolves on the person's framework and track to a required level L_r, a
// weight w_r (1..5; 0 means 1) and a must-have flag. The person's level ℓ_r
// on it is the indicator's level, or for a competency the mean over the
// track's indicators of that competency. Unknown (never rated) counts as 0
// for the fit, and so does every unrated indicator inside a competency: only
// then does the fit never decrease when any level rises, including a first
// rating (a mean over the rated indicators alone drops when a low first
// rating arrives). Unknown requirements are still reported separately.
//
//   shortfall_r = max(0, L_r − ℓ_r)
//   fit         = 1 − Σ w_r·shortfall_r / Σ w_r·L_r   (1 when Σ w_r·L_r = 0)
//   coverage    = Σ w_r·[ℓ_r ≥ L_r] / Σ w_r           (1 without requirements)
//   must-have r unmet when ℓ_r < L_r; any unmet must-have fails the gate.
#ifndef VAKWIJZER_PLUGINS_ROLE_FIT_FIT_H_
#define VAKWIJZER_PLUGINS_ROLE_FIT_FIT_H_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "common/names.h"
#include "framework/framework_registry.h"
#include "google/protobuf/repeated_field.h"
#include "plugins/api/matcher.h"
#include "plugins/api/snapshot.h"
#include "vakwijzer/v1/catalog.pb.h"
#include "vakwijzer/v1/match.pb.h"

namespace vakwijzer::plugins::fit {

using RequirementList = google::protobuf::RepeatedPtrField<v1::Requirement>;

// One requirement resolved for a framework and track.
struct Target {
  ResolvedTarget resolved;
  // Contributions are grouped by this competency code: the requirement's
  // own for a competency, the indicator's competency for an indicator, the
  // indicator id when the framework lacks the indicator.
  std::string competency;
  std::string competency_title;  // empty when unknown
};

// The requirements of one role or case resolved for one framework and
// track, in the order given. Immutable after construction.
class Requirements {
 public:
  Requirements(const framework::FrameworkIndex& framework, std::string track,
               const RequirementList& requirements)
      : framework_(&framework), track_(std::move(track)) {
    targets_.reserve(requirements.size());
    for (const v1::Requirement& requirement : requirements) {
      Target t;
      t.resolved = Resolve(framework, track_, requirement);
      if (t.resolved.is_competency) {
        t.competency = t.resolved.key;
        t.competency_title = t.resolved.competency != nullptr
                                 ? t.resolved.competency->title()
                                 : CompetencyTitle(framework, t.competency);
      } else if (const framework::IndicatorRef* ref =
                     framework.FindIndicator(t.resolved.key)) {
        t.competency = ref->competency->code();
        t.competency_title = ref->competency->title();
      } else {
        t.competency = t.resolved.key;
      }
      required_weight_ +=
          static_cast<double>(t.resolved.weight) * t.resolved.level;
      total_weight_ += t.resolved.weight;
      targets_.push_back(std::move(t));
    }
  }

  const framework::FrameworkIndex& framework() const { return *framework_; }
  const std::string& track() const { return track_; }
  const std::vector<Target>& targets() const { return targets_; }
  // Σ w_r·L_r and Σ w_r.
  double required_weight() const { return required_weight_; }
  double total_weight() const { return total_weight_; }

 private:
  static std::string CompetencyTitle(const framework::FrameworkIndex& framework,
                                     absl::string_view code) {
    for (const v1::Cluster& cluster : framework.proto().clusters()) {
      for (const v1::Competency& competency : cluster.competencies()) {
        if (competency.code() == code) return competency.title();
      }
    }
    return "";
  }

  const framework::FrameworkIndex* framework_;
  std::string track_;
  std::vector<Target> targets_;
  double required_weight_ = 0;
  double total_weight_ = 0;
};

// Requirements resolved once per (framework, track) seen: people of several
// tracks (or frameworks, for catalogue items without one) share them.
class RequirementsCache {
 public:
  explicit RequirementsCache(const RequirementList& requirements)
      : requirements_(&requirements) {}

  const Requirements& Get(const framework::FrameworkIndex& framework,
                          const std::string& track) {
    for (const auto& entry : entries_) {
      if (&entry->framework() == &framework && entry->track() == track) {
        return *entry;
      }
    }
    entries_.push_back(
        std::make_unique<Requirements>(framework, track, *requirements_));
    return *entries_.back();
  }

 private:
  const RequirementList* requirements_;
  std::vector<std::unique_ptr<Requirements>> entries_;
};

// A person's level on one target as the fit counts it.
struct TargetLevel {
  double level = 0;     // unrated indicators count as 0
  bool unknown = true;  // no rated indicator at all (or none on the track)
  int unrated = 0;      // of a competency's indicators, those never rated
  int indicators = 0;   // indicators the target covers on the track
};

inline TargetLevel LevelForFit(const PersonView& person,
                               const ResolvedTarget& target) {
  TargetLevel out;
  out.indicators = static_cast<int>(target.ordinals.size());
  if (target.ordinals.empty()) return out;
  double sum = 0;
  for (int ordinal : target.ordinals) {
    float level = ordinal < static_cast<int>(person.levels.size())
                      ? person.levels[ordinal]
                      : kUnknown;
    if (IsKnown(level)) {
      sum += level;
      out.unknown = false;
    } else {
      ++out.unrated;
    }
  }
  out.level = sum / static_cast<double>(target.ordinals.size());
  return out;
}

// The gate and the two indices of one person against one requirement set.
struct Score {
  double fit = 1;
  double coverage = 1;
  int unmet_must_haves = 0;
  int unknown = 0;  // requirements with no rated indicator
  bool qualifies() const { return unmet_must_haves == 0; }
};

// Computes the Score. When `met` is not null (size = targets), sets met[r]
// for every requirement r the person meets.
inline Score Evaluate(const PersonView& person, const Requirements& reqs,
                      std::vector<char>* met = nullptr) {
  Score score;
  double weighted_shortfall = 0;
  double met_weight = 0;
  const std::vector<Target>& targets = reqs.targets();
  for (size_t r = 0; r < targets.size(); ++r) {
    const ResolvedTarget& t = targets[r].resolved;
    TargetLevel level = LevelForFit(person, t);
    if (level.unknown) ++score.unknown;
    double shortfall = std::max(0.0, t.level - level.level);
    weighted_shortfall += t.weight * shortfall;
    if (level.level >= t.level) {
      met_weight += t.weight;
      if (met != nullptr) (*met)[r] = 1;
    } else if (t.must_have) {
      ++score.unmet_must_haves;
    }
  }
  if (reqs.required_weight() > 0) {
    score.fit =
        std::clamp(1.0 - weighted_shortfall / reqs.required_weight(), 0.0, 1.0);
  }
  if (reqs.total_weight() > 0) {
    score.coverage = met_weight / reqs.total_weight();
  }
  return score;
}

// "2", "1.5", "1.25", "2.33": a level without trailing zeros.
inline std::string FormatLevel(double level) {
  std::string s = absl::StrFormat("%.2f", level);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

// One requirement of one person, for explanations.
struct TargetDetail {
  const Target* target = nullptr;
  TargetLevel level;
  double shortfall = 0;
  bool met = false;
};

inline std::vector<TargetDetail> Details(const PersonView& person,
                                         const Requirements& reqs) {
  std::vector<TargetDetail> out;
  out.reserve(reqs.targets().size());
  for (const Target& t : reqs.targets()) {
    TargetDetail d;
    d.target = &t;
    d.level = LevelForFit(person, t.resolved);
    d.shortfall = std::max(0.0, t.resolved.level - d.level.level);
    d.met = d.level.level >= t.resolved.level;
    out.push_back(d);
  }
  return out;
}

// ", not rated" or ", 2 of 4 indicators not rated"; empty when all rated.
inline std::string UnratedNote(const TargetDetail& d) {
  if (d.level.unknown) return ", not rated";
  if (d.level.unrated > 0) {
    return absl::StrCat(", ", d.level.unrated, " of ", d.level.indicators,
                        " indicators not rated");
  }
  return "";
}

// "1.5 of 3", with the unrated part of a competency when there is one.
inline std::string LevelOf(const TargetDetail& d) {
  return absl::StrCat(FormatLevel(d.level.level), " of ",
                      d.target->resolved.level, UnratedNote(d));
}

// MatchItem.unmet entries: "must-have 6.1: 1.5 of 3".
inline std::vector<std::string> UnmetMustHaves(
    const std::vector<TargetDetail>& details) {
  std::vector<std::string> out;
  for (const TargetDetail& d : details) {
    if (d.target->resolved.must_have && !d.met) {
      out.push_back(
          absl::StrCat("must-have ", d.target->resolved.key, ": ", LevelOf(d)));
    }
  }
  return out;
}

// The shortfall per competency, Σ w_r·shortfall_r over its requirements
// (0 = fully met), largest first, then by code.
inline std::vector<v1::Contribution> CompetencyContributions(
    const std::vector<TargetDetail>& details) {
  struct Group {
    const Target* first = nullptr;
    double value = 0;
    std::vector<std::string> parts;
  };
  std::vector<Group> groups;
  for (const TargetDetail& d : details) {
    const Target& t = *d.target;
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) {
      return g.first->competency == t.competency;
    });
    if (it == groups.end()) {
      groups.emplace_back();
      groups.back().first = &t;
      it = groups.end() - 1;
    }
    it->value += t.resolved.weight * d.shortfall;
    it->parts.push_back(absl::StrCat(
        t.resolved.is_competency ? "competency " : "", t.resolved.key, " at ",
        FormatLevel(d.level.level), UnratedNote(d), ", needs ",
        t.resolved.level, " (weight ", t.resolved.weight,
        t.resolved.must_have ? ", must-have" : "", ")"));
  }
  std::stable_sort(groups.begin(), groups.end(),
                   [](const Group& a, const Group& b) {
                     if (a.value != b.value) return a.value > b.value;
                     return a.first->competency < b.first->competency;
                   });
  std::vector<v1::Contribution> out;
  for (const Group& g : groups) {
    v1::Contribution c;
    c.set_key(g.first->competency);
    c.set_value(g.value);
    std::string parts = absl::StrJoin(g.parts, "; ");
    c.set_note(g.first->competency_title.empty()
                   ? parts
                   : absl::StrCat(g.first->competency_title, ": ", parts));
    out.push_back(std::move(c));
  }
  return out;
}

// "Fit 0.82, coverage 0.70 over 6 requirements; short on 6.1 (1.5 of 3),
// 7.2 (2 of 3); must-have 6.1 unmet; not rated (counted as 0): 8.1".
inline std::string Explain(const Score& score,
                           const std::vector<TargetDetail>& details) {
  std::string out = absl::StrFormat(
      "Fit %.2f, coverage %.2f over %d requirement%s", score.fit,
      score.coverage, details.size(), details.size() == 1 ? "" : "s");
  std::vector<const TargetDetail*> short_on;
  for (const TargetDetail& d : details) {
    if (!d.met) short_on.push_back(&d);
  }
  // Largest weighted shortfall first; stable keeps the requirement order.
  std::stable_sort(short_on.begin(), short_on.end(),
                   [](const TargetDetail* a, const TargetDetail* b) {
                     return a->target->resolved.weight * a->shortfall >
                            b->target->resolved.weight * b->shortfall;
                   });
  constexpr size_t kMaxShort = 5;
  if (short_on.empty()) {
    absl::StrAppend(&out, details.empty() ? "" : "; meets every requirement");
  } else {
    std::vector<std::string> parts;
    for (size_t i = 0; i < short_on.size() && i < kMaxShort; ++i) {
      parts.push_back(absl::StrCat(short_on[i]->target->resolved.key, " (",
                                   LevelOf(*short_on[i]), ")"));
    }
    if (short_on.size() > kMaxShort) {
      parts.push_back(
          absl::StrCat("and ", short_on.size() - kMaxShort, " more"));
    }
    absl::StrAppend(&out, "; short on ", absl::StrJoin(parts, ", "));
  }
  std::vector<absl::string_view> unmet, unknown;
  for (const TargetDetail& d : details) {
    if (d.target->resolved.must_have && !d.met) {
      unmet.push_back(d.target->resolved.key);
    }
    if (d.level.unknown) unknown.push_back(d.target->resolved.key);
  }
  if (!unmet.empty()) {
    absl::StrAppend(&out, "; must-have ", absl::StrJoin(unmet, ", "), " unmet");
  }
  if (!unknown.empty()) {
    absl::StrAppend(
        &out, "; not rated (counted as 0): ", absl::StrJoin(unknown, ", "));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Helpers shared by the two matchers.

// Checks that `name` is "organizations/{org}/{collection}/{id}" within
// `org`. INVALID_ARGUMENT naming `field` otherwise.
inline absl::Status CheckChildName(absl::string_view name,
                                   absl::string_view collection,
                                   absl::string_view org,
                                   absl::string_view field) {
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "organizations" ||
      parts[2] != collection) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": malformed resource name \"", name,
                     "\"; expected organizations/{org}/", collection, "/{id}"));
  }
  if (absl::Status s = ValidateId(parts[1], field); !s.ok()) return s;
  if (absl::Status s = ValidateId(parts[3], field); !s.ok()) return s;
  if (parts[1] != org) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": \"", name, "\" is not in organizations/", org));
  }
  return absl::OkStatus();
}

// Whether a catalogue item's framework ("frameworks/{id}", or a bare id)
// names `framework`. An empty name matches nothing; callers decide what
// empty means.
inline bool IsFramework(absl::string_view name,
                        const framework::FrameworkIndex* framework) {
  if (framework == nullptr) return false;
  absl::ConsumePrefix(&name, "frameworks/");
  return name == framework->id();
}

inline int PageSize(const v1::MatchRequest& request) {
  return request.page_size() > 0 ? request.page_size() : 10;
}

inline bool Cancelled(const MatchInput& input) {
  return input.cancelled && input.cancelled();
}

// MatchResponse.excluded, capped: the first kCap reasons, then one
// "… and N more". Reasons are only built while under the cap.
class ExcludedList {
 public:
  static constexpr int kCap = 100;

  template <typename MakeReason>
  void Add(MakeReason make) {
    if (count_++ < kCap) reasons_.push_back(make());
  }
  int count() const { return count_; }

  void MoveTo(v1::MatchResponse* response) {
    for (std::string& r : reasons_) response->add_excluded(std::move(r));
    if (count_ > kCap) {
      response->add_excluded(absl::StrCat("… and ", count_ - kCap, " more"));
    }
    reasons_.clear();
  }

 private:
  int count_ = 0;
  std::vector<std::string> reasons_;
};

// What the include_unqualified and min_fit parameters let through.
struct ListOptions {
  bool include_unqualified = true;
  double min_fit = 0;
};

// Whether a scored candidate is listed; records why not in `excluded`.
// `name` gives the candidate's resource name; `details` its TargetDetails
// (called only for a recorded reason).
template <typename Name, typename GetDetails>
bool Listed(const Score& score, const ListOptions& options, Name name,
            GetDetails details, ExcludedList* excluded) {
  if (!score.qualifies() && !options.include_unqualified) {
    excluded->Add([&] {
      return absl::StrCat(name(), ": ",
                          absl::StrJoin(UnmetMustHaves(details()), ", "));
    });
    return false;
  }
  if (score.fit < options.min_fit) {
    excluded->Add([&] {
      return absl::StrFormat("%s: fit %.3f is below min_fit %s", name(),
                             score.fit, absl::StrCat(options.min_fit));
    });
    return false;
  }
  return true;
}

// A scored candidate. `index` orders candidates by resource name (both
// people and catalogue items are kept sorted by name in the snapshot).
struct Ranked {
  int index = 0;
  Score score;
  double value = 0;  // the item's score: the fit, plus any bonus
};

// Qualifying first, then value desc, coverage desc, name asc.
inline bool RanksBefore(const Ranked& a, const Ranked& b) {
  if (a.score.qualifies() != b.score.qualifies()) return a.score.qualifies();
  if (a.value != b.value) return a.value > b.value;
  if (a.score.coverage != b.score.coverage) {
    return a.score.coverage > b.score.coverage;
  }
  return a.index < b.index;
}

// The best `k` of the candidates offered, in a bounded heap: O(n log k)
// time and O(k) memory however many candidates an organisation has.
class TopK {
 public:
  explicit TopK(int k) : k_(static_cast<size_t>(std::max(k, 0))) {
    heap_.reserve(k_);
  }

  void Offer(const Ranked& r) {
    ++offered_;
    if (heap_.size() < k_) {
      heap_.push_back(r);
      std::push_heap(heap_.begin(), heap_.end(), RanksBefore);
    } else if (k_ > 0 && RanksBefore(r, heap_.front())) {
      // heap_.front() is the worst kept entry.
      std::pop_heap(heap_.begin(), heap_.end(), RanksBefore);
      heap_.back() = r;
      std::push_heap(heap_.begin(), heap_.end(), RanksBefore);
    }
  }
  // How many candidates were offered.
  int offered() const { return offered_; }

  // The kept entries, best first. Leaves the TopK empty.
  std::vector<Ranked> Take() {
    std::sort_heap(heap_.begin(), heap_.end(), RanksBefore);
    return std::move(heap_);
  }

 private:
  size_t k_;
  int offered_ = 0;
  std::vector<Ranked> heap_;
};

}  // namespace vakwijzer::plugins::fit

#endif  // VAKWIJZER_PLUGINS_ROLE_FIT_FIT_H_
