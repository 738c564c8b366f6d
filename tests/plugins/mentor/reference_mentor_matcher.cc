// The mentor matcher as it was before the scoring kernel and the bounded
// top-k (issue 8), kept verbatim as the reference for the differential test
// in mentor_matcher_test.cc: the new matcher must return identical
// responses. Do not change its behaviour.
// The mentor matcher: ranks colleagues who can mentor a person where that
// person has gaps (domain.md §5 "Mentors").
//
// A unit u is an indicator of the mentee's track (granularity "indicator")
// or a competency (granularity "competency"). With T the mentee's target
// level, gap_u = max(0, T − mentee_level_u); a unit the mentee was never
// rated on has no gap (it is counted apart, never folded into a score).
//
//   score(m) = Σ_u gap_u · [ℓ_m,u ≥ threshold ∧ ℓ_m,u > ℓ_u] · (1 +
//   bonus·[ℓ_m,u ≥ max])
//
// (ℓ_u the mentee's own level; the second condition and the ranking on a
// 1e-9 grid, RankKey, were added by issue 9 to both copies.)
//
// At competency granularity ℓ is the mean of the person's known levels on
// the competency's indicators of their own track, so colleagues on another
// track (HBO, MBO) can mentor each other; at indicator granularity only a
// colleague on the mentee's track has a level on the mentee's indicators.
//
// Ranking is by score, or, when lambda < 1, by Maximal Marginal Relevance
// (Carbonell & Goldstein 1998) with sim = 1 for two mentors sharing a team.
// Since sim is 0 or 1, the MMR argmax is either the best candidate sharing no
// team with the picks so far or the best one sharing some team; both are
// found with two forward-only pointers over the relevance order, so MMR costs
// O(n log n) for the sort and O(n + k) for the k picks.
#include "tests/plugins/mentor/reference_mentor_matcher.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/names.h"
#include "common/status_macros.h"

