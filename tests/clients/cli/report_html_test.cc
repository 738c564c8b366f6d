#include "clients/cli/report_html.h"

#include <cmath>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace vakwijzer::cli {
namespace {

constexpr char kOrg[] = "organizations/demo/people/";
constexpr char kScript[] = "<script>alert(1)</script>";

v1::TeamRollup* Rollup(v1::TeamRollup* r, const std::string& code,
                       const std::string& title, double mean_gap, double share,
                       int unknown, int bus) {
  r->set_code(code);
  r->set_title(title);
  r->set_mean_gap(mean_gap);
  r->set_share_at_target(share);
  r->set_unknown(unknown);
  r->set_min_bus_factor(bus);
  return r;
}

v1::PersonScore Person(const std::string& id, const std::string& display,
                       std::vector<std::pair<std::string, double>> gaps) {
  v1::PersonScore p;
  p.set_person(kOrg + id);
  p.set_display_name(display);
  p.set_track("hbo");
  p.set_target_level(3);
  p.set_readiness(0.75);
  p.set_coverage(0.9);
  for (const auto& [code, gap] : gaps)
    (*p.mutable_competency_gaps())[code] = gap;
  return p;
}

// 3 people x 3 competencies, 2 clusters, 2 mentor pairs, 1 unmatched.
TeamReportData Sample() {
  TeamReportData d;
  d.title = "Team team-noord — organizations/demo";
  d.generated_at = "2025-03-14T09:30:00Z";
  v1::TeamSummary& s = d.summary;
  s.set_framework("frameworks/sfd-2021");
  s.set_people(3);
  Rollup(s.add_competencies(), "1.1", "Is initiatiefrijk in het contact", 1.57,
         0.33, 0, 1);
  Rollup(s.add_competencies(), "1.2", "Gaat oordeelvrij om met verschillen",
         0.5, 0.66, 0, 2);
  Rollup(s.add_competencies(), "6.1", "Overtuigt, onderhandelt", 0.88, 0.5, 2,
         1);
  Rollup(s.add_clusters(), "1", "Aansluiting vinden en contact aangaan", 0.8,
         0.62, 0, 2);
  Rollup(s.add_clusters(), "6", "Sturen en beïnvloeden", 1.4, 0.3, 2, 1);
  Rollup(s.mutable_overall(), "", "", 0.95, 0.55, 2, 1);
  d.people.push_back(Person("sw-001", "Said Chaouch",
                            {{"1.1", 0.0}, {"1.2", 0.5}, {"6.1", 1.5}}));
  d.people.push_back(Person("sw-002", kScript, {{"1.1", 2.0}, {"1.2", 1.0}}));
  d.people.push_back(Person("sw-003", "Eva Verbeek",
                            {{"1.1", 2.7}, {"1.2", 0.0}, {"6.1", 0.25}}));
  v1::MentorAssignment& m = d.mentors;
  v1::Pair* p = m.add_pairs();
  p->set_left(absl::StrCat(kOrg, "sw-002"));
  p->set_right(absl::StrCat(kOrg, "sw-001"));
  p->set_weight(1.25);
  p->set_explanation("sterk in 1.1 & 6.1 (\"voorbeeld\")");
  p = m.add_pairs();
  p->set_left(absl::StrCat(kOrg, "sw-003"));
  p->set_right(absl::StrCat(kOrg, "sw-009"));
  p->set_weight(0.8);
  p->set_explanation("dekt kloof op 1.1");
  v1::Unmatched* u = m.add_unmatched();
  u->set_name(absl::StrCat(kOrg, "sw-004"));
  u->set_reason("geen mentor met capaciteit voor 6.1");
  m.set_total_weight(2.05);
  m.set_method("hungarian");
  m.set_exact(true);
  return d;
}

// The text between `open` (inclusive) and the first `close` after it.
std::string Between(const std::string& html, const std::string& open,
                    const std::string& close) {
  const size_t begin = html.find(open);
  if (begin == std::string::npos) return "";
  const size_t end = html.find(close, begin);
  if (end == std::string::npos) return "";
  return html.substr(begin, end + close.size() - begin);
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos;
       pos = text.find(what, pos + what.size())) {
    ++n;
  }
  return n;
}

