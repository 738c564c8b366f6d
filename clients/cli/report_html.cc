#include "clients/cli/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace vakwijzer::cli {
namespace {

// Gap colour stops, in levels.
struct Rgb {
  int r, g, b;
};
constexpr Rgb kGreen{0x2e, 0x7d, 0x32};  // gap 0: at target
constexpr Rgb kAmber{0xf9, 0xa8, 0x25};  // gap 1
constexpr Rgb kRed{0xc6, 0x28, 0x28};    // gap 2 and above
constexpr char kMissingColor[] = "#eeeeee";

int Mix(int a, int b, double t) {
  return static_cast<int>(std::lround(a + (b - a) * t));
}

Rgb GapRgb(double gap) {
  if (!(gap > 0)) return kGreen;  // also NaN
  if (gap >= 2) return kRed;
  const Rgb& from = gap < 1 ? kGreen : kAmber;
  const Rgb& to = gap < 1 ? kAmber : kRed;
  const double t = gap < 1 ? gap : gap - 1;
  return {Mix(from.r, to.r, t), Mix(from.g, to.g, t), Mix(from.b, to.b, t)};
}

std::string Hex(const Rgb& c) {
  return absl::StrFormat("#%02x%02x%02x", c.r, c.g, c.b);
}

// Dark text on light backgrounds (amber), white on dark ones (green, red).
std::string TextColorOn(const Rgb& c) {
  auto linear = [](int v) {
    const double s = v / 255.0;
    return s <= 0.04045 ? s / 12.92 : std::pow((s + 0.055) / 1.055, 2.4);
  };
  const double luminance =
      0.2126 * linear(c.r) + 0.7152 * linear(c.g) + 0.0722 * linear(c.b);
  return luminance > 0.3 ? "#1f1f1f" : "#ffffff";
}

std::string Esc(std::string_view text) { return HtmlEscape(text); }

// "1.5"; "–" when not a number.
std::string Fixed(double value, int decimals) {
  if (!std::isfinite(value)) return "–";
  std::string out = absl::StrFormat("%.*f", decimals, value);
  if (out.size() > 1 && out[0] == '-' &&
      out.find_first_not_of("-0.") == std::string::npos) {
    out.erase(0, 1);  // no "-0.0"
  }
  return out;
}

std::string Percent(double share) {
  if (!std::isfinite(share)) return "–";
  return absl::StrFormat("%.0f%%", std::clamp(share, 0.0, 1.0) * 100);
}

// CSS width of a bar for a share, e.g. "62.5%".
std::string Width(double share) {
  if (!std::isfinite(share)) share = 0;
  return absl::StrFormat("%.1f%%", std::clamp(share, 0.0, 1.0) * 100);
}

// The id at the end of a resource name: "organizations/o/people/sw-1" ->
// "sw-1".
std::string ShortId(const std::string& name) {
  const size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

// "2025-03-14T09:30:00Z" -> "14 maart 2025, 09:30 UTC"; anything that is
// not RFC 3339 is shown as given.
std::string ReadableTime(const std::string& rfc3339) {
  static const char* const kMonths[] = {
      "januari", "februari", "maart",     "april",   "mei",      "juni",
      "juli",    "augustus", "september", "oktober", "november", "december"};
  auto digits = [&](size_t pos, size_t n, int* out) {
    if (pos + n > rfc3339.size()) return false;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (rfc3339[i] < '0' || rfc3339[i] > '9') return false;
      v = v * 10 + (rfc3339[i] - '0');
    }
    *out = v;
    return true;
  };
  int year, month, day, hour, minute;
  if (!digits(0, 4, &year) || rfc3339.size() < 16 || rfc3339[4] != '-' ||
      !digits(5, 2, &month) || rfc3339[7] != '-' || !digits(8, 2, &day) ||
      (rfc3339[10] != 'T' && rfc3339[10] != 't' && rfc3339[10] != ' ') ||
      !digits(11, 2, &hour) || rfc3339[13] != ':' || !digits(14, 2, &minute) ||
      month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59) {
    return rfc3339;
  }
  size_t pos = 16;
  int second;
  if (pos < rfc3339.size() && rfc3339[pos] == ':') {
    if (!digits(pos + 1, 2, &second)) return rfc3339;
    pos += 3;
    if (pos < rfc3339.size() && rfc3339[pos] == '.') {
      ++pos;
      while (pos < rfc3339.size() && rfc3339[pos] >= '0' &&
             rfc3339[pos] <= '9') {
        ++pos;
      }
    }
  }
  std::string zone;
  const std::string rest = rfc3339.substr(pos);
  if (rest == "Z" || rest == "z") {
    zone = "UTC";
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') &&
             rest[3] == ':') {
    zone = absl::StrCat("UTC", rest);
  } else if (!rest.empty()) {
    return rfc3339;
  }
  return absl::StrFormat("%d %s %d, %02d:%02d%s", day, kMonths[month - 1], year,
                         hour, minute,
                         zone.empty() ? "" : absl::StrCat(" ", zone));
}

// The cluster a competency code belongs to: "6.1" -> "6".
std::string ClusterOf(const std::string& competency) {
  return competency.substr(0, competency.find('.'));
}

// The page's style. Alerts (.kpi.alert, .flag) use #b3261e, not the
// heatmap's #c62828, so that the exact heatmap colours are the heatmap's
// alone: report_browser_test.sh counts them in a screenshot.
constexpr char kStyle[] = R"css(
:root { --ink:#1f2933; --muted:#5f6b7a; --line:#e3e7ec; --panel:#ffffff;
  --bg:#f4f6f8; --accent:#1d4e89; }
* { box-sizing:border-box; -webkit-print-color-adjust:exact;
  print-color-adjust:exact; }
html { background:var(--bg); }
body { margin:0; color:var(--ink); font:14px/1.45 "Liberation Sans",
  "DejaVu Sans", Arial, Helvetica, sans-serif; }
.page { max-width:1180px; margin:0 auto; padding:20px 24px 32px; }
header.top { background:var(--accent); color:#fff; border-radius:10px;
  padding:18px 22px 16px; }
header.top h1 { margin:0; font-size:22px; font-weight:700; }
header.top .meta { margin:4px 0 14px; color:#d6e2f0; font-size:13px; }
.kpis { display:flex; flex-wrap:wrap; gap:10px; }
.kpi { flex:1 1 150px; background:rgba(255,255,255,.12); border-radius:8px;
  padding:9px 12px; }
.kpi .value { display:block; font-size:24px; font-weight:700;
  font-variant-numeric:tabular-nums; white-space:nowrap; }
.kpi .label { display:block; font-size:12px; color:#d6e2f0; }
.kpi .dot { display:inline-block; width:14px; height:14px; border-radius:50%;
  margin-right:7px; vertical-align:1px; border:2px solid #fff; }
.kpi .mini { display:block; height:5px; border-radius:3px; margin-top:5px;
  background:rgba(255,255,255,.25); overflow:hidden; }
.kpi .mini span { display:block; height:100%; background:#fff; }
.kpi.alert { background:#b3261e; }
section { background:var(--panel); border:1px solid var(--line);
  border-radius:10px; padding:16px 20px 18px; margin-top:16px; }
h2 { margin:0 0 4px; font-size:17px; }
h3 { margin:16px 0 6px; font-size:14px; }
.hint { margin:0 0 12px; color:var(--muted); font-size:12.5px; }
.legend { display:flex; flex-wrap:wrap; align-items:center; gap:6px 14px;
  margin:0 0 12px; font-size:12px; color:var(--muted); }
.legend .ramp { display:inline-block; width:140px; height:10px;
  border-radius:5px; vertical-align:-1px; margin:0 6px;
  background:linear-gradient(to right,#2e7d32,#f9a825,#c62828); }
.legend .sw { display:inline-block; min-width:34px; padding:2px 4px;
  border-radius:4px; text-align:center; font-weight:700; font-size:11.5px; }
.scroll { overflow-x:auto; }
table.heatmap { border-collapse:collapse; font-variant-numeric:tabular-nums; }
table.heatmap colgroup.grp { border-left:6px solid #fff; }
table.heatmap th, table.heatmap td { border:2px solid #fff; }
table.heatmap thead th { font-size:12px; color:var(--muted); font-weight:700;
  padding:2px 3px; text-align:center; white-space:nowrap; }
table.heatmap thead tr.clusters th { color:var(--accent); font-size:11px;
  text-transform:uppercase; letter-spacing:.04em;
  border-bottom:2px solid var(--accent); }
table.heatmap th.person { text-align:left; padding:3px 12px 3px 0;
  white-space:nowrap; font-weight:400; }
th.person .name { display:block; font-weight:700; max-width:16em;
  overflow:hidden; text-overflow:ellipsis; }
th.person .sub, td .sub { display:block; color:var(--muted); font-size:11px; }
td.cell, td.teamcell { min-width:44px; height:34px; padding:0 3px;
  text-align:center; font-weight:700; font-size:13px; }
td.cell[data-gap=""] { background-image:repeating-linear-gradient(135deg,
  transparent 0 5px, rgba(0,0,0,.07) 5px 10px) !important;
  font-weight:400; }
table.heatmap tfoot th, table.heatmap tfoot td { border-top:6px solid #fff; }
td.teamcell { height:28px; font-size:12px; }
.wide td.cell, .wide td.teamcell { min-width:56px; }
.narrow td.cell, .narrow td.teamcell { min-width:28px; padding:0 1px;
  font-size:11.5px; }
.narrow table.heatmap colgroup.grp { border-left-width:4px; }
.narrow th.person .name { max-width:11em; }
table.heatmap tfoot th.person .name { color:var(--accent); }
.bars { display:grid; grid-template-columns:minmax(15em,2.2fr) 3fr 3.2em
  6em 7.5em 10em; align-items:center; gap:8px 14px; }
.bars .head { font-size:11.5px; color:var(--muted); font-weight:700; }
.bars .label { font-weight:700; }
.bars .label .code { display:inline-block; min-width:1.7em; padding:1px 5px;
  margin-right:6px; border-radius:4px; background:#e8eef6;
  color:var(--accent); text-align:center; font-size:12px; }
.track { height:16px; border-radius:8px; background:#e9edf1;
  overflow:hidden; }
.track .fill { height:100%; border-radius:8px 0 0 8px; }
.bars .pct { font-weight:700; text-align:right;
  font-variant-numeric:tabular-nums; }
.bars .gap { font-weight:700; white-space:nowrap;
  font-variant-numeric:tabular-nums; }
.bars .unrated { color:var(--muted); font-variant-numeric:tabular-nums; }
.bars .gap .dot { display:inline-block; width:10px; height:10px;
  border-radius:50%; margin-right:5px; }
.bars .bus { white-space:nowrap; font-variant-numeric:tabular-nums; }
.bars .bus b { display:inline-block; min-width:1.2em; }
.flag { display:inline-block; padding:1px 8px; border-radius:9px;
  background:#b3261e; color:#fff; font-size:11.5px; font-weight:700;
  margin-left:6px; }
.ok { color:#2e7d32; font-weight:700; }
.warn { color:#b26a00; font-weight:700; }
table.list { border-collapse:collapse; width:100%; }
table.list th { text-align:left; font-size:12px; color:var(--muted);
  border-bottom:2px solid var(--line); padding:5px 8px; }
table.list td { border-bottom:1px solid var(--line); padding:6px 8px;
  vertical-align:top; }
table.list td.num { text-align:right; font-weight:700; white-space:nowrap;
  font-variant-numeric:tabular-nums; }
.wbar { display:block; height:4px; margin-top:4px; border-radius:2px;
  background:#1d4e89; opacity:.55; margin-left:auto; }
.empty { color:var(--muted); font-style:italic; }
footer { margin-top:14px; color:var(--muted); font-size:11.5px;
  text-align:center; }
@media print { html { background:#fff; } .page { padding:0; max-width:none; }
  section { break-inside:avoid; } }
@page { size:A4 landscape; margin:12mm; }
)css";

class Renderer {
 public:
  explicit Renderer(const TeamReportData& data) : d_(data) {
    for (const v1::PersonScore& p : d_.people) {
      if (!p.person().empty()) display_[p.person()] = p.display_name();
    }
    for (const v1::TeamRollup& c : d_.summary.competencies()) {
      codes_.push_back(c.code());
    }
    if (codes_.empty()) {
      std::set<std::string> all;
      for (const v1::PersonScore& p : d_.people) {
        for (const auto& [code, gap] : p.competency_gaps()) all.insert(code);
      }
      codes_.assign(all.begin(), all.end());
    }
  }

  std::string Render() {
    Add("<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta "
        "charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\">\n"
        "<meta name=\"generator\" content=\"vakwijzer command-line client\">\n"
        "<title>",
        Esc(Title()), "</title>\n<style>", kStyle, "</style>\n</head>\n",
        "<body>\n<div class=\"page\">\n");
    Header();
    Add("<main>\n");
    Heatmap();
    Clusters();
    Mentors();
    Add("</main>\n<footer>Vakwijzer teamrapport", Frameworkline(),
        " · kloof = streefniveau min huidig niveau, in niveaus van de "
        "beoordelingsschaal</footer>\n</div>\n</body>\n</html>\n");
    return std::move(out_);
  }

 private:
  template <typename... T>
  void Add(const T&... parts) {
    absl::StrAppend(&out_, parts...);
  }

  std::string Title() const {
    return d_.title.empty() ? "Teamrapport" : d_.title;
  }

  std::string Frameworkline() const {
    return d_.summary.framework().empty()
               ? ""
               : absl::StrCat(" · ", Esc(d_.summary.framework()));
  }

  // "Said Chaouch" with the id under it, or the id alone.
  std::string PersonLabel(const std::string& name) const {
    auto it = display_.find(name);
    const std::string id = ShortId(name);
    if (it == display_.end() || it->second.empty()) {
      return absl::StrCat("<span class=\"name\">", Esc(id), "</span>");
    }
    return absl::StrCat("<span class=\"name\">", Esc(it->second),
                        "</span><span class=\"sub\">", Esc(id), "</span>");
  }

  static std::string GapDot(double gap, const std::string& cls) {
    return absl::StrCat("<span class=\"", cls,
                        "\" style=\"background:", GapColor(gap), "\"></span>");
  }

  void Header() {
    const v1::TeamRollup& all = d_.summary.overall();
    const int people = d_.summary.people() > 0
                           ? d_.summary.people()
                           : static_cast<int>(d_.people.size());
    int fragile = 0;
    for (const v1::TeamRollup& c : d_.summary.clusters()) {
      if (c.min_bus_factor() <= 1) ++fragile;
    }
    Add("<header class=\"top\">\n<h1>", Esc(Title()), "</h1>\n",
        "<p class=\"meta\">Teamrapport");
    if (!d_.summary.framework().empty()) {
      Add(" · competentieset <b>", Esc(d_.summary.framework()), "</b>");
    }
    if (!d_.generated_at.empty()) {
      Add(" · gemaakt op <time datetime=\"", Esc(d_.generated_at), "\">",
          Esc(ReadableTime(d_.generated_at)), "</time>");
    }
    Add("</p>\n<div class=\"kpis\">\n");
    Add("<div class=\"kpi\" id=\"kpi-people\"><span class=\"value\">", people,
        "</span><span class=\"label\">teamleden</span></div>\n");
    Add("<div class=\"kpi\" id=\"kpi-gap\"><span class=\"value\">",
        GapDot(all.mean_gap(), "dot"), Fixed(all.mean_gap(), 2),
        "</span><span class=\"label\">gemiddelde kloof (niveaus)</span>"
        "</div>\n");
    Add("<div class=\"kpi\" id=\"kpi-target\"><span class=\"value\">",
        Percent(all.share_at_target()),
        "</span><span class=\"label\">op streefniveau</span>"
        "<span class=\"mini\"><span style=\"width:",
        Width(all.share_at_target()), "\"></span></span></div>\n");
    Add("<div class=\"kpi\" id=\"kpi-unrated\"><span class=\"value\">",
        all.unknown(),
        "</span><span class=\"label\">niet beoordeeld "
        "(persoon × indicator)</span></div>\n");
    if (d_.summary.clusters_size() > 0) {
      Add("<div class=\"kpi", fragile > 0 ? " alert" : "",
          "\" id=\"kpi-fragile\"><span class=\"value\">", fragile, " / ",
          d_.summary.clusters_size(),
          "</span><span class=\"label\">clusters kwetsbaar "
          "(busfactor ≤ 1)</span></div>\n");
    }
    Add("</div>\n</header>\n");
  }

  void Legend() {
    Add("<div class=\"legend\" id=\"legend\"><span>Kloof:</span>");
    for (double g : {0.0, 0.5, 1.0, 1.5, 2.0}) {
      const Rgb c = GapRgb(g);
      Add("<span class=\"sw\" style=\"background:", Hex(c),
          ";color:", TextColorOn(c), "\">", g >= 2 ? "≥ 2" : Fixed(g, 1),
          "</span>");
    }
    Add("<span><span class=\"sw\" style=\"background:", kMissingColor,
        ";color:#616161;font-weight:400\">–</span> niet beoordeeld</span>",
        "<span>0 = op streefniveau, 1 = één niveau eronder, 2 of meer = "
        "ver eronder</span></div>\n");
  }

  void Heatmap() {
    Add("<section id=\"heatmap-section\">\n<h2>Kloof per teamlid en "
        "competentie</h2>\n<p class=\"hint\">Gemiddelde kloof tot het "
        "streefniveau over de beoordeelde indicatoren van elke competentie. "
        "Wijs een vak aan voor de details.</p>\n");
    Legend();

    // Column groups per cluster, when the codes name known clusters.
    std::map<std::string, std::string> cluster_titles;
    for (const v1::TeamRollup& c : d_.summary.clusters()) {
      cluster_titles[c.code()] = c.title();
    }
    struct Group {
      std::string cluster;
      int span;
    };
    std::vector<Group> groups;
    bool grouped = !cluster_titles.empty() && !codes_.empty();
    for (const std::string& code : codes_) {
      const std::string cluster = ClusterOf(code);
      if (!cluster_titles.count(cluster)) grouped = false;
      if (!groups.empty() && groups.back().cluster == cluster) {
        ++groups.back().span;
      } else {
        groups.push_back({cluster, 1});
      }
    }

    // Wide cells for a few columns, narrow ones for the whole framework
    // (30 competencies) so that it fits the page.
    const char* density = codes_.size() <= 12   ? " wide"
                          : codes_.size() <= 20 ? ""
                                                : " narrow";
    Add("<div class=\"scroll", density,
        "\">\n"
        "<table class=\"heatmap\" id=\"heatmap\">\n"
        "<colgroup></colgroup>");
    if (grouped) {
      for (const Group& g : groups) {
        Add("<colgroup class=\"grp\" span=\"", g.span, "\"></colgroup>");
      }
    } else if (!codes_.empty()) {
      Add("<colgroup span=\"", codes_.size(), "\"></colgroup>");
    }
    Add("\n<thead>\n");
    if (grouped) {
      Add("<tr class=\"clusters\"><th></th>");
      for (const Group& g : groups) {
        Add("<th colspan=\"", g.span, "\" title=\"Cluster ", Esc(g.cluster),
            ": ", Esc(cluster_titles[g.cluster]), "\">", Esc(g.cluster),
            "</th>");
      }
      Add("</tr>\n");
    }
    std::map<std::string, const v1::TeamRollup*> rollups;
    for (const v1::TeamRollup& c : d_.summary.competencies()) {
      rollups.emplace(c.code(), &c);
    }
    Add("<tr class=\"codes\"><th class=\"person\">Teamlid</th>");
    for (const std::string& code : codes_) {
      auto it = rollups.find(code);
      Add("<th scope=\"col\"");
      if (it != rollups.end() && !it->second->title().empty()) {
        Add(" title=\"", Esc(code), " ", Esc(it->second->title()), "\"");
      }
      Add(">", Esc(code), "</th>");
    }
    Add("</tr>\n</thead>\n<tbody>\n");
    for (const v1::PersonScore& p : d_.people) {
      const std::string id = ShortId(p.person());
      Add("<tr><th scope=\"row\" class=\"person\" title=\"", Esc(p.person()),
          "\"><span class=\"name\">",
          Esc(p.display_name().empty() ? id : p.display_name()),
          "</span><span class=\"sub\">");
      if (!p.display_name().empty()) Add(Esc(id), " · ");
      if (!p.track().empty()) Add(Esc(p.track()), " · ");
      Add(Percent(p.readiness()), " gereed</span></th>");
      for (const std::string& code : codes_) {
        auto it = p.competency_gaps().find(code);
        if (it == p.competency_gaps().end() || !std::isfinite(it->second)) {
          Add("<td class=\"cell\" style=\"background:", kMissingColor,
              ";color:#616161\" data-gap=\"\" title=\"", Esc(id), ", ",
              Esc(code), ": niet beoordeeld\">–</td>");
          continue;
        }
        const double gap = it->second;
        const Rgb c = GapRgb(gap);
        Add("<td class=\"cell\" style=\"background:", Hex(c),
            ";color:", TextColorOn(c), "\" data-gap=\"",
            absl::StrFormat("%.3f", gap), "\" title=\"", Esc(id), ", ",
            Esc(code), ": gap ", Fixed(gap, 1), "\">", Fixed(gap, 1), "</td>");
      }
      Add("</tr>\n");
    }
    if (d_.people.empty()) {
      Add("<tr><td class=\"empty\" colspan=\"", codes_.size() + 1,
          "\">Geen teamleden in dit rapport.</td></tr>\n");
    }
    Add("</tbody>\n");
    if (!d_.summary.competencies().empty() && !d_.people.empty()) {
      Add("<tfoot>\n<tr><th scope=\"row\" class=\"person\"><span "
          "class=\"name\">Team</span><span class=\"sub\">gemiddelde</span>"
          "</th>");
      for (const v1::TeamRollup& c : d_.summary.competencies()) {
        const Rgb rgb = GapRgb(c.mean_gap());
        Add("<td class=\"teamcell\" style=\"background:", Hex(rgb),
            ";color:", TextColorOn(rgb), "\" title=\"Team, ", Esc(c.code()),
            ": gap ", Fixed(c.mean_gap(), 1), ", ",
            Percent(c.share_at_target()), " op streefniveau, ", c.unknown(),
            " niet beoordeeld, busfactor ", c.min_bus_factor(), "\">",
            Fixed(c.mean_gap(), 1), "</td>");
      }
      Add("</tr>\n</tfoot>\n");
    }
    Add("</table>\n</div>\n");
    CompetencyKey(rollups);
    Add("</section>\n");
  }

  // What the column codes stand for.
  void CompetencyKey(
      const std::map<std::string, const v1::TeamRollup*>& rollups) {
    bool any = false;
    for (const auto& [code, r] : rollups) any = any || !r->title().empty();
    if (!any) return;
    Add("<details class=\"key\"><summary class=\"hint\">Wat betekenen de "
        "codes?</summary>\n<table class=\"list\"><tbody>\n");
    for (const v1::TeamRollup& c : d_.summary.competencies()) {
      Add("<tr><td class=\"num\">", Esc(c.code()), "</td><td>", Esc(c.title()),
          "</td></tr>\n");
    }
    Add("</tbody></table>\n</details>\n");
  }

  void Clusters() {
    Add("<section id=\"clusters\">\n<h2>Clusters</h2>\n<p class=\"hint\">"
        "Balk: aandeel van de beoordeelde indicatoren op streefniveau; kleur: "
        "gemiddelde kloof. Kwetsbaar: bij minstens één indicator beheerst "
        "hooguit één teamlid het streefniveau.</p>\n");
    if (d_.summary.clusters().empty()) {
      Add("<p class=\"empty\">Geen clusters in dit rapport.</p>\n"
          "</section>\n");
      return;
    }
    Add("<div class=\"bars\">\n<span class=\"head\">Cluster</span>"
        "<span class=\"head\">Op streefniveau</span><span></span>"
        "<span class=\"head\">Gem. kloof</span>"
        "<span class=\"head\">Niet beoordeeld</span>"
        "<span class=\"head\">Min. busfactor</span>\n");
    for (const v1::TeamRollup& c : d_.summary.clusters()) {
      const bool fragile = c.min_bus_factor() <= 1;
      Add("<div class=\"label\" id=\"cluster-", Esc(c.code()),
          "\"><span class=\"code\">", Esc(c.code()), "</span>", Esc(c.title()),
          "</div>");
      Add("<div class=\"track\" title=\"", Percent(c.share_at_target()),
          " op streefniveau\"><div class=\"fill\" style=\"width:",
          Width(c.share_at_target()), ";background:", GapColor(c.mean_gap()),
          "\"></div></div>");
      Add("<div class=\"pct\">", Percent(c.share_at_target()), "</div>");
      Add("<div class=\"gap\" title=\"gemiddelde kloof\">",
          GapDot(c.mean_gap(), "dot"), Fixed(c.mean_gap(), 2), "</div>");
      Add("<div class=\"unrated\">", c.unknown(), "</div>");
      Add("<div class=\"bus\" title=\"teamleden op streefniveau bij de "
          "zwakste indicator\"><b>",
          c.min_bus_factor(), "</b>",
          fragile ? "<span class=\"flag\">kwetsbaar</span>" : "", "</div>\n");
    }
    Add("</div>\n</section>\n");
  }

  void Mentors() {
    const v1::MentorAssignment& m = d_.mentors;
    Add("<section id=\"mentors\">\n<h2>Mentorkoppelingen</h2>\n");
    if (m.pairs().empty() && m.unmatched().empty() && m.method().empty()) {
      Add("<p class=\"empty\">Geen mentortoewijzing in dit rapport.</p>\n"
          "</section>\n");
      return;
    }
    Add("<p class=\"hint\" id=\"mentor-total\">", m.pairs_size(),
        m.pairs_size() == 1 ? " koppeling" : " koppelingen",
        " · totaal gewicht <b>", Fixed(m.total_weight(), 3), "</b> · ",
        m.exact() ? "<span class=\"ok\">optimaal</span>"
                  : "<span class=\"warn\">niet gegarandeerd optimaal</span>");
    if (!m.method().empty()) Add(" (methode: ", Esc(m.method()), ")");
    Add("</p>\n");
    if (!m.pairs().empty()) {
      double max_weight = 0;
      for (const v1::Pair& p : m.pairs()) {
        if (std::isfinite(p.weight())) {
          max_weight = std::max(max_weight, p.weight());
        }
      }
      Add("<table class=\"list\" id=\"pairs\">\n<thead><tr><th>Mentee</th>"
          "<th>Mentor</th><th style=\"text-align:right\">Gewicht</th>"
          "<th>Toelichting</th></tr></thead>\n<tbody>\n");
      for (const v1::Pair& p : m.pairs()) {
        const double share = max_weight > 0 ? p.weight() / max_weight : 0;
        Add("<tr><td>", PersonLabel(p.left()), "</td><td>",
            PersonLabel(p.right()), "</td><td class=\"num\">",
            Fixed(p.weight(), 3),
            "<span class=\"wbar\" style=\"width:", Width(share),
            "\"></span></td><td>", Esc(p.explanation()), "</td></tr>\n");
      }
      Add("</tbody>\n</table>\n");
    }
    if (!m.unmatched().empty()) {
      Add("<h3>Niet gekoppeld (", m.unmatched_size(),
          ")</h3>\n"
          "<table class=\"list\" id=\"unmatched\">\n<thead><tr><th>Teamlid"
          "</th><th>Reden</th></tr></thead>\n<tbody>\n");
      for (const v1::Unmatched& u : m.unmatched()) {
        Add("<tr><td>", PersonLabel(u.name()), "</td><td>", Esc(u.reason()),
            "</td></tr>\n");
      }
      Add("</tbody>\n</table>\n");
    }
    Add("</section>\n");
  }

  const TeamReportData& d_;
  std::map<std::string, std::string> display_;  // person name -> display
  std::vector<std::string> codes_;              // heatmap columns
  std::string out_;
};

}  // namespace

std::string GapColor(double gap) { return Hex(GapRgb(gap)); }

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        if ((u < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') || u == 0x7f) {
          break;  // not allowed in HTML text
        }
        out += ch;
    }
  }
  return out;
}

std::string RenderTeamReportHtml(const TeamReportData& data) {
  return Renderer(data).Render();
}

}  // namespace vakwijzer::cli