namespace vakwijzer::plugins::reference {
namespace {

int64_t RankKey(double v) { return std::llround(v * 1e9); }

constexpr int kMaxExcluded = 100;
constexpr int kCancelCheckEvery = 4096;
constexpr int kExplainKeys = 3;

// "3", "1.5", "2.33": levels, gaps and scores as people read them.
std::string Num(double v) {
  std::string s = absl::StrFormat("%.2f", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

// One unit where the mentee has a gap.
struct GapUnit {
  std::string key;  // indicator id or competency code
  double mentee_level = 0;
  double gap = 0;
};

// For one track: per gap unit, the indicator ordinals whose known levels
// are averaged into a person's level on that unit (none: no level). Flat,
// so a person is scored in one pass over a contiguous array.
struct TrackUnits {
  std::string track;
  std::vector<int> ordinals;
  std::vector<int> start = {0};  // unit u: ordinals[start[u], start[u + 1])

  void Add(const std::vector<int>& unit_ordinals) {
    ordinals.insert(ordinals.end(), unit_ordinals.begin(), unit_ordinals.end());
    start.push_back(static_cast<int>(ordinals.size()));
  }
};

// Mean of the known levels at ordinals [first, last); false when none is
// known.
bool LevelAt(const PersonView& p, const int* first, const int* last,
             double* level) {
  const float* levels = p.levels.data();
  double sum = 0;
  int known = 0;
  for (; first != last; ++first) {
    float l = levels[*first];
    if (IsKnown(l)) {
      sum += l;
      ++known;
    }
  }
  if (known == 0) return false;
  *level = sum / known;
  return true;
}

bool LevelAt(const PersonView& p, const std::vector<int>& ordinals,
             double* level) {
  return LevelAt(p, ordinals.data(), ordinals.data() + ordinals.size(), level);
}

struct Scoring {
  std::vector<GapUnit> units;
  std::vector<double> gaps;  // units[u].gap, contiguous for the scan
  std::vector<TrackUnits> tracks;
  double threshold = 0;
  double max_level = 0;
  double bonus = 0;

  const TrackUnits* For(const std::string& track) const {
    for (const TrackUnits& t : tracks) {
      if (t.track == track) return &t;
    }
    return nullptr;
  }
};

// Unit u as a mentor covers it.
struct Cover {
  int unit;
  double mentor_level;
  double value;
  bool voorbeeld;
};

// The units `p` covers, in unit order; returns their total.
double Covers(const Scoring& s, const PersonView& p,
              std::vector<Cover>* covers) {
  const TrackUnits* t = s.For(p.track);
  if (t == nullptr) return 0;
  double score = 0;
  const int* ordinals = t->ordinals.data();
  for (size_t u = 0; u < s.units.size(); ++u) {
    double level;
    if (!LevelAt(p, ordinals + t->start[u], ordinals + t->start[u + 1],
                 &level) ||
        level < s.threshold || level <= s.units[u].mentee_level) {
      continue;
    }
    bool voorbeeld = level >= s.max_level;
    double value = s.gaps[u] * (voorbeeld ? 1 + s.bonus : 1);
    score += value;
    covers->push_back({static_cast<int>(u), level, value, voorbeeld});
  }
  return score;
}

// The same total as Covers, for the scan over everyone: without branches
// on the data (unknown levels and threshold tests are unpredictable), and
// bit for bit equal (adding 0.0 leaves a sum as it is).
double Score(const Scoring& s, const PersonView& p) {
  const TrackUnits* t = s.For(p.track);
  // No level on any gap unit (e.g. another track at indicator granularity).
  if (t == nullptr || t->ordinals.empty()) return 0;
  const float* levels = p.levels.data();
  const int* ordinals = t->ordinals.data();
  const int* start = t->start.data();
  const double* gaps = s.gaps.data();
  const double voorbeeld_factor = 1 + s.bonus;
  double score = 0;
  for (size_t u = 0, units = s.gaps.size(); u < units; ++u) {
    double sum = 0;
    int known = 0;
    for (int k = start[u]; k < start[u + 1]; ++k) {
      float l = levels[ordinals[k]];
      bool is_known = IsKnown(l);
      sum += is_known ? l : 0.0f;
      known += is_known;
    }
    double level = sum / (known > 0 ? known : 1);
    bool covers =
        known > 0 && level >= s.threshold && level > s.units[u].mentee_level;
    double factor = level >= s.max_level ? voorbeeld_factor : 1.0;
    score += covers ? gaps[u] * factor : 0.0;
  }
  return score;
}

// Scoring a person is bound by memory latency (each person is a separate
// allocation, their levels another); ask for the next ones early.
void Prefetch(const OrgSnapshot& org, size_t i) {
  constexpr size_t kViewAhead = 8, kLevelsAhead = 4;
  const size_t n = org.people.size();
  if (i + kViewAhead < n) __builtin_prefetch(org.people[i + kViewAhead].get());
  if (i + kLevelsAhead < n) {
    const std::vector<float>& levels = org.people[i + kLevelsAhead]->levels;
    const char* data = reinterpret_cast<const char*>(levels.data());
    const size_t bytes = levels.size() * sizeof(float);
    for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(data + off);
  }
}

// The snapshot's people are sorted by id and share the
// "organizations/{org}/people/" prefix, so their index is resource-name
// order: ties are broken without touching the people, and names are built
// only for the items returned.
struct Candidate {
  const PersonView* person;
  size_t index;  // in OrgSnapshot::people
  double score;
  double relevance = 0;  // lambda · score / max score (MMR only)
  // MMR only: the candidate's teams, as ids in [teams_begin, teams_end) of
  // a flat array, so that sharing is checked without touching the person.
  uint32_t teams_begin = 0, teams_end = 0;

  bool NameBefore(const Candidate& other) const { return index < other.index; }
};

class MentorMatcher final : public Matcher {
 public:
  MentorMatcher() {
    info_.set_name("mentor");
    info_.set_version("1.0.0");
    info_.set_description(
        "Ranks colleagues in the same organisation and framework who can "
        "mentor the subject where the subject has gaps: score = Σ gap · "
        "[mentor level ≥ threshold] · (1 + voorbeeld_bonus · [mentor at the "
        "framework's top level]); optional team diversity by MMR.");
    info_.set_subject("a person (the mentee)");
    *info_.add_parameters() = StringParam(
        "granularity", "competency",
        "\"indicator\": compare on the mentee's track's indicators (same "
        "track only); \"competency\": compare competency means, each person "
        "on their own track",
        {"competency", "indicator"});
    *info_.add_parameters() = NumberParam(
        "threshold", "",
        "a mentor helps on a unit at or above this level; default the "
        "mentee's target level",
        0, 100);
    *info_.add_parameters() = NumberParam(
        "voorbeeld_bonus", "0.5",
        "extra factor where the mentor is at the framework's top level "
        "(voorbeeld)",
        0, 10);
    *info_.add_parameters() = NumberParam(
        "lambda", "1",
        "MMR trade-off between relevance (1) and team diversity (0)", 0, 1);
    *info_.add_parameters() =
        ListParam("teams", "only mentors in one of these teams; empty = any");
  }

  const v1::MatcherInfo& Info() const override { return info_; }

  absl::StatusOr<v1::MatchResponse> Match(
      const MatchInput& input) const override;

 private:
  v1::MatcherInfo info_;
};

absl::StatusOr<v1::MatchResponse> MentorMatcher::Match(
    const MatchInput& input) const {
  const OrgSnapshot& org = input.org;
  ASSIGN_OR_RETURN(PersonName subject,
                   ParsePersonName(input.request.subject(), "subject"));
  const PersonView* mentee =
      subject.org == org.org ? org.FindPerson(subject.person) : nullptr;
  if (mentee == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("subject: person \"", input.request.subject(),
                     "\" not found in organizations/", org.org));
  }
  const framework::FrameworkIndex* fw = mentee->framework;
  if (fw == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "subject: ", input.request.subject(), " has no framework"));
  }

