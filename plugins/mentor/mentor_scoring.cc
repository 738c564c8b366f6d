#include "plugins/mentor/mentor_scoring.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace vakwijzer::plugins::mentor {
namespace {

constexpr int kExplainKeys = 3;
constexpr double kNoLevel = std::numeric_limits<double>::quiet_NaN();

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

// Person p's level on every column: competencies (CompetencyLevels) or
// indicator ordinals (p's own track's only); NaN where unknown. `row` holds
// `columns` entries, at stride `stride`.
void RowOf(const framework::FrameworkIndex& fw, bool by_competency,
           const PersonView& p, int columns, double* row, size_t stride) {
  if (by_competency) {
    CompetencyLevels(p, row, stride);
    return;
  }
  for (int c = 0; c < columns; ++c) row[c * stride] = kNoLevel;
  const float* levels = p.levels.data();
  const size_t n_levels = p.levels.size();
  for (const framework::IndicatorRef* ref : fw.IndicatorsOfTrack(p.track)) {
    if (static_cast<size_t>(ref->ordinal) >= n_levels) continue;
    float l = levels[ref->ordinal];
    if (IsKnown(l)) row[ref->ordinal * stride] = l;
  }
}

int ColumnCount(const framework::FrameworkIndex& fw, bool by_competency) {
  if (by_competency) return fw.competency_count();
  int n = 0;
  for (const v1::Track& t : fw.proto().tracks()) {
    for (const framework::IndicatorRef* ref : fw.IndicatorsOfTrack(t.id())) {
      n = std::max(n, ref->ordinal + 1);
    }
  }
  return n;
}

}  // namespace

MentorScoreOptions MentorScoreOptions::From(const Params& params) {
  MentorScoreOptions o;
  o.by_competency = params.String("granularity") != "indicator";
  o.has_threshold = params.Has("threshold");
  if (o.has_threshold) o.threshold = params.Number("threshold");
  o.voorbeeld_bonus = params.Number("voorbeeld_bonus");
  return o;
}

std::string Num(double v) {
  std::string s = absl::StrFormat("%.2f", v);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

const TrackUnits* MenteeGaps::For(const std::string& track) const {
  for (const TrackUnits& t : tracks) {
    if (t.track == track) return &t;
  }
  return nullptr;
}

MenteeGaps GapsOf(const PersonView& mentee, const MentorScoreOptions& options,
                  bool with_tracks) {
  const framework::FrameworkIndex& fw = *mentee.framework;
  MenteeGaps s;
  s.framework = &fw;
  s.by_competency = options.by_competency;
  s.target = mentee.target_level;
  s.threshold = options.has_threshold ? options.threshold : s.target;
  s.max_level = fw.max_level();
  s.bonus = options.voorbeeld_bonus;
  if (with_tracks) {
    for (const v1::Track& track : fw.proto().tracks()) {
      s.tracks.emplace_back().track = track.id();
    }
  }
  const std::vector<const framework::IndicatorRef*>& own =
      fw.IndicatorsOfTrack(mentee.track);
  if (options.by_competency) {
    // The mentee's units: competencies with an indicator on their track,
    // in framework order (= competency index order).
    const int columns = fw.competency_count();
    std::vector<const framework::IndicatorRef*> first(columns, nullptr);
    std::vector<double> sum(columns, 0.0);
    std::vector<int> known(columns, 0);
    for (const framework::IndicatorRef* ref : own) {
      const int c = ref->competency_index;
      if (first[c] == nullptr) first[c] = ref;
      float l = mentee.levels[ref->ordinal];
      if (IsKnown(l)) {
        sum[c] += l;
        ++known[c];
      }
    }
    // Per track, the ordinals of each competency, in framework order.
    std::vector<std::vector<std::vector<int>>> per_track;
    if (with_tracks) {
      per_track.resize(s.tracks.size(), std::vector<std::vector<int>>(columns));
      for (size_t t = 0; t < s.tracks.size(); ++t) {
        for (const framework::IndicatorRef* ref :
             fw.IndicatorsOfTrack(s.tracks[t].track)) {
          per_track[t][ref->competency_index].push_back(ref->ordinal);
        }
      }
    }
    for (int c = 0; c < columns; ++c) {
      if (first[c] == nullptr) continue;  // not a unit of the mentee's
      if (known[c] == 0) {
        ++s.unknown_units;
        continue;
      }
      ++s.rated_units;
      const double level = sum[c] / known[c];
      if (level >= s.target) continue;
      s.units.push_back(
          {first[c]->competency->code(), level, s.target - level, c});
      for (size_t t = 0; t < per_track.size(); ++t) {
        TrackUnits& tu = s.tracks[t];
        tu.ordinals.insert(tu.ordinals.end(), per_track[t][c].begin(),
                           per_track[t][c].end());
        tu.start.push_back(static_cast<int>(tu.ordinals.size()));
      }
    }
  } else {
    for (const framework::IndicatorRef* ref : own) {
      float l = mentee.levels[ref->ordinal];
      if (!IsKnown(l)) {
        ++s.unknown_units;
        continue;
      }
      ++s.rated_units;
      const double level = l;
      if (level >= s.target) continue;
      s.units.push_back(
          {ref->indicator->id(), level, s.target - level, ref->ordinal});
      for (TrackUnits& t : s.tracks) {
        if (t.track == mentee.track) t.ordinals.push_back(ref->ordinal);
        t.start.push_back(static_cast<int>(t.ordinals.size()));
      }
    }
  }
  for (const GapUnit& u : s.units) {
    s.gaps.push_back(u.gap);
    // l > mentee_level  <=>  l >= the next double above it.
    s.bars.push_back(std::max(
        s.threshold, std::nextafter(u.mentee_level,
                                    std::numeric_limits<double>::infinity())));
    s.total_gap += u.gap;
  }
  return s;
}

double Covers(const MenteeGaps& s, const PersonView& p,
              std::vector<Cover>* covers) {
  const TrackUnits* t = s.For(p.track);
  if (t == nullptr) return 0;
  double score = 0;
  const int* ordinals = t->ordinals.data();
  for (size_t u = 0; u < s.units.size(); ++u) {
    double level;
    if (!LevelAt(p, ordinals + t->start[u], ordinals + t->start[u + 1],
                 &level) ||
        level < s.bars[u]) {
      continue;
    }
    bool voorbeeld = level >= s.max_level;
    double value = s.gaps[u] * (voorbeeld ? 1 + s.bonus : 1);
    score += value;
    covers->push_back({static_cast<int>(u), level, value, voorbeeld});
  }
  return score;
}

// Without branches on the data (unknown levels and threshold tests are
// unpredictable), and bit for bit equal to Covers (adding 0.0 leaves a sum
// as it is).
double Score(const MenteeGaps& s, const PersonView& p) {
  const TrackUnits* t = s.For(p.track);
  // No level on any gap unit (e.g. another track at indicator granularity).
  if (t == nullptr || t->ordinals.empty()) return 0;
  const float* levels = p.levels.data();
  const int* ordinals = t->ordinals.data();
  const int* start = t->start.data();
  const double* gaps = s.gaps.data();
  const double* bars = s.bars.data();
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
    bool covers = known > 0 && level >= bars[u];
    double factor = level >= s.max_level ? voorbeeld_factor : 1.0;
    score += covers ? gaps[u] * factor : 0.0;
  }
  return score;
}

