#include "services/core/gap_report.h"

#include <algorithm>
#include <vector>

namespace vakwijzer::core {
namespace {

// Sums over a set of indicators, turned into a GapSummary at the end.
struct Tally {
  int indicators = 0;
  int known = 0;
  int at_target = 0;
  double gap = 0;
  double target = 0;
  int disagreements = 0;
  int blind_spots = 0;

  void Add(const v1::IndicatorGap& g) {
    ++indicators;
    if (!g.known()) return;
    ++known;
    gap += g.gap();
    target += g.target();
    if (g.gap() == 0) ++at_target;
    if (g.current().disagreement()) ++disagreements;
    if (g.current().blind_spot()) ++blind_spots;
  }

  void To(v1::GapSummary* s) const {
    s->set_indicator_count(indicators);
    s->set_known_count(known);
    s->set_unknown_count(indicators - known);
    s->set_mean_gap(known ? gap / known : 0);
    s->set_share_at_target(known ? static_cast<double>(at_target) / known : 0);
    s->set_readiness(target > 0 ? 1 - gap / target : (known ? 1 : 0));
    s->set_coverage(indicators ? static_cast<double>(known) / indicators : 0);
    s->set_disagreement_count(disagreements);
    s->set_blind_spot_count(blind_spots);
  }
};

}  // namespace

v1::GapReport BuildGapReport(
    const framework::FrameworkIndex& framework, const std::string& track,
    int target_level, const std::map<std::string, v1::IndicatorLevel>& levels,
    int top_n) {
  v1::GapReport report;
  report.set_target_level(target_level);
  const auto& refs = framework.IndicatorsOfTrack(track);

  std::vector<Tally> by_cluster(framework.proto().clusters_size());
  std::vector<Tally> by_competency(framework.competency_count());
  std::vector<const v1::Competency*> competencies(by_competency.size());
  std::vector<bool> competency_seen(by_competency.size());
  Tally overall;
  for (const framework::IndicatorRef* ref : refs) {
    v1::IndicatorGap* g = report.add_indicators();
    g->set_indicator(ref->indicator->id());
    g->set_competency(ref->competency->code());
    g->set_cluster(ref->cluster->code());
    g->set_text(ref->indicator->text());
    g->set_target(target_level);
    auto it = levels.find(ref->indicator->id());
    if (it != levels.end()) {
      g->set_known(true);
      *g->mutable_current() = it->second;
      g->set_gap(std::max(0.0, target_level - it->second.level()));
    } else {
      report.add_unknown_indicators(ref->indicator->id());
    }
    by_cluster[ref->cluster_index].Add(*g);
    by_competency[ref->competency_index].Add(*g);
    competencies[ref->competency_index] = ref->competency;
    competency_seen[ref->competency_index] = true;
    overall.Add(*g);
  }

  overall.To(report.mutable_overall());
  report.mutable_overall()->set_code("overall");
  for (int c = 0; c < framework.proto().clusters_size(); ++c) {
    if (by_cluster[c].indicators == 0) continue;
    v1::GapSummary* s = report.add_clusters();
    s->set_code(framework.proto().clusters(c).code());
    s->set_title(framework.proto().clusters(c).title());
    by_cluster[c].To(s);
  }
  for (size_t k = 0; k < by_competency.size(); ++k) {
    if (!competency_seen[k]) continue;
    v1::GapSummary* s = report.add_competencies();
    s->set_code(competencies[k]->code());
    s->set_title(competencies[k]->title());
    by_competency[k].To(s);
  }

  // Top gaps: largest first, ties in framework order (indicators are
  // already in framework order, and stable_sort keeps it).
  std::vector<const v1::IndicatorGap*> gaps;
  for (const auto& g : report.indicators()) {
    if (g.known() && g.gap() > 0) gaps.push_back(&g);
  }
  std::stable_sort(gaps.begin(), gaps.end(),
                   [](const v1::IndicatorGap* a, const v1::IndicatorGap* b) {
                     return a->gap() > b->gap();
                   });
  for (int i = 0; i < static_cast<int>(gaps.size()) && i < top_n; ++i) {
    report.add_top_gaps(gaps[i]->indicator());
  }
  return report;
}

}  // namespace vakwijzer::core