  const Params& params = input.params;
  const bool by_competency = params.String("granularity") != "indicator";
  const double target = mentee->target_level;
  Scoring s;
  s.threshold = params.Has("threshold") ? params.Number("threshold") : target;
  s.max_level = fw->max_level();
  s.bonus = params.Number("voorbeeld_bonus");
  const double lambda = params.Number("lambda");
  const std::vector<std::string>& teams = params.List("teams");
  const int page_size =
      input.request.page_size() > 0 ? input.request.page_size() : 10;
  const char* unit_word = by_competency ? "competencies" : "indicators";

  // The mentee's gap units, in framework order, and for every track the
  // ordinals behind each unit.
  int unknown_units = 0;
  int rated_units = 0;
  for (const v1::Track& track : fw->proto().tracks()) {
    s.tracks.emplace_back().track = track.id();
  }
  auto add_unit = [&](std::string key, const std::vector<int>& mentee_ords) {
    double level;
    if (!LevelAt(*mentee, mentee_ords, &level)) {
      ++unknown_units;
      return false;
    }
    ++rated_units;
    if (level >= target) return false;
    s.units.push_back({std::move(key), level, target - level});
    s.gaps.push_back(target - level);
    return true;
  };
  if (by_competency) {
    for (const v1::Cluster& cluster : fw->proto().clusters()) {
      for (const v1::Competency& comp : cluster.competencies()) {
        std::vector<std::vector<int>> per_track(s.tracks.size());
        for (size_t t = 0; t < s.tracks.size(); ++t) {
          for (const framework::IndicatorRef* ref :
               fw->IndicatorsOfTrack(s.tracks[t].track)) {
            if (ref->competency->code() == comp.code()) {
              per_track[t].push_back(ref->ordinal);
            }
          }
        }
        std::vector<int> mentee_ords;
        for (size_t t = 0; t < s.tracks.size(); ++t) {
          if (s.tracks[t].track == mentee->track) mentee_ords = per_track[t];
        }
        if (mentee_ords.empty()) continue;  // not a unit of the mentee's
        if (!add_unit(comp.code(), mentee_ords)) continue;
        for (size_t t = 0; t < s.tracks.size(); ++t) {
          s.tracks[t].Add(per_track[t]);
        }
      }
    }
  } else {
    for (const framework::IndicatorRef* ref :
         fw->IndicatorsOfTrack(mentee->track)) {
      if (!add_unit(ref->indicator->id(), {ref->ordinal})) continue;
      for (TrackUnits& t : s.tracks) {
        t.Add(t.track == mentee->track ? std::vector<int>{ref->ordinal}
                                       : std::vector<int>{});
      }
    }
  }
  double mentee_gap = 0;
  for (const GapUnit& u : s.units) mentee_gap += u.gap;