struct Cell {
  std::string style, gap, title, text;
};

// The heatmap cells of `html`, in document order.
std::vector<Cell> Cells(const std::string& html) {
  static const std::regex kCell(
      R"re(<td class="cell" style="([^"]*)" data-gap="([^"]*)" title="([^"]*)">([^<]*)</td>)re");
  std::vector<Cell> out;
  for (std::sregex_iterator it(html.begin(), html.end(), kCell), end; it != end;
       ++it) {
    out.push_back({(*it)[1], (*it)[2], (*it)[3], (*it)[4]});
  }
  return out;
}

const Cell* FindCell(const std::vector<Cell>& cells, const std::string& title) {
  for (const Cell& c : cells) {
    if (c.title == title) return &c;
  }
  return nullptr;
}

// Every non-void element is closed in order; returns "" or the first problem.
std::string TagBalance(const std::string& html) {
  static const std::set<std::string> kVoid = {
      "area",  "base", "br",   "col",    "embed", "hr", "img",
      "input", "link", "meta", "source", "track", "wbr"};
  std::vector<std::string> stack;
  size_t pos = 0;
  while ((pos = html.find('<', pos)) != std::string::npos) {
    const size_t end = html.find('>', pos);
    if (end == std::string::npos) return "unterminated tag";
    std::string tag = html.substr(pos + 1, end - pos - 1);
    pos = end + 1;
    if (tag.empty()) return "empty tag";
    if (tag[0] == '!') continue;  // doctype
    const bool closing = tag[0] == '/';
    if (closing) tag.erase(0, 1);
    const std::string name = tag.substr(0, tag.find_first_of(" \t\n/"));
    if (kVoid.count(name)) continue;
    if (!closing) {
      stack.push_back(name);
      if (name == "style") {  // raw text up to </style>
        pos = html.find("</style>", pos);
        if (pos == std::string::npos) return "unclosed <style>";
      }
      continue;
    }
    if (stack.empty() || stack.back() != name) {
      return absl::StrCat("</", name, "> closes <",
                          stack.empty() ? "nothing" : stack.back(), ">");
    }
    stack.pop_back();
  }
  return stack.empty() ? "" : absl::StrCat("<", stack.back(), "> not closed");
}

TEST(GapColorTest, GreenAmberRedStops) {
  EXPECT_EQ(GapColor(0), "#2e7d32");
  EXPECT_EQ(GapColor(-0.5), "#2e7d32");
  EXPECT_EQ(GapColor(std::nan("")), "#2e7d32");
  EXPECT_EQ(GapColor(1), "#f9a825");
  EXPECT_EQ(GapColor(2), "#c62828");
  EXPECT_EQ(GapColor(3.5), "#c62828");
}

TEST(GapColorTest, InterpolatesLinearlyAndDeterministically) {
  EXPECT_EQ(GapColor(0.5), "#94932c");  // halfway green -> amber, rounded
  EXPECT_EQ(GapColor(1.5), "#e06827");  // halfway amber -> red
  EXPECT_EQ(GapColor(0.5), GapColor(0.5));
  EXPECT_NE(GapColor(0.4), GapColor(0.6));
}

TEST(HtmlEscapeTest, EscapesMarkupAndDropsControlCharacters) {
  EXPECT_EQ(HtmlEscape(R"(<a href="x">Tom & 'Jerry'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  EXPECT_EQ(HtmlEscape(std::string("a\0b\x01"
                                   "c\td",
                                   7)),
            "abc\td");
  EXPECT_EQ(HtmlEscape("beïnvloeden — ≥"), "beïnvloeden — ≥");
}

TEST(RenderTeamReportHtmlTest, IsAnHtml5DutchUtf8Page) {
  const std::string html = RenderTeamReportHtml(Sample());
  EXPECT_TRUE(absl::StartsWith(html, "<!DOCTYPE html>")) << html.substr(0, 80);
  EXPECT_TRUE(absl::StrContains(html, "<html lang=\"nl\">"));
  EXPECT_TRUE(absl::StrContains(html, "<meta charset=\"utf-8\">"));
  EXPECT_TRUE(absl::StrContains(
      html, "<title>Team team-noord — organizations/demo</title>"));
}

TEST(RenderTeamReportHtmlTest, HeaderShowsDateSizeAndOverallFigures) {
  const std::string html = RenderTeamReportHtml(Sample());
  const std::string header = Between(html, "<header", "</header>");
  ASSERT_FALSE(header.empty());
  EXPECT_TRUE(
      absl::StrContains(header, "Team team-noord — organizations/demo"));
  EXPECT_TRUE(absl::StrContains(header, "datetime=\"2025-03-14T09:30:00Z\""));
  EXPECT_TRUE(absl::StrContains(header, "14 maart 2025, 09:30 UTC"));
  EXPECT_TRUE(absl::StrContains(Between(header, "id=\"kpi-people\"", "</div>"),
                                ">3</span>"));
  EXPECT_TRUE(
      absl::StrContains(Between(header, "id=\"kpi-gap\"", "</div>"), "0.95"));
  EXPECT_TRUE(
      absl::StrContains(Between(header, "id=\"kpi-target\"", "</div>"), "55%"));
  EXPECT_TRUE(absl::StrContains(Between(header, "id=\"kpi-unrated\"", "</div>"),
                                ">2</span>"));
  // Cluster 6 has min bus factor 1.
  EXPECT_TRUE(absl::StrContains(Between(header, "id=\"kpi-fragile\"", "</div>"),
                                "1 / 2"));
}

TEST(RenderTeamReportHtmlTest, HeatmapHasARowPerPersonAndACellPerCompetency) {
  const std::string html = RenderTeamReportHtml(Sample());
  const std::string table =
      Between(html, "<table class=\"heatmap\" id=\"heatmap\">", "</table>");
  ASSERT_FALSE(table.empty());
  const std::string body = Between(table, "<tbody>", "</tbody>");
  ASSERT_FALSE(body.empty());
  EXPECT_EQ(Count(body, "<tr>"), 3);
  EXPECT_EQ(Count(body, "</tr>"), 3);
  size_t pos = 0;
  for (int row = 0; row < 3; ++row) {
    const size_t begin = body.find("<tr>", pos);
    const size_t end = body.find("</tr>", begin);
    ASSERT_NE(end, std::string::npos);
    const std::string tr = body.substr(begin, end - begin);
    EXPECT_EQ(Count(tr, "<td class=\"cell\" style=\"background:#"), 3)
        << "row " << row << ": " << tr;
    pos = end;
  }
  EXPECT_EQ(Cells(body).size(), 9u);
  // Columns in summary.competencies order.
  const size_t c11 = table.find(">1.1</th>");
  const size_t c12 = table.find(">1.2</th>");
  const size_t c61 = table.find(">6.1</th>");
  ASSERT_NE(c61, std::string::npos);
  EXPECT_LT(c11, c12);
  EXPECT_LT(c12, c61);
  // Rows in the given order, by display name.
  EXPECT_LT(body.find("Said Chaouch"), body.find("Eva Verbeek"));
}

TEST(RenderTeamReportHtmlTest, CellColourAndTextFollowTheGap) {
  const std::vector<Cell> cells = Cells(RenderTeamReportHtml(Sample()));
  ASSERT_EQ(cells.size(), 9u);
  const Cell* zero = FindCell(cells, "sw-001, 1.1: gap 0.0");
  ASSERT_NE(zero, nullptr);
  EXPECT_TRUE(absl::StartsWith(zero->style, "background:#2e7d32;"))
      << zero->style;
  EXPECT_EQ(zero->text, "0.0");
  for (const char* title : {"sw-002, 1.1: gap 2.0", "sw-003, 1.1: gap 2.7"}) {
    const Cell* red = FindCell(cells, title);
    ASSERT_NE(red, nullptr) << title;
    EXPECT_TRUE(absl::StartsWith(red->style, "background:#c62828;"))
        << red->style;
  }
  const Cell* amber = FindCell(cells, "sw-002, 1.2: gap 1.0");
  ASSERT_NE(amber, nullptr);
  EXPECT_TRUE(absl::StartsWith(amber->style, "background:#f9a825;"));
  const Cell* mid = FindCell(cells, "sw-001, 6.1: gap 1.5");
  ASSERT_NE(mid, nullptr);
  EXPECT_EQ(mid->text, "1.5");
  EXPECT_EQ(mid->gap, "1.500");
  EXPECT_TRUE(absl::StartsWith(mid->style, "background:#e06827;"));
  const Cell* quarter = FindCell(cells, "sw-003, 6.1: gap 0.2");  // 0.25
  ASSERT_NE(quarter, nullptr);
  EXPECT_EQ(quarter->style.substr(0, 18), "background:" + GapColor(0.25));
}

TEST(RenderTeamReportHtmlTest, MissingCompetencyGapIsADash) {
  const std::vector<Cell> cells = Cells(RenderTeamReportHtml(Sample()));
  const Cell* missing = FindCell(cells, "sw-002, 6.1: niet beoordeeld");
  ASSERT_NE(missing, nullptr);
  EXPECT_EQ(missing->text, "–");
  EXPECT_EQ(missing->gap, "");
  EXPECT_TRUE(absl::StartsWith(missing->style, "background:#eeeeee;"));
  int dashes = 0;
  for (const Cell& c : cells) dashes += c.text == "–";
  EXPECT_EQ(dashes, 1);
}

TEST(RenderTeamReportHtmlTest, HasALegend) {
  const std::string legend =
      Between(RenderTeamReportHtml(Sample()), "id=\"legend\"", "</div>");
  ASSERT_FALSE(legend.empty());
  EXPECT_TRUE(absl::StrContains(legend, "background:#2e7d32"));
  EXPECT_TRUE(absl::StrContains(legend, "background:#f9a825"));
  EXPECT_TRUE(absl::StrContains(legend, "background:#c62828"));
  EXPECT_TRUE(absl::StrContains(legend, "niet beoordeeld"));
}

TEST(RenderTeamReportHtmlTest, ClusterBarsShowShareGapAndFragility) {
  const std::string html = RenderTeamReportHtml(Sample());
  const std::string section =
      Between(html, "<section id=\"clusters\">", "</section>");
  ASSERT_FALSE(section.empty());
  const std::string one = Between(section, "id=\"cluster-1\"", "</div>\n");
  const std::string six = Between(section, "id=\"cluster-6\"", "</div>\n");
  EXPECT_TRUE(absl::StrContains(one, "Aansluiting vinden en contact aangaan"));
  EXPECT_TRUE(absl::StrContains(
      one, "style=\"width:62.0%;background:" + GapColor(0.8) + "\""));
  EXPECT_TRUE(absl::StrContains(one, "62%"));
  EXPECT_TRUE(absl::StrContains(one, "></span>0.80</div>"));
  EXPECT_FALSE(absl::StrContains(one, "kwetsbaar"));
  EXPECT_TRUE(absl::StrContains(one, "<b>2</b></div>"));
  EXPECT_TRUE(absl::StrContains(six, "Sturen en beïnvloeden"));
  EXPECT_TRUE(absl::StrContains(
      six, "style=\"width:30.0%;background:" + GapColor(1.4) + "\""));
  EXPECT_TRUE(absl::StrContains(six, "></span>1.40</div>"));
  EXPECT_TRUE(absl::StrContains(six, "<span class=\"flag\">kwetsbaar</span>"));
  EXPECT_TRUE(absl::StrContains(six, "<b>1</b><span class=\"flag\">"));
  EXPECT_TRUE(absl::StrContains(six, "class=\"unrated\">2</div>"));
  EXPECT_EQ(Count(section, "<span class=\"flag\">kwetsbaar</span>"), 1);
}

TEST(RenderTeamReportHtmlTest, MentorPairsAndUnmatchedWithReasons) {
  const std::string html = RenderTeamReportHtml(Sample());
  const std::string pairs =
      Between(html, "<table class=\"list\" id=\"pairs\">", "</table>");
  ASSERT_FALSE(pairs.empty());
  EXPECT_TRUE(absl::StrContains(pairs, "<th>Mentee</th><th>Mentor</th>"));
  const std::string body = Between(pairs, "<tbody>", "</tbody>");
  EXPECT_EQ(Count(body, "<tr>"), 2);
  // Display names where the team knows them, the id otherwise.
  EXPECT_TRUE(absl::StrContains(body, "Said Chaouch"));
  EXPECT_TRUE(absl::StrContains(body, ">sw-009<"));
  EXPECT_TRUE(absl::StrContains(body, "1.250"));
  EXPECT_TRUE(absl::StrContains(body, "0.800"));
  EXPECT_TRUE(absl::StrContains(
      body, "sterk in 1.1 &amp; 6.1 (&quot;voorbeeld&quot;)"));
  EXPECT_TRUE(absl::StrContains(body, "dekt kloof op 1.1"));
  EXPECT_LT(body.find("1.250"), body.find("0.800"));
  const std::string unmatched =
      Between(html, "<table class=\"list\" id=\"unmatched\">", "</table>");
  EXPECT_TRUE(absl::StrContains(unmatched, "sw-004"));
  EXPECT_TRUE(
      absl::StrContains(unmatched, "geen mentor met capaciteit voor 6.1"));
  const std::string total = Between(html, "id=\"mentor-total\"", "</p>");
  EXPECT_TRUE(absl::StrContains(total, "2 koppelingen"));
  EXPECT_TRUE(absl::StrContains(total, "totaal gewicht <b>2.050</b>"));
  EXPECT_TRUE(absl::StrContains(total, "optimaal"));
  EXPECT_FALSE(absl::StrContains(total, "niet gegarandeerd"));
  EXPECT_TRUE(absl::StrContains(total, "hungarian"));
}

TEST(RenderTeamReportHtmlTest, InexactAssignmentIsSaidSo) {
  TeamReportData d = Sample();
  d.mentors.set_exact(false);
  d.mentors.set_method("greedy");
  EXPECT_TRUE(
      absl::StrContains(RenderTeamReportHtml(d), "niet gegarandeerd optimaal"));
}

TEST(RenderTeamReportHtmlTest, EscapesEveryTextFromTheData) {
  TeamReportData d = Sample();
  d.title = "Team <b>noord</b> & \"zuid\"";
  d.generated_at = "<i>gisteren</i>";
  d.summary.set_framework("<script>x()</script>");
  d.summary.mutable_clusters(0)->set_title("<img src=x onerror=alert(2)>");
  d.summary.mutable_competencies(0)->set_title("\"><script>alert(3)</script>");
  d.mentors.mutable_unmatched(0)->set_reason("<em>geen</em> mentor");
  d.mentors.set_method("<u>m</u>");
  const std::string html = RenderTeamReportHtml(d);
  EXPECT_FALSE(absl::StrContains(html, kScript));
  EXPECT_FALSE(absl::StrContains(html, "<script"));
  EXPECT_FALSE(absl::StrContains(html, "<img"));
  EXPECT_FALSE(absl::StrContains(html, "<b>noord"));
  EXPECT_FALSE(absl::StrContains(html, "<i>"));
  EXPECT_FALSE(absl::StrContains(html, "<em>"));
  EXPECT_FALSE(absl::StrContains(html, "<u>"));
  EXPECT_TRUE(absl::StrContains(
      html, "&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;"));
  EXPECT_TRUE(absl::StrContains(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_TRUE(absl::StrContains(
      html, "Team &lt;b&gt;noord&lt;/b&gt; &amp; &quot;zuid&quot;"));
  EXPECT_TRUE(absl::StrContains(html, "&lt;img src=x onerror=alert(2)&gt;"));
  EXPECT_TRUE(absl::StrContains(html, "&lt;em&gt;geen&lt;/em&gt; mentor"));
  EXPECT_EQ(TagBalance(html), "");
}

TEST(RenderTeamReportHtmlTest, DisplayNameScriptOnlyAppearsEscaped) {
  const std::string html = RenderTeamReportHtml(Sample());
  EXPECT_FALSE(absl::StrContains(html, kScript));
  EXPECT_FALSE(absl::StrContains(html, "<script"));
  // In the heatmap row and as the mentee of the first pair.
  EXPECT_EQ(Count(html, "&lt;script&gt;alert(1)&lt;/script&gt;"), 2);
}

TEST(RenderTeamReportHtmlTest, IsSelfContained) {
  const std::string html = RenderTeamReportHtml(Sample());
  for (const char* external :
       {"http://", "https://", "src=", "href=", "url(", "@import", "<link",
        "<script", "<img", "<iframe", "<object"}) {
    EXPECT_FALSE(absl::StrContains(html, external)) << external;
  }
}

TEST(RenderTeamReportHtmlTest, IsWellFormed) {
  const std::string html = RenderTeamReportHtml(Sample());
  EXPECT_EQ(Count(html, "<table"), Count(html, "</table>"));
  EXPECT_EQ(Count(html, "<tr>") + Count(html, "<tr "), Count(html, "</tr>"));
  EXPECT_EQ(Count(html, "<td"), Count(html, "</td>"));
  EXPECT_EQ(TagBalance(html), "");
  EXPECT_TRUE(absl::EndsWith(html, "</html>\n"));
}

TEST(RenderTeamReportHtmlTest, EmptyDataStillMakesAPage) {
  const std::string html = RenderTeamReportHtml(TeamReportData{});
  EXPECT_EQ(TagBalance(html), "");
  EXPECT_TRUE(absl::StrContains(html, "<title>Teamrapport</title>"));
  EXPECT_TRUE(absl::StrContains(html, "Geen teamleden in dit rapport."));
  EXPECT_TRUE(absl::StrContains(html, "Geen mentortoewijzing in dit rapport."));
  EXPECT_TRUE(Cells(html).empty());
}

TEST(RenderTeamReportHtmlTest, WithoutCompetencyRollupsColumnsComeFromPeople) {
  TeamReportData d = Sample();
  d.summary.clear_competencies();
  const std::string html = RenderTeamReportHtml(d);
  EXPECT_EQ(Cells(html).size(), 9u);
  EXPECT_EQ(TagBalance(html), "");
  EXPECT_LT(html.find(">1.1</th>"), html.find(">6.1</th>"));
}

TEST(RenderTeamReportHtmlTest, RawTimeWhenNotRfc3339) {
  TeamReportData d = Sample();
  d.generated_at = "gisteren";
  EXPECT_TRUE(absl::StrContains(RenderTeamReportHtml(d), ">gisteren</time>"));
  d.generated_at = "2025-12-01T23:05:59.123+01:00";
  EXPECT_TRUE(absl::StrContains(RenderTeamReportHtml(d),
                                "1 december 2025, 23:05 UTC+01:00"));
}

TEST(RenderTeamReportHtmlTest, SameInputSameOutput) {
  EXPECT_EQ(RenderTeamReportHtml(Sample()), RenderTeamReportHtml(Sample()));
}

}  // namespace
}  // namespace vakwijzer::cli
