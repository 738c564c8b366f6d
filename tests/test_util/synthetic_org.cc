#include "tests/test_util/synthetic_org.h"

#include <algorithm>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/names.h"

namespace vakwijzer::testing {
namespace {

v1::Requirement RandomTarget(const framework::FrameworkIndex& fw,
                             const std::string& track, std::mt19937_64& rng,
                             int min_level, int max_level) {
  const auto& refs = fw.IndicatorsOfTrack(track);
  const framework::IndicatorRef* ref =
      refs[std::uniform_int_distribution<size_t>(0, refs.size() - 1)(rng)];
  v1::Requirement r;
  if (std::bernoulli_distribution(0.3)(rng)) {
    r.set_competency(ref->competency->code());
  } else {
    r.set_indicator(ref->indicator->id());
  }
  r.set_level(std::uniform_int_distribution<int>(min_level, max_level)(rng));
  r.set_weight(std::uniform_int_distribution<int>(1, 5)(rng));
  r.set_must_have(std::bernoulli_distribution(0.2)(rng));
  return r;
}

}  // namespace

plugins::OrgSnapshot MakeSyntheticOrg(
    const framework::FrameworkIndex& framework, const SyntheticOptions& options,
    const std::string& org) {
  std::mt19937_64 rng(options.seed);
  const auto& fw = framework.proto();
  const int max_level = framework.max_level();
  plugins::OrgSnapshot snap;
  snap.org = org;
  const std::string prefix = absl::StrCat("organizations/", org);
  auto pick_track = [&] {
    return fw
        .tracks(
            std::uniform_int_distribution<int>(0, fw.tracks_size() - 1)(rng))
        .id();
  };
  int indicator_count = 0;
  for (const auto& c : fw.clusters()) {
    for (const auto& k : c.competencies())
      indicator_count += k.indicators_size();
  }

  for (int i = 0; i < options.people; ++i) {
    auto p = std::make_shared<plugins::PersonView>();
    p->id = absl::StrFormat("p%06d", i + 1);
    p->framework = &framework;
    p->track = pick_track();
    p->target_level =
        *framework.StageTarget(fw.stages(std::uniform_int_distribution<int>(
                                             0, fw.stages_size() - 1)(rng))
                                   .id());
    p->teams.push_back(
        absl::StrCat("team-", std::uniform_int_distribution<int>(0, 4)(rng)));
    p->languages.push_back("nl");
    if (std::bernoulli_distribution(0.3)(rng)) p->languages.push_back("en");
    p->region =
        absl::StrCat("r", std::uniform_int_distribution<int>(0, 2)(rng));
    p->mentoring_capacity = std::uniform_int_distribution<int>(0, 3)(rng);
    p->caseload_capacity = std::uniform_int_distribution<int>(10, 30)(rng);
    p->current_caseload =
        std::uniform_int_distribution<int>(0, p->caseload_capacity)(rng);
    p->levels.assign(indicator_count, plugins::kUnknown);
    // A person's levels cluster around a personal mean.
    double mean = std::uniform_real_distribution<double>(0.5, max_level)(rng);
    std::normal_distribution<double> noise(0, 0.8);
    for (const framework::IndicatorRef* ref :
         framework.IndicatorsOfTrack(p->track)) {
      if (std::bernoulli_distribution(options.unknown_share)(rng)) continue;
      double level = std::clamp(mean + noise(rng), 0.0, double(max_level));
      p->levels[ref->ordinal] = static_cast<float>(std::round(level * 4) / 4);
    }
    snap.people.push_back(std::move(p));
  }

  for (int i = 0; i < options.modules; ++i) {
    v1::TrainingModule m;
    m.set_name(absl::StrFormat("%s/modules/m%05d", prefix, i + 1));
    m.set_title(absl::StrCat("Module ", i + 1));
    m.set_framework(FrameworkName(framework.id()));
    m.set_format(std::bernoulli_distribution(0.5)(rng) ? "online"
                                                       : "klassikaal");
    m.set_language(std::bernoulli_distribution(0.8)(rng) ? "nl" : "en");
    std::string track = pick_track();
    if (std::bernoulli_distribution(0.5)(rng)) m.set_track(track);
    m.set_hours(std::uniform_int_distribution<int>(2, 40)(rng));
    m.set_cost(std::uniform_int_distribution<int>(0, 30)(rng) * 50);
    for (int t = 0; t < options.targets_per_item; ++t) {
      v1::Requirement r =
          RandomTarget(framework, track, rng, max_level - 1, max_level);
      r.clear_weight();
      r.clear_must_have();
      *m.add_develops() = r;
    }
    if (std::bernoulli_distribution(0.2)(rng)) {
      v1::Requirement r = RandomTarget(framework, track, rng, 1, 2);
      r.clear_weight();
      r.clear_must_have();
      *m.add_prerequisites() = r;
    }
    snap.modules.push_back(std::move(m));
  }
  for (int i = 0; i < options.roles; ++i) {
    v1::Role role;
    role.set_name(absl::StrFormat("%s/roles/role%03d", prefix, i + 1));
    role.set_title(absl::StrCat("Role ", i + 1));
    role.set_framework(FrameworkName(framework.id()));
    std::string track = pick_track();
    if (std::bernoulli_distribution(0.5)(rng)) role.set_track(track);
    for (int t = 0; t < options.targets_per_item; ++t) {
      *role.add_requirements() =
          RandomTarget(framework, track, rng, 1, max_level - 1);
    }
    snap.roles.push_back(std::move(role));
  }
  for (int i = 0; i < options.cases; ++i) {
    v1::ClientCase c;
    c.set_name(absl::StrFormat("%s/cases/case%04d", prefix, i + 1));
    c.set_title(absl::StrCat("Case ", i + 1));
    c.set_framework(FrameworkName(framework.id()));
    c.set_vaarwater(static_cast<v1::Vaarwater>(
        std::uniform_int_distribution<int>(1, 3)(rng)));
    c.set_workload(std::uniform_int_distribution<int>(1, 3)(rng));
    c.set_language(std::bernoulli_distribution(0.9)(rng) ? "nl" : "en");
    if (std::bernoulli_distribution(0.3)(rng)) {
      c.set_region(
          absl::StrCat("r", std::uniform_int_distribution<int>(0, 2)(rng)));
    }
    std::string track = pick_track();
    for (int t = 0; t < options.targets_per_item; ++t) {
      *c.add_requirements() =
          RandomTarget(framework, track, rng, 1, max_level - 1);
    }
    snap.cases.push_back(std::move(c));
  }
  return snap;
}

}  // namespace vakwijzer::testing