  // Score every colleague; note why the others are out.
  v1::MatchResponse response;
  int excluded = 0;
  auto name_of = [&](const PersonView& p) {
    return PersonName{org.org, p.id}.Format();
  };
  auto exclude = [&](const PersonView& p, absl::string_view why) {
    if (excluded++ < kMaxExcluded) {
      response.add_excluded(absl::StrCat(name_of(p), ": ", why));
    }
  };
  const std::string not_in_teams =
      absl::StrCat("not in teams ", absl::StrJoin(teams, ", "));
  std::vector<Candidate> candidates;
  absl::flat_hash_map<absl::string_view, int> team_index;
  std::vector<int> team_ids;
  candidates.reserve(org.people.size());
  for (size_t i = 0; i < org.people.size(); ++i) {
    if (i % kCancelCheckEvery == 0 && input.cancelled && input.cancelled()) {
      return absl::CancelledError("mentor: the request was cancelled");
    }
    Prefetch(org, i);
    const PersonView& p = *org.people[i];
    if (&p == mentee) {
      exclude(p, "the mentee themself");
      continue;
    }
    if (p.framework != fw &&
        (p.framework == nullptr || p.framework->id() != fw->id())) {
      exclude(p, absl::StrCat("another framework (",
                              p.framework ? p.framework->id() : "none", ")"));
      continue;
    }
    if (p.mentoring_capacity <= 0) {
      exclude(p, "no mentoring capacity");
      continue;
    }
    if (!teams.empty() &&
        std::none_of(p.teams.begin(), p.teams.end(), [&](const auto& t) {
          return std::find(teams.begin(), teams.end(), t) != teams.end();
        })) {
      exclude(p, not_in_teams);
      continue;
    }
    double score = Score(s, p);
    if (score <= 0) {
      exclude(p, "covers none of the gaps");
      continue;
    }
    Candidate& c = candidates.emplace_back(Candidate{&p, i, score});
    if (lambda < 1) {
      c.teams_begin = static_cast<uint32_t>(team_ids.size());
      for (const std::string& t : p.teams) {
        team_ids.push_back(
            team_index.try_emplace(t, static_cast<int>(team_index.size()))
                .first->second);
      }
      c.teams_end = static_cast<uint32_t>(team_ids.size());
    }
  }
  if (excluded > kMaxExcluded) {
    response.add_excluded(
        absl::StrCat("… and ", excluded - kMaxExcluded, " more"));
  }

