// report_html_sample FILE: writes the HTML team report of a fixed sample team
// (6 people x 8 competencies, 4 clusters, mentor pairs) to FILE. Used by
// report_browser_test.sh to check the page in a real browser.
#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/cli/report_html.h"

namespace v1 = vakwijzer::v1;
using vakwijzer::cli::RenderTeamReportHtml;
using vakwijzer::cli::TeamReportData;

namespace {

constexpr double kNa = NAN;  // not rated

struct Competency {
  const char* code;
  const char* title;
};
const Competency kCompetencies[8] = {
    {"1.1",
     "Is initiatiefrijk in het aangaan en onderhouden van contact om "
     "te komen tot een effectieve verstandhouding met burgers"},
    {"1.2",
     "Gaat oordeelvrij en nieuwsgierig om met verschillen tussen "
     "mensen en bouwt een gelijkwaardig contact op"},
    {"2.1",
     "Signaleert systematisch factoren die het sociaal-financieel "
     "functioneren beïnvloeden"},
    {"2.2",
     "Brengt de sociaal-financiële situatie en de impact ervan op het "
     "functioneren op alle leefgebieden in kaart"},
    {"4.1",
     "Informeert mensen over en wijst ze op financiële risico's en "
     "sociaal-financieel risicovol gedrag"},
    {"4.2",
     "Informeert mensen over voorzieningen en bevordert dat deze "
     "worden benut"},
    {"6.1", "Overtuigt, onderhandelt en krijgt mensen mee"},
    {"6.2", "Komt met lef en durf tot werkbare afspraken en resultaat"},
};

struct Cluster {
  const char* code;
  const char* title;
  int min_bus_factor;
};
const Cluster kClusters[4] = {
    {"1", "Aansluiting vinden en contact aangaan", 3},
    {"2", "Signaleren, inventariseren en analyseren", 2},
    {"4", "Informeren en adviseren", 1},
    {"6", "Sturen en beïnvloeden", 0},
};

struct Person {
  const char* id;
  const char* display_name;
  const char* track;
  double gaps[8];
};
const Person kPeople[6] = {
    {"sw-001", "Said Chaouch", "hbo", {0, 0, 0.5, 0, 1, 0, 2.5, 2}},
    {"sw-002", "Thijs de Jong", "hbo", {0, 0.3, 0, 0, 0, 0.7, 2, 3}},
    {"sw-003", "Fatima el Amrani", "mbo", {0, 0, 1.5, 2, 0, 0, 0, kNa}},
    {"sw-004", "Eva Verbeek", "hbo", {0.2, 0, 0, 0.5, 2.5, 2, 3, 2}},
    {"sw-005", "Shurandy Martina", "mbo", {1.2, 0, 0, 0, kNa, 0, 2, 2.5}},
    {"sw-006", "Elif Çelik", "hbo", {0, 0, 0.8, 0, 2, 2.2, 0, 0}},
};

std::string Name(const char* id) {
  return absl::StrCat("organizations/demo/people/", id);
}

TeamReportData Sample() {
  TeamReportData d;
  d.title = "Team team-noord — organizations/demo";
  d.generated_at = "2025-03-14T09:30:00Z";
  v1::TeamSummary& s = d.summary;
  s.set_framework("frameworks/sfd-2021");
  s.set_people(6);

  // Roll-ups computed from the grid so the sample is consistent.
  struct Sum {
    double gap = 0;
    int rated = 0, at_target = 0, unknown = 0;
  };
  std::map<std::string, Sum> by_cluster;
  Sum overall;
  for (int c = 0; c < 8; ++c) {
    Sum sum;
    for (const Person& p : kPeople) {
      const double g = p.gaps[c];
      if (std::isnan(g)) {
        ++sum.unknown;
        continue;
      }
      sum.gap += g;
      ++sum.rated;
      sum.at_target += g == 0;
    }
    v1::TeamRollup* r = s.add_competencies();
    r->set_code(kCompetencies[c].code);
    r->set_title(kCompetencies[c].title);
    r->set_mean_gap(sum.gap / sum.rated);
    r->set_share_at_target(static_cast<double>(sum.at_target) / sum.rated);
    r->set_unknown(sum.unknown);
    r->set_min_bus_factor(sum.at_target);
    Sum& cl = by_cluster[std::string(1, kCompetencies[c].code[0])];
    for (Sum* t : {&cl, &overall}) {
      t->gap += sum.gap;
      t->rated += sum.rated;
      t->at_target += sum.at_target;
      t->unknown += sum.unknown;
    }
  }
  auto fill = [](v1::TeamRollup* r, const Sum& sum) {
    r->set_mean_gap(sum.gap / sum.rated);
    r->set_share_at_target(static_cast<double>(sum.at_target) / sum.rated);
    r->set_unknown(sum.unknown);
  };
  for (const Cluster& c : kClusters) {
    v1::TeamRollup* r = s.add_clusters();
    r->set_code(c.code);
    r->set_title(c.title);
    fill(r, by_cluster[c.code]);
    r->set_min_bus_factor(c.min_bus_factor);
  }
  fill(s.mutable_overall(), overall);
  s.mutable_overall()->set_min_bus_factor(0);

  for (const Person& p : kPeople) {
    v1::PersonScore score;
    score.set_person(Name(p.id));
    score.set_display_name(p.display_name);
    score.set_track(p.track);
    score.set_target_level(3);
    double gap = 0;
    int rated = 0;
    for (int c = 0; c < 8; ++c) {
      if (std::isnan(p.gaps[c])) continue;
      (*score.mutable_competency_gaps())[kCompetencies[c].code] = p.gaps[c];
      gap += p.gaps[c];
      ++rated;
    }
    score.set_mean_gap(gap / rated);
    score.set_readiness(1 - gap / (3.0 * rated));
    score.set_coverage(rated / 8.0);
    d.people.push_back(score);
  }

  v1::MentorAssignment& m = d.mentors;
  auto pair = [&](const char* mentee, const char* mentor, double weight,
                  const char* why) {
    v1::Pair* p = m.add_pairs();
    p->set_left(Name(mentee));
    p->set_right(Name(mentor));
    p->set_weight(weight);
    p->set_explanation(why);
  };
  pair("sw-004", "sw-003", 2.4,
       "Fatima is op niveau bij 6.1 en 4.1, waar Eva's kloof het grootst is");
  pair("sw-001", "sw-006", 1.9,
       "Elif is op niveau bij 6.1 en 6.2 (Said: kloof 2.5 en 2.0)");
  pair("sw-005", "sw-002", 0.9, "Thijs is op niveau bij 1.1 en 4.1");
  v1::Unmatched* u = m.add_unmatched();
  u->set_name(Name("sw-002"));
  u->set_reason(
      "geen mentor met capaciteit die op niveau is bij 6.2 (kloof 3.0)");
  m.set_total_weight(5.2);
  m.set_method("hongaarse methode (max-weight matching)");
  m.set_exact(true);
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: report_html_sample FILE\n";
    return 2;
  }
  std::ofstream out(argv[1], std::ios::binary);
  out << RenderTeamReportHtml(Sample());
  out.close();
  if (!out) {
    std::cerr << "report_html_sample: cannot write " << argv[1] << "\n";
    return 1;
  }
  return 0;
}
