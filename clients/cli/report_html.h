// Self-contained HTML team report of the command-line client: one HTML5 page
// (inline CSS, no scripts, no external resources) with the team's key
// figures, a heatmap of every member's gap per competency, a bar per cluster
// and the mentor assignment.
#ifndef VAKWIJZER_CLIENTS_CLI_REPORT_HTML_H_
#define VAKWIJZER_CLIENTS_CLI_REPORT_HTML_H_

#include <string>
#include <string_view>
#include <vector>

#include "vakwijzer/v1/team.pb.h"

namespace vakwijzer::cli {

struct TeamReportData {
  std::string title;         // e.g. "Team team-noord — organizations/demo"
  std::string generated_at;  // RFC 3339 text, shown as given
  v1::TeamSummary summary;
  // Heatmap rows, in this order. Columns are the codes of
  // summary.competencies, in that order (when it is empty: every code of
  // the people's competency_gaps, sorted).
  std::vector<v1::PersonScore> people;
  v1::MentorAssignment mentors;  // may be empty: the section says so
};

// The whole page, UTF-8. Every text taken from `data` is HTML-escaped.
std::string RenderTeamReportHtml(const TeamReportData& data);

// Colour of a gap in levels as "#rrggbb": #2e7d32 (green) at 0, #f9a825
// (amber) at 1, #c62828 (red) at 2 and above, linear in between; a negative
// gap is 0. Exposed for tests and other renderers.
std::string GapColor(double gap);

// `text` with & < > " ' replaced by character references and the control
// characters HTML forbids (C0 other than tab, LF, CR; DEL) dropped: safe in
// element content and in quoted attribute values.
std::string HtmlEscape(std::string_view text);

}  // namespace vakwijzer::cli

#endif  // VAKWIJZER_CLIENTS_CLI_REPORT_HTML_H_