  // Rank: by score, or greedy MMR over the first page_size picks.
  const size_t n = candidates.size();
  const size_t k = std::min(n, static_cast<size_t>(page_size));
  std::vector<const Candidate*> picked;
  std::vector<bool> penalised_pick;
  if (lambda >= 1) {
    auto better = [](const Candidate& a, const Candidate& b) {
      return RankKey(a.score) != RankKey(b.score)
                 ? RankKey(a.score) > RankKey(b.score)
                 : a.NameBefore(b);
    };
    std::partial_sort(candidates.begin(), candidates.begin() + k,
                      candidates.end(), better);
    for (size_t i = 0; i < k; ++i) picked.push_back(&candidates[i]);
    penalised_pick.assign(k, false);
  } else {
    double max_score = 0;
    for (const Candidate& c : candidates)
      max_score = std::max(max_score, c.score);
    for (Candidate& c : candidates) c.relevance = lambda * c.score / max_score;
    std::sort(candidates.begin(), candidates.end(),
              [](const Candidate& a, const Candidate& b) {
                return RankKey(a.relevance) != RankKey(b.relevance)
                           ? RankKey(a.relevance) > RankKey(b.relevance)
                           : a.NameBefore(b);
              });
    std::vector<char> picked_team(team_index.size(), 0);
    auto shares_team = [&](const Candidate& c) {
      for (uint32_t t = c.teams_begin; t < c.teams_end; ++t) {
        if (picked_team[team_ids[t]]) return true;
      }
      return false;
    };
    std::vector<bool> selected(n, false);
    // Invariant: every unselected candidate before `free` shares a team with
    // a pick (sharing, once true, stays true); `first` is the first
    // unselected candidate. A sharing candidate after `free` scores below
    // candidates[free], so the argmax is candidates[free] or
    // candidates[first].
    size_t first = 0, free = 0;
    const double penalty = 1 - lambda;
    while (picked.size() < k) {
      while (first < n && selected[first]) ++first;
      while (free < n && (selected[free] || shares_team(candidates[free]))) {
        ++free;
      }
      size_t pick = free;
      if (first < free) {
        int64_t shared_key = RankKey(candidates[first].relevance - penalty);
        if (free == n || shared_key > RankKey(candidates[free].relevance) ||
            (shared_key == RankKey(candidates[free].relevance) &&
             candidates[first].NameBefore(candidates[free]))) {
          pick = first;
        }
      }
      selected[pick] = true;
      picked.push_back(&candidates[pick]);
      penalised_pick.push_back(pick != free);
      for (uint32_t t = candidates[pick].teams_begin;
           t < candidates[pick].teams_end; ++t) {
        picked_team[team_ids[t]] = 1;
      }
    }
  }

  // Items.
  std::vector<bool> covered(s.units.size(), false);
  for (size_t r = 0; r < picked.size(); ++r) {
    const Candidate& c = *picked[r];
    const PersonView& p = *c.person;
    std::vector<Cover> covers;
    Covers(s, p, &covers);
    std::stable_sort(
        covers.begin(), covers.end(),
        [](const Cover& a, const Cover& b) { return a.value > b.value; });
    v1::MatchItem* item = response.add_items();
    item->set_name(name_of(p));
    item->set_title(p.display_name.empty() ? p.id : p.display_name);
    item->set_score(c.score);
    item->set_rank(static_cast<int>(r) + 1);
    int voorbeeld = 0;
    std::vector<std::string> keys;
    for (const Cover& cover : covers) {
      const GapUnit& u = s.units[cover.unit];
      covered[cover.unit] = true;
      voorbeeld += cover.voorbeeld;
      if (keys.size() < kExplainKeys) keys.push_back(u.key);
      v1::Contribution* contribution = item->add_contributions();
      contribution->set_key(u.key);
      contribution->set_value(cover.value);
      contribution->set_note(
          absl::StrCat("mentee ", Num(u.mentee_level), " → target ",
                       Num(target), "; mentor ", Num(cover.mentor_level),
                       cover.voorbeeld ? " (voorbeeld)" : ""));
    }
    if (covers.size() > keys.size()) keys.push_back("…");
    std::string explanation =
        absl::StrCat("Covers ", covers.size(), " of the mentee's ",
                     s.units.size(), " gaps (", absl::StrJoin(keys, ", "), ")");
    if (voorbeeld > 0)
      absl::StrAppend(&explanation, ", voorbeeld on ", voorbeeld);
    absl::StrAppend(
        &explanation, "; ", p.mentoring_capacity,
        p.mentoring_capacity == 1 ? " mentoring place" : " mentoring places",
        "; ",
        p.teams.empty() ? std::string("no team")
                        : absl::StrCat(p.teams.size() == 1 ? "team " : "teams ",
                                       absl::StrJoin(p.teams, ", ")));
    if (penalised_pick[r]) {
      absl::StrAppend(&explanation,
                      "; shares a team with a higher-ranked mentor (diversity "
                      "penalty ",
                      Num(1 - lambda), ")");
    }
    item->set_explanation(std::move(explanation));
  }

