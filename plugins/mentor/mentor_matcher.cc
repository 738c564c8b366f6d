// The mentor matcher: ranks colleagues who can mentor a person where that
// person has gaps (domain.md §5 "Mentors").
//
// The score of a mentor for a mentee is defined once, in mentor_scoring.h,
// and shared with the team-wide mentor assignment.
//
// Ranking is by score, or, when lambda < 1, by Maximal Marginal Relevance
// (Carbonell & Goldstein 1998) with sim = 1 for two mentors sharing a team.
// Since sim is 0 or 1, the MMR argmax is either the best candidate sharing no
// team with the picks so far or the best one sharing some team; both are
// found with two forward-only pointers over the relevance order, so MMR costs
// O(n log n) for the sort and O(n + k) for the k picks. Ranking by score
// alone keeps only the best page_size candidates (a heap; paging is by
// page_size only), so it needs O(page_size) memory. Explanations are built
// for the returned items only.
#include "plugins/mentor/mentor_matcher.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/names.h"
#include "common/quote.h"
#include "common/status_macros.h"
#include "plugins/mentor/mentor_scoring.h"

namespace vakwijzer::plugins {
namespace {

constexpr int kMaxExcluded = 100;
constexpr double kInfinity = std::numeric_limits<double>::infinity();

// Scores and relevances are ranked on this grid: sums of the same gaps in a
// different order differ in their last bits, and such near-equal values
// are ties, broken by name.
int64_t RankKey(double v) { return std::llround(v * 1e9); }

// The snapshot's people are sorted by id and share the
// "organizations/{org}/people/" prefix, so their index is resource-name
// order: ties are broken without touching the people, and names are built
// only for the items returned.
struct Candidate {
  const PersonView* person;
  size_t index;  // in OrgSnapshot::people
  double score;
  int64_t score_key = RankKey(score);
  double relevance = 0;  // lambda · score / max score (MMR only)
  int64_t relevance_key = 0;
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
        "[mentor level ≥ threshold and above the mentee's] · (1 + "
        "voorbeeld_bonus · [mentor at the "
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
        "a mentor helps on a unit at or above this level, and only above "
        "the mentee's own level there; default the mentee's target level",
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
        absl::StrCat("subject: person ", Quote(input.request.subject()),
                     " not found in organizations/", org.org));
  }
  const framework::FrameworkIndex* fw = mentee->framework;
  if (fw == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "subject: ", input.request.subject(), " has no framework"));
  }

  const Params& params = input.params;
  const mentor::MentorScoreOptions options =
      mentor::MentorScoreOptions::From(params);
  const double lambda = params.Number("lambda");
  const std::vector<std::string>& teams = params.List("teams");
  const size_t page_size = static_cast<size_t>(
      input.request.page_size() > 0 ? input.request.page_size() : 10);
  const char* unit_word = options.by_competency ? "competencies" : "indicators";
  const mentor::MenteeGaps s = mentor::GapsOf(*mentee, options);
  const double target = s.target;

  // Score every colleague; note why the others are out. By score alone
  // (lambda >= 1) only the best page_size candidates are kept, in a heap
  // whose top is the worst of them; MMR needs every candidate's relevance.
  v1::MatchResponse response;
  auto name_of = [&](const PersonView& p) {
    return PersonName{org.org, p.id}.Format();
  };
  auto better = [](const Candidate& a, const Candidate& b) {
    return a.score_key != b.score_key ? a.score_key > b.score_key
                                      : a.NameBefore(b);
  };
  const bool mmr = lambda < 1;
  const std::string not_in_teams =
      absl::StrCat("not in teams ", absl::StrJoin(teams, ", "));

  // The scan, in parts of consecutive chunks that may run on the pool's
  // threads, each with its own candidates and exclusions; they are merged
  // in people order below, so the answer does not depend on the split.
  struct Part {
    // By score alone: the part's best page_size, in a heap whose top is the
    // worst of them. MMR: every candidate, in people order.
    std::vector<Candidate> candidates;
    size_t seen = 0;  // candidates, kept or not
    int excluded = 0;
    std::vector<std::string> notes;  // the first kMaxExcluded exclusions
    bool cancelled = false;
  };
  const PersonTable& people = org.people;
  const size_t chunks = people.chunk_count();
  // Below about 16,000 people per part a split costs more (waking a thread
  // that may wait for a core) than it saves.
  constexpr size_t kChunksPerPart = 64;
  const size_t part_count =
      input.pool == nullptr
          ? 1
          : std::clamp<size_t>(chunks / kChunksPerPart, 1,
                               static_cast<size_t>(input.pool->threads()));
  std::vector<Part> parts(part_count);
  auto scan = [&](size_t part_index) {
    Part& part = parts[part_index];
    auto exclude = [&](const PersonView& p, absl::string_view why) {
      if (part.excluded++ < kMaxExcluded) {
        part.notes.push_back(absl::StrCat(name_of(p), ": ", why));
      }
    };
    std::vector<Candidate>& candidates = part.candidates;
    auto consider = [&](const PersonView& p, size_t i, double score) {
      ++part.seen;
      if (mmr) {
        candidates.push_back({&p, i, score});
        return;
      }
      // Far enough below the worst kept candidate that its rank key is
      // lower.
      if (candidates.size() == page_size &&
          (page_size == 0 || score < candidates.front().score - 1e-8)) {
        return;
      }
      Candidate c{&p, i, score};
      if (candidates.size() < page_size) {
        candidates.push_back(c);
        std::push_heap(candidates.begin(), candidates.end(), better);
      } else if (better(c, candidates.front())) {
        std::pop_heap(candidates.begin(), candidates.end(), better);
        candidates.back() = c;
        std::push_heap(candidates.begin(), candidates.end(), better);
      }
    };
    // Chunk by chunk: the filters read the chunk's columns, and at
    // competency granularity so do the scores (one pass per gap unit over
    // its column); a person is touched only when they pass, or for the
    // first exclusions.
    std::vector<double> scores;
    const bool counted = options.by_competency && !mmr && teams.empty();
    const size_t first = chunks * part_index / part_count;
    const size_t last = chunks * (part_index + 1) / part_count;
    for (size_t chunk = first; chunk < last; ++chunk) {
      if (input.cancelled && input.cancelled()) {
        part.cancelled = true;
        return;
      }
      const auto& items = people.ChunkItems(chunk);
      const PersonColumns& columns = people.ChunkIndex(chunk);
      const size_t rows = items.size();
      if (options.by_competency) {
        scores.assign(rows, 0.0);
        for (size_t u = 0; u < s.units.size(); ++u) {
          mentor::AddUnitScores(s, u,
                                columns.competency_levels(s.units[u].column),
                                rows, scores.data());
        }
      }
      for (size_t r = 0; r < rows; ++r) {
        const PersonView* p = items[r].get();
        const framework::FrameworkIndex* pf = columns.framework(r);
        // Most rows only count, once the exclusion notes are full: decided
        // here without branching on the data (a branch on `score > 0` is
        // mispredicted for about every other person). A row goes the full
        // way below when it may enter the top k, or is the mentee or on
        // another framework index.
        if (counted && p != mentee && pf == fw &&
            part.excluded >= kMaxExcluded) {
          const double score = scores[r];
          const bool in = (columns.mentoring_capacity(r) > 0) & (score > 0);
          const double worst_kept = candidates.size() < page_size ? -kInfinity
                                    : page_size == 0
                                        ? kInfinity
                                        : candidates.front().score - 1e-8;
          if (!in | (score < worst_kept)) {
            part.seen += in;
            part.excluded += !in;
            continue;
          }
        }
        if (p == mentee) {
          exclude(*p, "the mentee themself");
          continue;
        }
        if (pf != fw && (pf == nullptr || pf->id() != fw->id())) {
          exclude(*p, absl::StrCat("another framework (",
                                   pf ? pf->id() : "none", ")"));
          continue;
        }
        if (columns.mentoring_capacity(r) <= 0) {
          exclude(*p, "no mentoring capacity");
          continue;
        }
        if (!teams.empty() &&
            std::none_of(p->teams.begin(), p->teams.end(), [&](const auto& t) {
              return std::find(teams.begin(), teams.end(), t) != teams.end();
            })) {
          exclude(*p, not_in_teams);
          continue;
        }
        // The columns hold levels on the row's own framework; a framework
        // with the mentee's id but another index is scored person by
        // person.
        double score = options.by_competency && pf == fw ? scores[r]
                                                         : mentor::Score(s, *p);
        if (score <= 0) {
          exclude(*p, "covers none of the gaps");
          continue;
        }
        consider(*p, people.ChunkStart(chunk) + r, score);
      }
    }
  };
  if (part_count == 1) {
    scan(0);
  } else {
    input.pool->ParallelFor(part_count, scan);
  }

  // Merged in people order.
  std::vector<Candidate> candidates;
  size_t n = 0;  // candidates seen
  int excluded = 0;
  for (Part& part : parts) {
    if (part.cancelled) {
      return absl::CancelledError("mentor: the request was cancelled");
    }
    n += part.seen;
    excluded += part.excluded;
    for (std::string& note : part.notes) {
      if (response.excluded_size() < kMaxExcluded) {
        response.add_excluded(std::move(note));
      }
    }
    candidates.insert(candidates.end(), part.candidates.begin(),
                      part.candidates.end());
  }
  if (excluded > kMaxExcluded) {
    response.add_excluded(
        absl::StrCat("… and ", excluded - kMaxExcluded, " more"));
  }
  // MMR: each candidate's teams as ids, numbered in people order.
  absl::flat_hash_map<absl::string_view, int> team_index;
  std::vector<int> team_ids;
  if (mmr) {
    for (Candidate& c : candidates) {
      c.teams_begin = static_cast<uint32_t>(team_ids.size());
      for (const std::string& t : c.person->teams) {
        team_ids.push_back(
            team_index.try_emplace(t, static_cast<int>(team_index.size()))
                .first->second);
      }
      c.teams_end = static_cast<uint32_t>(team_ids.size());
    }
  }

  // Rank: by score, or greedy MMR over the first page_size picks.
  const size_t k = std::min(n, page_size);
  std::vector<const Candidate*> picked;
  std::vector<bool> penalised_pick;
  if (!mmr) {
    std::sort(candidates.begin(), candidates.end(), better);
    for (size_t i = 0; i < k; ++i) picked.push_back(&candidates[i]);
    penalised_pick.assign(k, false);
  } else {
    double max_score = 0;
    for (const Candidate& c : candidates)
      max_score = std::max(max_score, c.score);
    for (Candidate& c : candidates) {
      c.relevance = lambda * c.score / max_score;
      c.relevance_key = RankKey(c.relevance);
    }
    std::sort(candidates.begin(), candidates.end(),
              [](const Candidate& a, const Candidate& b) {
                return a.relevance_key != b.relevance_key
                           ? a.relevance_key > b.relevance_key
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
        const int64_t shared_key =
            RankKey(candidates[first].relevance - penalty);
        const int64_t free_key = free == n ? 0 : candidates[free].relevance_key;
        if (free == n || shared_key > free_key ||
            (shared_key == free_key &&
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

  // Items; explanations only for these.
  std::vector<bool> covered(s.units.size(), false);
  double best_coverage = 0;
  for (size_t r = 0; r < picked.size(); ++r) {
    const Candidate& c = *picked[r];
    const PersonView& p = *c.person;
    v1::MatchItem* item = response.add_items();
    item->set_name(name_of(p));
    item->set_title(p.display_name.empty() ? p.id : p.display_name);
    item->set_score(c.score);
    item->set_rank(static_cast<int>(r) + 1);
    int covers = mentor::ExplainPair(s, p, penalised_pick[r] ? 1 - lambda : 0,
                                     item, &covered);
    if (r == 0 && !s.units.empty()) {
      best_coverage = static_cast<double>(covers) / s.units.size();
    }
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
    r->set_note(absl::StrCat("mentee ", mentor::Num(s.units[u].mentee_level),
                             " → target ", mentor::Num(target),
                             s.units[u].mentee_level >= s.threshold
                                 ? "; no mentor shown is above the mentee"
                                 : absl::StrCat("; no mentor shown reaches ",
                                                mentor::Num(s.threshold))));
  }

  const double mentee_gap = s.total_gap;
  auto& metrics = *response.mutable_metrics();
  metrics["mentee_gap"] = mentee_gap;
  metrics["candidates"] = static_cast<double>(n);
  metrics["best_coverage"] = best_coverage;
  metrics["gap_units"] = static_cast<double>(s.units.size());
  metrics["unknown_units"] = s.unknown_units;
  metrics["threshold"] = s.threshold;
  response.set_candidate_count(static_cast<int32_t>(n));

  std::string unknown_note =
      s.unknown_units > 0
          ? absl::StrCat(" (", s.unknown_units, " ", unit_word, " unrated)")
          : "";
  if (s.units.empty()) {
    response.set_summary(absl::StrCat("The mentee has no gap to target ",
                                      mentor::Num(target), " on their ",
                                      s.rated_units, " rated ", unit_word,
                                      unknown_note, "; no mentor needed."));
  } else if (picked.empty()) {
    response.set_summary(absl::StrCat(
        "No colleague is above the mentee and at level ",
        mentor::Num(s.threshold), " or higher on any of the mentee's ",
        s.units.size(), " ", unit_word, " with a gap (total ",
        mentor::Num(mentee_gap), ")", unknown_note, "."));
  } else {
    response.set_summary(absl::StrCat(
        n, n == 1 ? " colleague" : " colleagues",
        " can mentor on the mentee's ", s.units.size(), " ", unit_word,
        " with a gap (total ", mentor::Num(mentee_gap), ")", unknown_note,
        "; the best, ", name_of(*picked[0]->person), ", covers ",
        mentor::Num(100 * best_coverage), "% of them; ", open.size(),
        open.size() == 1 ? " gap has" : " gaps have", " no mentor among the ",
        picked.size(), " shown."));
  }
  return response;
}

}  // namespace

std::unique_ptr<Matcher> NewMentorMatcher() {
  return std::make_unique<MentorMatcher>();
}

}  // namespace vakwijzer::plugins