int ExplainPair(const MenteeGaps& s, const PersonView& p,
                double diversity_penalty, v1::MatchItem* item,
                std::vector<bool>* covered) {
  std::vector<Cover> covers;
  Covers(s, p, &covers);
  std::stable_sort(
      covers.begin(), covers.end(),
      [](const Cover& a, const Cover& b) { return a.value > b.value; });
  int voorbeeld = 0;
  std::vector<std::string> keys;
  for (const Cover& cover : covers) {
    const GapUnit& u = s.units[cover.unit];
    if (covered != nullptr) (*covered)[cover.unit] = true;
    voorbeeld += cover.voorbeeld;
    if (keys.size() < kExplainKeys) keys.push_back(u.key);
    v1::Contribution* contribution = item->add_contributions();
    contribution->set_key(u.key);
    contribution->set_value(cover.value);
    contribution->set_note(absl::StrCat("mentee ", Num(u.mentee_level),
                                        " → target ", Num(s.target),
                                        "; mentor ", Num(cover.mentor_level),
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
  if (diversity_penalty > 0) {
    absl::StrAppend(&explanation,
                    "; shares a team with a higher-ranked mentor (diversity "
                    "penalty ",
                    Num(diversity_penalty), ")");
  }
  item->set_explanation(std::move(explanation));
  return static_cast<int>(covers.size());
}

MentorLevelTable::MentorLevelTable(const framework::FrameworkIndex& framework,
                                   bool by_competency,
                                   std::vector<const PersonView*> people)
    : people_(std::move(people)),
      columns_(ColumnCount(framework, by_competency)) {
  const size_t n = people_.size();
  levels_.assign(static_cast<size_t>(columns_) * n, kNoLevel);
  for (size_t k = 0; k < n; ++k) {
    RowOf(framework, by_competency, *people_[k], columns_, &levels_[k], n);
  }
}

// Also compiled for AVX2 (four doubles per instruction against SSE2's
// two), picked at load time where the CPU has it: the same operations in
// the same order per element, so the same bits. Not under ThreadSanitizer:
// the pick is an ifunc resolver, which runs before TSan's runtime is up and
// crashes the program.
#if defined(VW_SANITIZE_THREAD)
#define VW_AVX2_CLONE
#else
#define VW_AVX2_CLONE __attribute__((target_clones("avx2", "default")))
#endif
VW_AVX2_CLONE void AddUnitScores(const MenteeGaps& s, size_t u,
                                 const double* levels, size_t n, double* out) {
  const double max_level = s.max_level;
  const double bar = s.bars[u];
  const double plain = s.gaps[u] * 1.0;
  const double voorbeeld = s.gaps[u] * (1 + s.bonus);
  // NaN (no level) fails both comparisons.
  for (size_t k = 0; k < n; ++k) {
    const double l = levels[k];
    const double value = l >= max_level ? voorbeeld : plain;
    out[k] += l >= bar ? value : 0.0;
  }
}

// The hot loop of team-wide mentor assignment: one pass per gap unit over a
// contiguous column.
void MentorLevelTable::ScoreAll(const MenteeGaps& s, double* out) const {
  const size_t n = people_.size();
  std::fill(out, out + n, 0.0);
  for (size_t u = 0; u < s.units.size(); ++u) {
    AddUnitScores(s, u, levels_.data() + s.units[u].column * n, n, out);
  }
}

}  // namespace vakwijzer::plugins::mentor