  // Residual: gap units no returned mentor reaches the threshold on, the
  // largest first.
  std::vector<int> open;
  for (size_t u = 0; u < s.units.size(); ++u) {
    if (!covered[u]) open.push_back(static_cast<int>(u));
  }
  std::stable_sort(open.begin(), open.end(), [&](int a, int b) {
    return s.units[a].gap > s.units[b].gap;
  });
  for (int u : open) {
    v1::Contribution* r = response.add_residual();
    r->set_key(s.units[u].key);
    r->set_value(s.units[u].gap);
    r->set_note(absl::StrCat(
        "mentee ", Num(s.units[u].mentee_level), " → target ", Num(target),
        s.units[u].mentee_level >= s.threshold
            ? std::string("; no mentor shown is above the mentee")
            : absl::StrCat("; no mentor shown reaches ", Num(s.threshold))));
  }

  double best_coverage = 0;
  if (!picked.empty() && !s.units.empty()) {
    std::vector<Cover> covers;
    Covers(s, *picked[0]->person, &covers);
    best_coverage = static_cast<double>(covers.size()) / s.units.size();
  }
  auto& metrics = *response.mutable_metrics();
  metrics["mentee_gap"] = mentee_gap;
  metrics["candidates"] = static_cast<double>(n);
  metrics["best_coverage"] = best_coverage;
  metrics["gap_units"] = static_cast<double>(s.units.size());
  metrics["unknown_units"] = unknown_units;
  metrics["threshold"] = s.threshold;
  response.set_candidate_count(static_cast<int32_t>(n));

  std::string unknown_note =
      unknown_units > 0
          ? absl::StrCat(" (", unknown_units, " ", unit_word, " unrated)")
          : "";
  if (s.units.empty()) {
    response.set_summary(absl::StrCat("The mentee has no gap to target ",
                                      Num(target), " on their ", rated_units,
                                      " rated ", unit_word, unknown_note,
                                      "; no mentor needed."));
  } else if (picked.empty()) {
    response.set_summary(absl::StrCat(
        "No colleague is above the mentee and at level ", Num(s.threshold),
        " or higher on any of the mentee's ", s.units.size(), " ", unit_word,
        " with a gap (total ", Num(mentee_gap), ")", unknown_note, "."));
  } else {
    response.set_summary(
        absl::StrCat(n, n == 1 ? " colleague" : " colleagues",
                     " can mentor on the mentee's ", s.units.size(), " ",
                     unit_word, " with a gap (total ", Num(mentee_gap), ")",
                     unknown_note, "; the best, ", name_of(*picked[0]->person),
                     ", covers ", Num(100 * best_coverage), "% of them; ",
                     open.size(), open.size() == 1 ? " gap has" : " gaps have",
                     " no mentor among the ", picked.size(), " shown."));
  }
  return response;
}

}  // namespace

std::unique_ptr<Matcher> NewReferenceMentorMatcher() {
  return std::make_unique<MentorMatcher>();
}

}  // namespace vakwijzer::plugins::reference
