// vakwijzer: command-line client of the Vakwijzer gRPC API.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "clients/cli/connection.h"
#include "clients/cli/import_export.h"
#include "clients/cli/progress.h"
#include "clients/cli/report_html.h"
#include "clients/cli/token.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "vakwijzer/v1/import.pb.h"
#include "vakwijzer/v1/service.grpc.pb.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "HOST:PORT of vakwijzerd");
ABSL_FLAG(bool, json, false, "Print responses as JSON instead of tables");
ABSL_FLAG(double, timeout, 30, "Deadline of each call in seconds");
// Connection: bearer token and TLS.
ABSL_FLAG(std::string, token_file, "",
          "File holding the JWT sent as 'authorization: Bearer' on every "
          "call (default: the token in $VAKWIJZER_TOKEN)");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM root CA: connect with TLS and trust it (default: plaintext)");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM client certificate for mutual TLS (with --tls_key)");
ABSL_FLAG(std::string, tls_key, "",
          "PEM private key of --tls_cert for mutual TLS");
// Profile fields.
ABSL_FLAG(std::string, track, "", "Track of the profile (e.g. hbo, mbo)");
ABSL_FLAG(std::string, display_name, "", "Display name of the profile");
ABSL_FLAG(std::string, target_stage, "", "Target stage (e.g. startbekwaam)");
ABSL_FLAG(std::string, teams, "", "Comma-separated teams");
ABSL_FLAG(std::string, role, "", "Role of the profile");
ABSL_FLAG(std::string, framework, "", "Framework name, frameworks/{id}");
ABSL_FLAG(int, mentoring_capacity, 0, "Mentees this person can take on");
ABSL_FLAG(int, caseload_capacity, 0, "Client cases this person can carry");
ABSL_FLAG(std::string, update_mask, "",
          "profiles update: comma-separated fields to change");
ABSL_FLAG(std::string, etag, "", "Etag the profile must still have");
// Listing.
ABSL_FLAG(std::string, filter, "", "profiles list: e.g. team = \"noord\"");
ABSL_FLAG(int, page_size, 0, "Page size for listings (0: server default)");
// Assessments.
ABSL_FLAG(std::string, rater_role, "", "assess: self, peer, manager, assessor");
ABSL_FLAG(std::string, rater, "", "assess: pseudonymous id of the rater");
ABSL_FLAG(std::string, assessment_id, "",
          "assess: id that makes it idempotent");
ABSL_FLAG(std::string, evidence, "", "assess: evidence note for every rating");
// Matching.
ABSL_FLAG(std::vector<std::string>, param, {},
          "match: matcher parameters NAME=VALUE (repeat or comma-separate)");
// Teams.
ABSL_FLAG(std::string, team, "", "team: select the members of this team");
ABSL_FLAG(bool, people, false,
          "team score: a row per person too; export team: print the "
          "people rows");
ABSL_FLAG(bool, no_mutual, false,
          "team mentors: no two people mentor each other");
// Gap reports.
ABSL_FLAG(std::string, policy, "",
          "gaps: weighted, latest, highest, lowest or decaying");
ABSL_FLAG(double, half_life_days, 0, "gaps: half-life for decaying");
ABSL_FLAG(int, top, 10, "gaps: how many top gaps to show");
ABSL_FLAG(bool, all, false, "gaps: show every indicator, not only the top");
// Import and export.
ABSL_FLAG(bool, partial, false,
          "import: write the valid rows, report the others (exit status 1)");
ABSL_FLAG(bool, dry_run, false, "import: check the file, write nothing");
ABSL_FLAG(std::string, format, "",
          "export: csv or json (default csv, json with --json)");
ABSL_FLAG(std::string, out, "", "export: write to this file, not stdout");
ABSL_FLAG(std::string, html, "", "team report: the HTML file to write");
// Tokens (development).
ABSL_FLAG(std::string, secret_file, "",
          "token mint: the HS256 secret file (the server's --jwt_keys)");
ABSL_FLAG(std::string, org, "", "token mint: organisation id, or * for all");
ABSL_FLAG(std::vector<std::string>, roles, {},
          "token mint: admin, assessor, reader, self (comma-separated)");
ABSL_FLAG(std::string, person, "",
          "token mint: own person id (role self); audit: only events about "
          "this person");
ABSL_FLAG(std::string, sub, "cli", "token mint: the caller id (sub claim)");
ABSL_FLAG(std::string, ttl, "1h", "token mint: lifetime, e.g. 30m, 8h");
ABSL_FLAG(std::string, issuer, "", "token mint: iss claim (none when empty)");
ABSL_FLAG(std::string, audience, "", "token mint: aud claim (none when empty)");
// Audit trail.
ABSL_FLAG(std::string, caller, "", "audit: only events by this caller (sub)");
ABSL_FLAG(std::string, since, "",
          "audit: only events at or after this RFC 3339 time");
ABSL_FLAG(std::string, until, "",
          "audit: only events before this RFC 3339 time");
ABSL_FLAG(int, limit, 0, "audit: list at most N events (0: all)");

namespace v1 = vakwijzer::v1;

namespace {

constexpr char kUsage[] =
    R"(vakwijzer: client of the Vakwijzer gRPC API (vakwijzer.v1).

Usage: vakwijzer [--server=HOST:PORT] [--json] [--token_file=FILE]
                 [--tls_ca=PEM [--tls_cert=PEM --tls_key=PEM]]
                 COMMAND ARGS... [FLAGS]

Connection
  --server=HOST:PORT                   the server (default 127.0.0.1:50051)
  --token_file=FILE                    the JWT in FILE (whitespace around it
                                       stripped) goes with every call as
                                       "authorization: Bearer ..."; without
                                       it, the token in $VAKWIJZER_TOKEN
  --tls_ca=PEM                         TLS, trusting this root CA; without
                                       it the connection is plaintext and
                                       the token readable on the network
  --tls_cert=PEM --tls_key=PEM         a client certificate (mutual TLS)

Frameworks
  frameworks                           list the loaded frameworks
  framework ID [--track=hbo]           clusters and competencies of one

Profiles (ORG is an organisation id, PERSON a pseudonymous person id)
  profiles list ORG [--filter='team = "noord"'] [--page_size=N]
  profiles get ORG PERSON
  profiles create ORG PERSON --track=hbo [--display_name=..] [--teams=a,b]
                  [--role=..] [--target_stage=..] [--mentoring_capacity=N]
                  [--caseload_capacity=N]
  profiles update ORG PERSON --update_mask=role,teams [--role=..] [--etag=..]
  profiles delete ORG PERSON [--etag=..]   erases the assessments too

Assessments
  assess ORG PERSON --rater_role=manager --rater=ID INDICATOR=LEVEL...
  assessments ORG PERSON

Gap reports
  gaps ORG PERSON [--policy=weighted|latest|highest|lowest|decaying]
                  [--half_life_days=N] [--top=N] [--all]

Catalogue (KIND is modules, roles or cases)
  KIND list ORG | KIND get ORG ID | KIND delete ORG ID [--etag=..]
  KIND create ORG ID FILE | KIND update ORG ID FILE [--update_mask=..]
                             FILE: the item in text format, e.g. for a
                             module: title: "…" hours: 8 develops { … }
  catalog load FILE          create every item of a text-format
                             vakwijzer.v1.CatalogBundle (data/demo/catalog.textproto)

Teams (select with --team=T, --role=R, --track=T)
  team score ORG [--people]            gaps, share at target, bus factor per
                                       indicator, competency and cluster
  team mentors ORG [--no_mutual]       exact maximum-weight mentor assignment
                                       within mentoring capacities; with
                                       --no_mutual never both A->B and B->A
  team training ORG --param=budget_cost=EUR[,max_sessions=N,max_hours_per_person=H]
                                       group training closing the most team gap
  team staff ORG [CASE...]             assign cases (all when none given) to
                                       staff within caseload capacity
  team report ORG --html=FILE          one self-contained HTML page: key
                                       figures, a gap heatmap per member and
                                       competency, clusters, mentor pairs

Import and export (column layouts, examples and rules: docs/csv.md)
  import people ORG FILE.csv [--partial] [--dry_run]
        header: person_id,track required; display_name,target_stage,teams,
        role,languages,region,mentoring_capacity,caseload_capacity,
        current_caseload optional, in any order; teams and languages are
        ';'-separated lists
  import assessments ORG FILE.csv [--partial] [--dry_run]
        one rating per row; header: person_id,assessment_id,rater_role,
        indicator,level required; assess_time (RFC 3339, e.g.
        2024-03-01T09:30:00Z),rater,evidence optional. Rows with the same
        person_id and assessment_id form one assessment; indicators and
        levels are checked against each person's framework first; a re-run
        skips assessments already imported
  import json ORG FILE.json [--partial] [--dry_run]
        a vakwijzer.v1.ImportBundle in JSON: people with their assessments
  export gaps ORG [PERSON...] [--format=csv|json] [--out=FILE] [--policy=P]
        a row per person and indicator (all people of ORG when none given):
        person_id,track,target_stage,indicator,competency,cluster,level,
        target,gap,known,rating_count,spread,disagreement,blind_spot
  export team ORG [--team=T] [--format=csv|json] [--out=FILE] [--people]
        a row per indicator: indicator,competency,cluster,people,unknown,
        mean_gap,share_at_target,bus_factor,dist_0..dist_N; --out=F.csv
        also writes the people to F.people.csv (without --out, --people
        prints them instead); json: every part of the ScoreTeam stream

  An error names FILE:LINE:COLUMN. Nothing is written when the file has
  an error, and profiles created before the server rejects a row are
  deleted again; with --partial the valid rows are written and the others
  reported. Assessments cannot be deleted, so they are all checked before
  the first is written. Exported cells that start with = + - @, a tab or
  a CR and are not numbers get a leading ' (no spreadsheet formulas).
  A progress bar shows on stderr when it is a terminal.

Personal data and the audit trail
  export person ORG PERSON [--out=FILE]
        everything stored about one person (profile, assessments with
        evidence, audit events about them) as canonical protobuf JSON;
        --out=FILE is created readable by its owner only
  audit ORG [--person=P] [--caller=SUB] [--since=RFC3339] [--until=RFC3339]
            [--limit=N]
        audit events, oldest first: time, caller, roles, rpc, resource,
        outcome (e.g. --since=2025-01-31T00:00:00Z); --json for all fields

Tokens (for development and tests; real tokens come from an identity
provider)
  token mint --secret_file=F --org=O --roles=r1,r2 [--person=P] [--sub=S]
             [--ttl=1h] [--issuer=I] [--audience=A]
        prints an HS256 JWT signed with the secret file the server verifies
        with (vakwijzerd --auth=jwt --jwt_keys=F; at least 32 bytes, one
        trailing newline ignored); --org=* grants every organisation;
        roles: admin, assessor, reader, self (self needs --person)
        e.g. export VAKWIJZER_TOKEN=$(vakwijzer token mint --secret_file=F
             --org=demo --roles=reader)

Matching (SUBJECT relative to ORG: people/ID, roles/ID or cases/ID)
  matchers                             list matchers and their parameters
  match ORG MATCHER SUBJECT [--param=NAME=VALUE,...] [--page_size=N]
  batch ORG MATCHER [SUBJECT...]       one matcher over many subjects (every
                                       person when none given), streamed
  training ORG PERSON [--param=budget_hours=24,...]   = match ORG training people/PERSON
  mentors ORG PERSON                                  = match ORG mentor people/PERSON
  rolefit ORG SUBJECT                                 = match ORG role-fit SUBJECT
  staff ORG CASE                                      = match ORG case-staffing cases/CASE

Example
  vakwijzer gaps demo sw-001
  vakwijzer --token_file=reader.jwt --tls_ca=ca.pem --server=vw.example:443 \
      profiles list demo
  vakwijzer training demo sw-001 --param=budget_hours=24
  vakwijzer staff demo crisis-huisuitzetting
  vakwijzer assess demo sw-001 --rater_role=self hbo-6.1-1=3 hbo-6.1-2=2

Exit status: 0 on success, 1 when an import file has errors or the server
rejected rows of it, 2 on a usage error or a file that cannot be read or
written, otherwise 10 + the gRPC status code of the failed call (e.g. 13
for INVALID_ARGUMENT, 15 for NOT_FOUND, 17 for PERMISSION_DENIED, 26 for
UNAUTHENTICATED).)";

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CallError {
  grpc::Status status;
};

void Check(const grpc::Status& status) {
  if (!status.ok()) throw CallError{status};
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(
                            absl::GetFlag(FLAGS_timeout) * 1000)));
  return context;
}

std::string Json(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

std::string PersonName(const std::string& org, const std::string& person) {
  return absl::StrCat("organizations/", org, "/people/", person);
}

std::string Level(double level) { return absl::StrFormat("%.2f", level); }

std::string Percent(double share) {
  return absl::StrFormat("%3.0f%%", share * 100);
}

// `text` with control characters (C0, DEL) shown as '?'.
std::string Printable(std::string text) {
  for (char& c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  return text;
}

// Cuts `text` to at most `width` characters (not bytes: the framework is
// Dutch UTF-8).
std::string Clip(const std::string& text, size_t width) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (++chars > width) return text.substr(0, i) + "…";
    }
  }
  return text;
}

void PrintProfile(const v1::Profile& p) {
  std::cout << p.name() << "\n"
            << "  display name:  " << p.display_name() << "\n"
            << "  framework:     " << p.framework() << "\n"
            << "  track:         " << p.track() << "\n"
            << "  target stage:  " << p.target_stage() << "\n"
            << "  teams:         " << absl::StrJoin(p.teams(), ", ") << "\n"
            << "  role:          " << p.role() << "\n"
            << "  capacity:      mentoring " << p.mentoring_capacity()
            << ", caseload " << p.caseload_capacity() << "\n"
            << "  assessments:   " << p.assessment_count() << "\n"
            << "  etag:          " << p.etag() << "\n";
  for (const auto& [key, value] : p.attributes()) {
    std::cout << "  " << key << ": " << value << "\n";
  }
}

v1::Profile ProfileFromFlags() {
  v1::Profile p;
  p.set_track(absl::GetFlag(FLAGS_track));
  p.set_display_name(absl::GetFlag(FLAGS_display_name));
  p.set_target_stage(absl::GetFlag(FLAGS_target_stage));
  p.set_role(absl::GetFlag(FLAGS_role));
  p.set_framework(absl::GetFlag(FLAGS_framework));
  p.set_mentoring_capacity(absl::GetFlag(FLAGS_mentoring_capacity));
  p.set_caseload_capacity(absl::GetFlag(FLAGS_caseload_capacity));
  for (absl::string_view team :
       absl::StrSplit(absl::GetFlag(FLAGS_teams), ',', absl::SkipEmpty())) {
    p.add_teams(std::string(team));
  }
  p.set_etag(absl::GetFlag(FLAGS_etag));
  return p;
}

v1::RaterRole ParseRaterRole(const std::string& text) {
  static const std::map<std::string, v1::RaterRole> kRoles = {
      {"self", v1::SELF},
      {"peer", v1::PEER},
      {"manager", v1::MANAGER},
      {"assessor", v1::ASSESSOR}};
  auto it = kRoles.find(text);
  if (it == kRoles.end()) {
    throw UsageError("--rater_role must be self, peer, manager or assessor");
  }
  return it->second;
}

v1::AggregationPolicy ParsePolicy(const std::string& text) {
  if (text.empty()) return v1::AGGREGATION_POLICY_UNSPECIFIED;
  v1::AggregationPolicy policy;
  std::string upper = text;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  if (!v1::AggregationPolicy_Parse(upper, &policy) ||
      policy == v1::AGGREGATION_POLICY_UNSPECIFIED) {
    throw UsageError(
        "--policy must be weighted, latest, highest, lowest or decaying");
  }
  return policy;
}

// The time of `flag`=`text` (RFC 3339, e.g. 2025-01-31T09:30:00Z);
// nullopt when `text` is empty.
std::optional<google::protobuf::Timestamp> ParseRfc3339(
    const char* flag, const std::string& text) {
  if (text.empty()) return std::nullopt;
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    throw UsageError(absl::StrCat(flag, "=", text,
                                  ": not an RFC 3339 time such as "
                                  "2025-01-31T09:30:00Z (",
                                  error, ")"));
  }
  const absl::Duration since_epoch = t - absl::UnixEpoch();
  const absl::Duration whole = absl::Floor(since_epoch, absl::Seconds(1));
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToInt64Seconds(whole));
  ts.set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(since_epoch - whole)));
  return ts;
}

void Need(const std::vector<std::string>& args, size_t n,
          const char* synopsis) {
  if (args.size() != n) throw UsageError(absl::StrCat("usage: ", synopsis));
}

class Client {
 public:
  explicit Client(std::shared_ptr<grpc::Channel> channel)
      : channel_(channel),
        frameworks_(v1::FrameworkService::NewStub(channel)),
        profiles_(v1::ProfileService::NewStub(channel)),
        match_team_(v1::TeamService::NewStub(channel)),
        catalog_(v1::CatalogService::NewStub(channel)),
        match_(v1::MatchService::NewStub(channel)),
        audit_(v1::AuditService::NewStub(channel)) {}

  void Run(const std::vector<std::string>& args) {
    const std::string& cmd = args[0];
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (cmd == "frameworks") return ListFrameworks();
    if (cmd == "framework") return GetFramework(rest);
    if (cmd == "profiles") return Profiles(rest);
    if (cmd == "assess") return Assess(rest);
    if (cmd == "assessments") return Assessments(rest);
    if (cmd == "gaps") return Gaps(rest);
    if (cmd == "modules" || cmd == "roles" || cmd == "cases") {
      return Catalog(cmd, rest);
    }
    if (cmd == "catalog") return LoadCatalog(rest);
    if (cmd == "team") return Team(rest);
    if (cmd == "import") return Import(rest);
    if (cmd == "export") return Export(rest);
    if (cmd == "audit") return Audit(rest);
    if (cmd == "matchers") return ListMatchers();
    if (cmd == "match") return Match(rest);
    if (cmd == "batch") return Batch(rest);
    static const std::map<std::string, std::pair<std::string, std::string>>
        kShortcuts = {{"training", {"training", "people/"}},
                      {"mentors", {"mentor", "people/"}},
                      {"rolefit", {"role-fit", ""}},
                      {"staff", {"case-staffing", "cases/"}}};
    if (auto it = kShortcuts.find(cmd); it != kShortcuts.end()) {
      Need(rest, 2, (cmd + " ORG SUBJECT").c_str());
      return Match({rest[0], it->second.first, it->second.second + rest[1]});
    }
    throw UsageError(absl::StrCat("unknown command \"", cmd, "\""));
  }

  // The exit status of the command run (0 unless it says otherwise).
  int exit_code() const { return exit_code_; }

 private:
  vakwijzer::cli::CommandOptions IoOptions() const {
    vakwijzer::cli::CommandOptions options;
    options.timeout_seconds = absl::GetFlag(FLAGS_timeout);
    options.partial = absl::GetFlag(FLAGS_partial);
    options.dry_run = absl::GetFlag(FLAGS_dry_run);
    options.progress = vakwijzer::cli::WantProgress(absl::GetFlag(FLAGS_json));
    options.format = absl::GetFlag(FLAGS_format);
    if (options.format.empty()) {
      options.format = absl::GetFlag(FLAGS_json) ? "json" : "csv";
    }
    if (options.format != "csv" && options.format != "json") {
      throw UsageError("--format must be csv or json");
    }
    options.out = absl::GetFlag(FLAGS_out);
    options.people = absl::GetFlag(FLAGS_people);
    options.policy = ParsePolicy(absl::GetFlag(FLAGS_policy));
    options.half_life_days = absl::GetFlag(FLAGS_half_life_days);
    return options;
  }

  void Import(const std::vector<std::string>& args) {
    constexpr char kSynopsis[] =
        "import people|assessments|json ORG FILE [--partial] [--dry_run]";
    Need(args, 3, kSynopsis);
    vakwijzer::cli::ImportExport io(channel_, IoOptions(), &std::cout,
                                    &std::cerr);
    if (args[0] == "people") {
      exit_code_ = io.ImportPeople(args[1], args[2]);
    } else if (args[0] == "assessments") {
      exit_code_ = io.ImportAssessments(args[1], args[2]);
    } else if (args[0] == "json") {
      exit_code_ = io.ImportJson(args[1], args[2]);
    } else {
      throw UsageError(absl::StrCat("usage: ", kSynopsis));
    }
  }

  void Export(const std::vector<std::string>& args) {
    if (args.size() < 2 ||
        (args[0] != "gaps" && args[0] != "team" && args[0] != "person")) {
      throw UsageError(
          "usage: export gaps ORG [PERSON...] | export team ORG "
          "[--format=csv|json] [--out=FILE] | export person ORG PERSON "
          "[--out=FILE]");
    }
    if (args[0] == "person") {
      Need(args, 3, "export person ORG PERSON [--out=FILE]");
      return ExportPerson(args[1], args[2]);
    }
    vakwijzer::cli::ImportExport io(channel_, IoOptions(), &std::cout,
                                    &std::cerr);
    if (args[0] == "gaps") {
      exit_code_ = io.ExportGaps(
          args[1], std::vector<std::string>(args.begin() + 2, args.end()));
      return;
    }
    Need(args, 2, "export team ORG [--team=T] [--format=csv|json] [--out=F]");
    exit_code_ = io.ExportTeam(Selector(args[1]));
  }

  // export person: ProfileService.ExportPersonData as canonical JSON.
  void ExportPerson(const std::string& org, const std::string& person) {
    v1::ExportPersonDataRequest request;
    request.set_name(PersonName(org, person));
    v1::PersonDataExport data;
    Check(profiles_->ExportPersonData(Context().get(), request, &data));
    std::string json;
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    if (auto s =
            google::protobuf::util::MessageToJsonString(data, &json, options);
        !s.ok()) {
      throw UsageError(absl::StrCat("cannot print the export as JSON: ",
                                    s.message().ToString()));
    }
    const std::string file = absl::GetFlag(FLAGS_out);
    if (file.empty()) {
      std::cout << json << std::flush;
      return;
    }
    // Personal data: readable by the owner only, from the start.
    const int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
      throw UsageError(
          absl::StrCat("cannot write ", file, ": ", std::strerror(errno)));
    }
    fchmod(fd, 0600);  // an existing file keeps its mode on O_TRUNC
    size_t done = 0;
    while (done < json.size()) {
      ssize_t n = write(fd, json.data() + done, json.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const std::string error = std::strerror(errno);
        close(fd);
        throw UsageError(absl::StrCat("cannot write ", file, ": ", error));
      }
      done += static_cast<size_t>(n);
    }
    if (close(fd) != 0) {
      throw UsageError(
          absl::StrCat("cannot write ", file, ": ", std::strerror(errno)));
    }
    std::cout << "wrote the data of " << request.name() << " ("
              << data.assessments_size() << " assessments, "
              << data.audit_events_size() << " audit events) to " << file
              << "\n";
  }

  // audit: ListAuditEvents across pages, up to --limit events.
  void Audit(const std::vector<std::string>& args) {
    constexpr char kSynopsis[] =
        "audit ORG [--person=P] [--caller=SUB] [--since=RFC3339] "
        "[--until=RFC3339] [--limit=N]";
    Need(args, 1, kSynopsis);
    const int limit = absl::GetFlag(FLAGS_limit);
    if (limit < 0) throw UsageError("--limit must not be negative");
    v1::ListAuditEventsRequest request;
    request.set_parent(absl::StrCat("organizations/", args[0]));
    request.set_person(absl::GetFlag(FLAGS_person));
    request.set_caller(absl::GetFlag(FLAGS_caller));
    if (auto t = ParseRfc3339("--since", absl::GetFlag(FLAGS_since))) {
      *request.mutable_start_time() = *t;
    }
    if (auto t = ParseRfc3339("--until", absl::GetFlag(FLAGS_until))) {
      *request.mutable_end_time() = *t;
    }
    int page_size = absl::GetFlag(FLAGS_page_size);
    if (limit > 0 && (page_size == 0 || page_size > limit)) {
      page_size = std::min(limit, 1000);
    }
    request.set_page_size(page_size);
    const bool json = absl::GetFlag(FLAGS_json);
    v1::ListAuditEventsResponse all;  // --json: every event, one document
    int count = 0;
    bool more = false;
    do {
      v1::ListAuditEventsResponse response;
      Check(audit_->ListAuditEvents(Context().get(), request, &response));
      for (const v1::AuditEvent& e : response.events()) {
        if (limit > 0 && count == limit) {
          more = true;
          break;
        }
        ++count;
        if (json) {
          *all.add_events() = e;
          continue;
        }
        // Callers come from tokens: no control characters to the terminal.
        std::cout << absl::StrFormat(
            "%-24s %-16s %-20s %-48s %-44s %s\n",
            google::protobuf::util::TimeUtil::ToString(e.time()),
            Printable(e.caller()),
            e.roles().empty() ? "-" : Printable(absl::StrJoin(e.roles(), ",")),
            Printable(e.rpc()), Printable(e.resource()),
            Printable(e.outcome()));
      }
      request.set_page_token(response.next_page_token());
      if (limit > 0 && count == limit && !request.page_token().empty()) {
        more = true;
      }
    } while (!more && !request.page_token().empty());
    if (json) {
      std::cout << Json(all);
      return;
    }
    std::cout << count << " events" << (more ? " (--limit reached)" : "")
              << "\n";
  }

  static v1::TeamSelector Selector(const std::string& org) {
    v1::TeamSelector selector;
    selector.set_parent(absl::StrCat("organizations/", org));
    selector.set_team(absl::GetFlag(FLAGS_team));
    selector.set_role(absl::GetFlag(FLAGS_role));
    selector.set_track(absl::GetFlag(FLAGS_track));
    return selector;
  }

  void ListFrameworks() {
    v1::ListFrameworksRequest request;
    request.set_summary_only(true);
    v1::ListFrameworksResponse response;
    Check(frameworks_->ListFrameworks(Context().get(), request, &response));
    if (absl::GetFlag(FLAGS_json)) {
      std::cout << Json(response);
      return;
    }
    for (const v1::Framework& fw : response.frameworks()) {
      std::vector<std::string> tracks, stages;
      for (const auto& t : fw.tracks()) tracks.push_back(t.id());
      for (const auto& s : fw.stages()) {
        stages.push_back(absl::StrCat(s.id(), "=", s.target_level()));
      }
      std::cout << fw.name() << "  version " << fw.version() << "\n  "
                << fw.title() << "\n  tracks: " << absl::StrJoin(tracks, ", ")
                << "; stages: " << absl::StrJoin(stages, ", ")
                << "; default stage: " << fw.default_stage() << "\n";
    }
  }

  void GetFramework(const std::vector<std::string>& args) {
    Need(args, 1, "framework ID [--track=T]");
    v1::GetFrameworkRequest request;
    request.set_name(absl::StrCat("frameworks/", args[0]));
    request.set_track(absl::GetFlag(FLAGS_track));
    v1::Framework fw;
    Check(frameworks_->GetFramework(Context().get(), request, &fw));
    if (absl::GetFlag(FLAGS_json)) {
      std::cout << Json(fw);
      return;
    }
    std::cout << fw.name() << " (" << fw.version() << "): " << fw.title()
              << "\nScale:";
    for (const auto& l : fw.scale().levels()) {
      std::cout << "  " << l.level() << " " << l.label();
    }
    std::cout << "\n";
    for (const v1::Cluster& c : fw.clusters()) {
      std::cout << "\n" << c.code() << "  " << c.title() << "\n";
      for (const v1::Competency& k : c.competencies()) {
        std::map<std::string, int> per_track;
        for (const auto& i : k.indicators()) ++per_track[i.track()];
        std::vector<std::string> counts;
        for (const auto& [t, n] : per_track) {
          counts.push_back(absl::StrCat(t, " ", n));
        }
        std::cout << "   " << k.code() << "  " << Clip(k.title(), 70) << "  ["
                  << absl::StrJoin(counts, ", ") << "]\n";
      }
    }
  }

  void Profiles(const std::vector<std::string>& args) {
    if (args.empty())
      throw UsageError("usage: profiles list|get|create|update|delete ...");
    const std::string& sub = args[0];
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (sub == "list") {
      Need(rest, 1, "profiles list ORG [--filter=F]");
      v1::ListProfilesRequest request;
      request.set_parent(absl::StrCat("organizations/", rest[0]));
      request.set_filter(absl::GetFlag(FLAGS_filter));
      request.set_page_size(absl::GetFlag(FLAGS_page_size));
      int count = 0;
      v1::ListProfilesResponse all;  // --json: every page as one document
      do {
        v1::ListProfilesResponse response;
        Check(profiles_->ListProfiles(Context().get(), request, &response));
        if (absl::GetFlag(FLAGS_json)) all.MergeFrom(response);
        for (const v1::Profile& p : response.profiles()) {
          if (!absl::GetFlag(FLAGS_json)) {
            std::cout << absl::StrFormat(
                "%-12s %-24s %-4s %-13s %-32s %s\n",
                p.name().substr(p.name().rfind('/') + 1),
                Clip(p.display_name(), 24), p.track(), p.target_stage(),
                Clip(p.role(), 32), absl::StrJoin(p.teams(), ","));
          }
          ++count;
        }
        request.set_page_token(response.next_page_token());
      } while (!request.page_token().empty());
      if (absl::GetFlag(FLAGS_json)) {
        all.clear_next_page_token();
        std::cout << Json(all);
      } else {
        std::cout << count << " profiles\n";
      }
    } else if (sub == "get") {
      Need(rest, 2, "profiles get ORG PERSON");
      v1::GetProfileRequest request;
      request.set_name(PersonName(rest[0], rest[1]));
      v1::Profile p;
      Check(profiles_->GetProfile(Context().get(), request, &p));
      absl::GetFlag(FLAGS_json) ? void(std::cout << Json(p)) : PrintProfile(p);
    } else if (sub == "create") {
      Need(rest, 2, "profiles create ORG PERSON --track=T ...");
      v1::CreateProfileRequest request;
      request.set_parent(absl::StrCat("organizations/", rest[0]));
      request.set_profile_id(rest[1]);
      *request.mutable_profile() = ProfileFromFlags();
      v1::Profile p;
      Check(profiles_->CreateProfile(Context().get(), request, &p));
      absl::GetFlag(FLAGS_json) ? void(std::cout << Json(p)) : PrintProfile(p);
    } else if (sub == "update") {
      Need(rest, 2, "profiles update ORG PERSON --update_mask=F,.. ...");
      v1::UpdateProfileRequest request;
      *request.mutable_profile() = ProfileFromFlags();
      request.mutable_profile()->set_name(PersonName(rest[0], rest[1]));
      for (absl::string_view path : absl::StrSplit(
               absl::GetFlag(FLAGS_update_mask), ',', absl::SkipEmpty())) {
        request.mutable_update_mask()->add_paths(std::string(path));
      }
      if (request.update_mask().paths().empty()) {
        throw UsageError("profiles update needs --update_mask");
      }
      v1::Profile p;
      Check(profiles_->UpdateProfile(Context().get(), request, &p));
      absl::GetFlag(FLAGS_json) ? void(std::cout << Json(p)) : PrintProfile(p);
    } else if (sub == "delete") {
      Need(rest, 2, "profiles delete ORG PERSON");
      v1::DeleteProfileRequest request;
      request.set_name(PersonName(rest[0], rest[1]));
      request.set_etag(absl::GetFlag(FLAGS_etag));
      google::protobuf::Empty empty;
      Check(profiles_->DeleteProfile(Context().get(), request, &empty));
      std::cout << "deleted " << request.name() << " and its assessments\n";
    } else {
      throw UsageError(absl::StrCat("unknown subcommand profiles ", sub));
    }
  }

  void Assess(const std::vector<std::string>& args) {
    if (args.size() < 3) {
      throw UsageError(
          "usage: assess ORG PERSON --rater_role=R [--rater=ID] "
          "INDICATOR=LEVEL...");
    }
    v1::RecordAssessmentRequest request;
    request.set_parent(PersonName(args[0], args[1]));
    request.set_assessment_id(absl::GetFlag(FLAGS_assessment_id));
    v1::Assessment* a = request.mutable_assessment();
    a->set_rater_role(ParseRaterRole(absl::GetFlag(FLAGS_rater_role)));
    a->set_rater(absl::GetFlag(FLAGS_rater));
    for (size_t i = 2; i < args.size(); ++i) {
      std::pair<std::string, std::string> kv =
          absl::StrSplit(args[i], absl::MaxSplits('=', 1));
      int level = 0;
      if (kv.first.empty() || !absl::SimpleAtoi(kv.second, &level)) {
        throw UsageError(
            absl::StrCat("\"", args[i], "\" is not INDICATOR=LEVEL"));
      }
      v1::Rating* r = a->add_ratings();
      r->set_indicator(kv.first);
      r->set_level(level);
      r->set_evidence(absl::GetFlag(FLAGS_evidence));
    }
    v1::Assessment out;
    Check(profiles_->RecordAssessment(Context().get(), request, &out));
    if (absl::GetFlag(FLAGS_json)) {
      std::cout << Json(out);
      return;
    }
    std::cout << "recorded " << out.name() << " (" << out.ratings_size()
              << " ratings)\n";
  }

  void Assessments(const std::vector<std::string>& args) {
    Need(args, 2, "assessments ORG PERSON");
    v1::ListAssessmentsRequest request;
    request.set_parent(PersonName(args[0], args[1]));
    request.set_page_size(absl::GetFlag(FLAGS_page_size));
    v1::ListAssessmentsResponse all;  // --json: every page as one document
    do {
      v1::ListAssessmentsResponse response;
      Check(profiles_->ListAssessments(Context().get(), request, &response));
      if (absl::GetFlag(FLAGS_json)) all.MergeFrom(response);
      for (const v1::Assessment& a : response.assessments()) {
        if (absl::GetFlag(FLAGS_json)) continue;
        std::cout << absl::StrFormat(
            "%-16s %s  %-8s %-16s %3d ratings\n",
            a.name().substr(a.name().rfind('/') + 1),
            google::protobuf::util::TimeUtil::ToString(a.assess_time())
                .substr(0, 10),
            v1::RaterRole_Name(a.rater_role()), a.rater(), a.ratings_size());
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    if (absl::GetFlag(FLAGS_json)) {
      all.clear_next_page_token();
      std::cout << Json(all);
    }
  }

  void Gaps(const std::vector<std::string>& args) {
    Need(args, 2, "gaps ORG PERSON [--policy=P] [--top=N] [--all]");
    v1::GetGapReportRequest request;
    request.set_name(PersonName(args[0], args[1]));
    request.set_policy(ParsePolicy(absl::GetFlag(FLAGS_policy)));
    request.set_half_life_days(absl::GetFlag(FLAGS_half_life_days));
    request.set_top_n(absl::GetFlag(FLAGS_top));
    v1::GapReport r;
    Check(profiles_->GetGapReport(Context().get(), request, &r));
    if (absl::GetFlag(FLAGS_json)) {
      std::cout << Json(r);
      return;
    }
    const v1::GapSummary& o = r.overall();
    std::cout << "Gap report " << r.person() << "\n  " << r.framework() << " ("
              << r.framework_version() << "), track " << r.track()
              << ", target " << r.target_stage() << " (level "
              << r.target_level() << "), policy "
              << v1::AggregationPolicy_Name(r.policy()) << ", "
              << r.assessment_count() << " assessments\n"
              << "  readiness " << Percent(o.readiness()) << "; of "
              << o.known_count() << " rated indicators "
              << Percent(o.share_at_target()) << " at target, mean gap "
              << Level(o.mean_gap()) << "; coverage " << Percent(o.coverage())
              << " (" << o.unknown_count() << " of " << o.indicator_count()
              << " never rated); " << o.blind_spot_count() << " blind spots, "
              << o.disagreement_count() << " disagreements\n\n";
    std::cout << absl::StrFormat("  %-3s %-44s %9s %8s %9s %7s\n", "",
                                 "cluster", "readiness", "mean gap",
                                 "at target", "unknown");
    for (const v1::GapSummary& c : r.clusters()) {
      std::cout << absl::StrFormat(
          "  %-3s %-44s %9s %8s %9s %7d\n", c.code(), Clip(c.title(), 44),
          Percent(c.readiness()), Level(c.mean_gap()),
          Percent(c.share_at_target()), c.unknown_count());
    }
    std::map<std::string, const v1::IndicatorGap*> by_id;
    for (const auto& g : r.indicators()) by_id[g.indicator()] = &g;
    auto row = [](const v1::IndicatorGap& g) {
      std::string flags;
      if (g.current().blind_spot()) flags += " blind-spot";
      if (g.current().disagreement()) flags += " disagreement";
      std::cout << absl::StrFormat(
          "  %-11s %5s %6s %5s  %s%s\n", g.indicator(),
          g.known() ? Level(g.current().level()) : "?", Level(g.target()),
          g.known() ? Level(g.gap()) : "?", Clip(g.text(), 60), flags);
    };
    std::cout << "\n  "
              << (absl::GetFlag(FLAGS_all) ? "All indicators" : "Top gaps")
              << absl::StrFormat("\n  %-11s %5s %6s %5s  %s\n", "indicator",
                                 "level", "target", "gap", "text");
    if (absl::GetFlag(FLAGS_all)) {
      for (const auto& g : r.indicators()) row(g);
    } else {
      for (const std::string& id : r.top_gaps()) row(*by_id[id]);
    }
  }

  // KIND list|get|delete for modules, roles and cases.
  void Catalog(const std::string& kind, const std::vector<std::string>& args) {
    if (args.size() < 2) {
      throw UsageError(
          absl::StrCat("usage: ", kind, " list|get|delete ORG [ID]"));
    }
    const std::string& sub = args[0];
    const std::string parent = absl::StrCat("organizations/", args[1]);
    const bool json = absl::GetFlag(FLAGS_json);
    if (sub == "list") {
      Need(args, 2, "KIND list ORG");
      v1::ListCatalogRequest request;
      request.set_parent(parent);
      request.set_page_size(absl::GetFlag(FLAGS_page_size));
      // --json: every page merged into one document.
      v1::ListModulesResponse modules;
      v1::ListRolesResponse roles;
      v1::ListCasesResponse cases;
      do {
        std::string token;
        auto row = [&](const std::string& name, const std::string& title,
                       const std::string& extra) {
          if (!json) {
            std::cout << absl::StrFormat("%-32s %-56s %s\n",
                                         name.substr(name.rfind('/') + 1),
                                         Clip(title, 56), extra);
          }
        };
        if (kind == "modules") {
          v1::ListModulesResponse r;
          Check(catalog_->ListModules(Context().get(), request, &r));
          if (json) modules.MergeFrom(r);
          for (const auto& m : r.modules()) {
            row(m.name(), m.title(),
                absl::StrFormat("%5.1f h  € %7.2f  %s", m.hours(), m.cost(),
                                m.format()));
          }
          token = r.next_page_token();
        } else if (kind == "roles") {
          v1::ListRolesResponse r;
          Check(catalog_->ListRoles(Context().get(), request, &r));
          if (json) roles.MergeFrom(r);
          for (const auto& role : r.roles()) {
            row(role.name(), role.title(),
                absl::StrCat(role.requirements_size(), " requirements"));
          }
          token = r.next_page_token();
        } else {
          v1::ListCasesResponse r;
          Check(catalog_->ListCases(Context().get(), request, &r));
          if (json) cases.MergeFrom(r);
          for (const auto& c : r.cases()) {
            row(c.name(), c.title(),
                absl::StrCat(v1::Vaarwater_Name(c.vaarwater()), ", workload ",
                             c.workload()));
          }
          token = r.next_page_token();
        }
        request.set_page_token(token);
      } while (!request.page_token().empty());
      if (json) {
        const google::protobuf::Message& all =
            kind == "modules"
                ? static_cast<const google::protobuf::Message&>(modules)
            : kind == "roles"
                ? static_cast<const google::protobuf::Message&>(roles)
                : cases;
        std::cout << Json(all);
      }
      return;
    }
    if (sub == "create" || sub == "update") {
      Need(args, 4, "KIND create|update ORG ID FILE");
      if (kind == "modules") {
        PutItem<v1::TrainingModule>(sub, kind, parent, args[2], args[3],
                                    &v1::CatalogService::Stub::CreateModule,
                                    &v1::CatalogService::Stub::UpdateModule);
      } else if (kind == "roles") {
        PutItem<v1::Role>(sub, kind, parent, args[2], args[3],
                          &v1::CatalogService::Stub::CreateRole,
                          &v1::CatalogService::Stub::UpdateRole);
      } else {
        PutItem<v1::ClientCase>(sub, kind, parent, args[2], args[3],
                                &v1::CatalogService::Stub::CreateCase,
                                &v1::CatalogService::Stub::UpdateCase);
      }
      return;
    }
    Need(args, 3, "KIND get|delete ORG ID");
    const std::string name = absl::StrCat(parent, "/", kind, "/", args[2]);
    if (sub == "delete") {
      v1::DeleteCatalogItemRequest request;
      request.set_name(name);
      request.set_etag(absl::GetFlag(FLAGS_etag));
      google::protobuf::Empty empty;
      grpc::Status status =
          kind == "modules"
              ? catalog_->DeleteModule(Context().get(), request, &empty)
          : kind == "roles"
              ? catalog_->DeleteRole(Context().get(), request, &empty)
              : catalog_->DeleteCase(Context().get(), request, &empty);
      Check(status);
      std::cout << "deleted " << name << "\n";
      return;
    }
    if (sub != "get")
      throw UsageError(absl::StrCat("unknown subcommand ", kind, " ", sub));
    v1::GetCatalogItemRequest request;
    request.set_name(name);
    std::unique_ptr<google::protobuf::Message> item;
    if (kind == "modules") {
      auto m = std::make_unique<v1::TrainingModule>();
      Check(catalog_->GetModule(Context().get(), request, m.get()));
      item = std::move(m);
    } else if (kind == "roles") {
      auto r = std::make_unique<v1::Role>();
      Check(catalog_->GetRole(Context().get(), request, r.get()));
      item = std::move(r);
    } else {
      auto c = std::make_unique<v1::ClientCase>();
      Check(catalog_->GetCase(Context().get(), request, c.get()));
      item = std::move(c);
    }
    if (json) {
      std::cout << Json(*item);
    } else {
      std::string text;
      google::protobuf::TextFormat::Printer printer;
      printer.SetUseUtf8StringEscaping(true);
      printer.PrintToString(*item, &text);
      std::cout << text;
    }
  }

  // Creates or updates one catalogue item from a text-format file of its
  // message (TrainingModule, Role or ClientCase).
  template <typename T, typename CreateRequest, typename UpdateRequest>
  void PutItem(const std::string& sub, const std::string& kind,
               const std::string& parent, const std::string& id,
               const std::string& file,
               grpc::Status (v1::CatalogService::Stub::*create)(
                   grpc::ClientContext*, const CreateRequest&, T*),
               grpc::Status (v1::CatalogService::Stub::*update)(
                   grpc::ClientContext*, const UpdateRequest&, T*)) {
    std::ifstream in(file);
    if (!in) throw UsageError(absl::StrCat("cannot open ", file));
    std::stringstream text;
    text << in.rdbuf();
    T item;
    if (!google::protobuf::TextFormat::ParseFromString(text.str(), &item)) {
      throw UsageError(absl::StrCat(file, " is not a text-format ",
                                    T::descriptor()->full_name()));
    }
    T out;
    if (sub == "create") {
      CreateRequest request;
      request.set_parent(parent);
      // The id field is the only string field besides parent: set by
      // reflection so one template serves the three kinds.
      const auto* desc = CreateRequest::descriptor();
      request.GetReflection()->SetString(&request, desc->field(1), id);
      *static_cast<T*>(request.GetReflection()->MutableMessage(
          &request, desc->field(2))) = item;
      Check(((*catalog_).*create)(Context().get(), request, &out));
    } else {
      UpdateRequest request;
      item.set_name(absl::StrCat(parent, "/", kind, "/", id));
      item.set_etag(absl::GetFlag(FLAGS_etag));
      const auto* desc = UpdateRequest::descriptor();
      *static_cast<T*>(request.GetReflection()->MutableMessage(
          &request, desc->field(0))) = item;
      for (absl::string_view path : absl::StrSplit(
               absl::GetFlag(FLAGS_update_mask), ',', absl::SkipEmpty())) {
        request.mutable_update_mask()->add_paths(std::string(path));
      }
      Check(((*catalog_).*update)(Context().get(), request, &out));
    }
    if (absl::GetFlag(FLAGS_json)) {
      std::cout << Json(out);
    } else {
      std::cout << (sub == "create" ? "created " : "updated ") << out.name()
                << " (etag " << out.etag() << ")\n";
    }
  }

  void Batch(const std::vector<std::string>& args) {
    if (args.size() < 2) {
      throw UsageError("usage: batch ORG MATCHER [SUBJECT...]");
    }
    v1::BatchMatchRequest request;
    request.set_parent(absl::StrCat("organizations/", args[0]));
    request.set_matcher(args[1]);
    for (size_t i = 2; i < args.size(); ++i) {
      request.add_subjects(absl::StrCat(request.parent(), "/", args[i]));
    }
    request.set_page_size(absl::GetFlag(FLAGS_page_size));
    for (const std::string& kv : absl::GetFlag(FLAGS_param)) {
      std::pair<std::string, std::string> p =
          absl::StrSplit(kv, absl::MaxSplits('=', 1));
      (*request.mutable_parameters())[p.first] = p.second;
    }
    const bool json = absl::GetFlag(FLAGS_json);
    auto context = Context();
    auto reader = match_->BatchMatch(context.get(), request);
    v1::BatchMatchResponse part;
    int done = 0, failed = 0;
    while (reader->Read(&part)) {
      ++done;
      if (json) {
        std::cout << Json(part);
        continue;
      }
      const std::string who =
          part.subject().substr(part.subject().rfind('/') + 1);
      if (part.error_code() != 0) {
        ++failed;
        std::cout << absl::StrFormat(
            "%-32s error %s: %s\n", who,
            vakwijzer::cli::CodeName(
                static_cast<grpc::StatusCode>(part.error_code())),
            part.error_message());
      } else if (part.response().items().empty()) {
        std::cout << absl::StrFormat("%-32s (no items) %s\n", who,
                                     part.response().summary());
      } else {
        const v1::MatchItem& top = part.response().items(0);
        std::cout << absl::StrFormat(
            "%-32s %-36s %8.3f  %d items\n", who,
            top.name().substr(top.name().rfind('/') + 1), top.score(),
            part.response().items_size());
      }
    }
    Check(reader->Finish());
    if (!json) std::cout << done << " subjects, " << failed << " failed\n";
  }

  void LoadCatalog(const std::vector<std::string>& args) {
    if (args.size() != 2 || args[0] != "load") {
      throw UsageError("usage: catalog load FILE");
    }
    std::ifstream in(args[1]);
    if (!in) throw UsageError(absl::StrCat("cannot open ", args[1]));
    std::stringstream text;
    text << in.rdbuf();
    v1::CatalogBundle bundle;
    if (!google::protobuf::TextFormat::ParseFromString(text.str(), &bundle)) {
      throw UsageError(absl::StrCat(
          args[1], " is not a text-format vakwijzer.v1.CatalogBundle"));
    }
    const std::string parent =
        absl::StrCat("organizations/", bundle.organization());
    for (const auto& m : bundle.modules()) {
      v1::CreateModuleRequest r;
      r.set_parent(parent);
      r.set_module_id(m.id());
      *r.mutable_module() = m.module();
      v1::TrainingModule out;
      Check(catalog_->CreateModule(Context().get(), r, &out));
    }
    for (const auto& role : bundle.roles()) {
      v1::CreateRoleRequest r;
      r.set_parent(parent);
      r.set_role_id(role.id());
      *r.mutable_role() = role.role();
      v1::Role out;
      Check(catalog_->CreateRole(Context().get(), r, &out));
    }
    for (const auto& c : bundle.cases()) {
      v1::CreateCaseRequest r;
      r.set_parent(parent);
      r.set_case_id(c.id());
      *r.mutable_case_() = c.case_();
      v1::ClientCase out;
      Check(catalog_->CreateCase(Context().get(), r, &out));
    }
    std::cout << "created " << bundle.modules_size() << " modules, "
              << bundle.roles_size() << " roles, " << bundle.cases_size()
              << " cases in " << parent << "\n";
  }

  void ListMatchers() {
    v1::ListMatchersResponse r;
    Check(match_->ListMatchers(Context().get(), v1::ListMatchersRequest(), &r));
    if (absl::GetFlag(FLAGS_json)) {
      std::cout << Json(r);
      return;
    }
    for (const v1::MatcherInfo& m : r.matchers()) {
      std::cout << m.name() << " " << m.version()
                << (m.external() ? " (plugin " + m.source() + ")" : "")
                << "  subject: " << m.subject() << "\n  " << m.description()
                << "\n";
      for (const v1::ParameterSpec& p : m.parameters()) {
        std::cout << absl::StrFormat(
            "    %-18s %-12s default %-8s %s\n", p.name(),
            v1::ParameterSpec::Type_Name(p.type()),
            p.default_value().empty() ? "-" : p.default_value(),
            p.description());
      }
    }
  }

  void Match(const std::vector<std::string>& args) {
    Need(args, 3, "match ORG MATCHER SUBJECT [--param=NAME=VALUE]");
    v1::MatchRequest request;
    request.set_parent(absl::StrCat("organizations/", args[0]));
    request.set_matcher(args[1]);
    request.set_subject(absl::StrCat(request.parent(), "/", args[2]));
    request.set_page_size(absl::GetFlag(FLAGS_page_size));
    for (const std::string& kv : absl::GetFlag(FLAGS_param)) {
      std::pair<std::string, std::string> p =
          absl::StrSplit(kv, absl::MaxSplits('=', 1));
      if (p.first.empty())
        throw UsageError(absl::StrCat("\"", kv, "\" is not NAME=VALUE"));
      (*request.mutable_parameters())[p.first] = p.second;
    }
    v1::MatchResponse r;
    Check(match_->Match(Context().get(), request, &r));
    if (absl::GetFlag(FLAGS_json)) {
      std::cout << Json(r);
      return;
    }
    std::cout << r.matcher() << " " << r.matcher_version() << " for "
              << r.subject() << " (request " << r.request_id() << ")\n  "
              << r.summary() << "\n\n";
    for (const v1::MatchItem& item : r.items()) {
      std::cout << absl::StrFormat(
          "%3d. %-30s %8.3f  %s\n", item.rank(),
          item.name().substr(item.name().rfind('/') + 1), item.score(),
          Clip(item.title(), 60));
      std::cout << "     " << item.explanation() << "\n";
      if (!item.unmet().empty()) {
        std::cout << "     unmet: " << absl::StrJoin(item.unmet(), "; ")
                  << "\n";
      }
    }
    if (!r.metrics().empty()) {
      std::map<std::string, double> sorted(r.metrics().begin(),
                                           r.metrics().end());
      std::vector<std::string> parts;
      for (const auto& [k, v] : sorted)
        parts.push_back(absl::StrFormat("%s %.4g", k, v));
      std::cout << "\n  " << absl::StrJoin(parts, ", ") << "\n";
    }
    if (!r.residual().empty()) {
      std::vector<std::string> parts;
      for (int i = 0; i < r.residual_size() && i < 8; ++i) {
        parts.push_back(absl::StrFormat("%s %.2f", r.residual(i).key(),
                                        r.residual(i).value()));
      }
      std::cout << "  left over: " << absl::StrJoin(parts, ", ")
                << (r.residual_size() > 8
                        ? absl::StrCat(", … (", r.residual_size(), ")")
                        : "")
                << "\n";
    }
    if (!r.excluded().empty()) {
      std::cout << "  " << r.excluded_size() << " candidates left out, e.g. "
                << r.excluded(0) << "\n";
    }
  }

  void Team(const std::vector<std::string>& args) {
    if (args.size() < 2) {
      throw UsageError("usage: team score|mentors|staff|report ORG ...");
    }
    const std::string& sub = args[0];
    const v1::TeamSelector selector = Selector(args[1]);
    const bool json = absl::GetFlag(FLAGS_json);
    auto params = [] {
      google::protobuf::Map<std::string, std::string> out;
      for (const std::string& kv : absl::GetFlag(FLAGS_param)) {
        std::pair<std::string, std::string> p =
            absl::StrSplit(kv, absl::MaxSplits('=', 1));
        out[p.first] = p.second;
      }
      return out;
    };
    auto print_pairs = [](const auto& pairs, const auto& unmatched,
                          absl::string_view left, absl::string_view right) {
      std::cout << absl::StrFormat("%-34s %-34s %8s\n", left, right, "weight");
      for (const v1::Pair& p : pairs) {
        std::cout << absl::StrFormat(
            "%-34s %-34s %8.3f\n", p.left().substr(p.left().rfind('/') + 1),
            p.right().substr(p.right().rfind('/') + 1), p.weight());
      }
      for (const v1::Unmatched& u : unmatched) {
        std::cout << "  unmatched " << u.name().substr(u.name().rfind('/') + 1)
                  << ": " << u.reason() << "\n";
      }
    };
    if (sub == "score") {
      Need(args, 2, "team score ORG [--team=T] [--people]");
      v1::ScoreTeamRequest request;
      *request.mutable_selector() = selector;
      request.set_include_people(absl::GetFlag(FLAGS_people));
      auto context = Context();
      auto reader = match_team_->ScoreTeam(context.get(), request);
      v1::ScoreTeamResponse part;
      while (reader->Read(&part)) {
        if (json) {
          std::cout << Json(part);
          continue;
        }
        if (part.has_person()) {
          const v1::PersonScore& p = part.person();
          std::cout << absl::StrFormat(
              "%-12s %-24s %-4s readiness %s  mean gap %s  coverage %s\n",
              p.person().substr(p.person().rfind('/') + 1),
              Clip(p.display_name(), 24), p.track(), Percent(p.readiness()),
              Level(p.mean_gap()), Percent(p.coverage()));
          continue;
        }
        const v1::TeamSummary& t = part.summary();
        std::cout << "\nTeam of " << t.people() << " people, " << t.framework()
                  << ": mean gap " << Level(t.overall().mean_gap())
                  << ", at target " << Percent(t.overall().share_at_target())
                  << ", " << t.overall().unknown() << " unrated\n\n"
                  << absl::StrFormat("  %-3s %-44s %8s %9s %7s %4s\n", "",
                                     "cluster", "mean gap", "at target",
                                     "unrated", "bus");
        for (const v1::TeamRollup& c : t.clusters()) {
          std::cout << absl::StrFormat(
              "  %-3s %-44s %8s %9s %7d %4d\n", c.code(), Clip(c.title(), 44),
              Level(c.mean_gap()), Percent(c.share_at_target()), c.unknown(),
              c.min_bus_factor());
        }
      }
      Check(reader->Finish());
    } else if (sub == "mentors") {
      Need(args, 2, "team mentors ORG [--team=T] [--no_mutual]");
      v1::AssignMentorsRequest request;
      *request.mutable_mentees() = selector;
      request.mutable_mentors()->set_parent(selector.parent());
      *request.mutable_parameters() = params();
      request.set_no_mutual(absl::GetFlag(FLAGS_no_mutual));
      v1::MentorAssignment r;
      Check(match_team_->AssignMentors(Context().get(), request, &r));
      if (json) {
        std::cout << Json(r);
        return;
      }
      print_pairs(r.pairs(), r.unmatched(), "mentee", "mentor");
      std::cout << absl::StrFormat(
          "total weight %.3f (%s%s)\n", r.total_weight(), r.method(),
          r.exact() ? ", optimal"
                    : absl::StrFormat(", at most %.3f", r.upper_bound()));
    } else if (sub == "training") {
      Need(args, 2, "team training ORG --param=budget_cost=EUR[,...]");
      v1::PlanTeamTrainingRequest request;
      *request.mutable_selector() = selector;
      for (const auto& [name, value] : params()) {
        double number = 0;
        if (!absl::SimpleAtod(value, &number)) {
          throw UsageError(
              absl::StrCat("--param=", name, "=", value, ": not a number"));
        }
        if (name == "budget_cost") {
          request.set_budget_cost(number);
        } else if (name == "max_sessions") {
          request.set_max_sessions(static_cast<int>(number));
        } else if (name == "max_hours_per_person") {
          request.set_max_hours_per_person(number);
        } else if (name == "include_unknown") {
          request.set_include_unknown(number != 0);
        } else {
          throw UsageError(
              absl::StrCat("team training takes budget_cost, max_sessions, "
                           "max_hours_per_person and include_unknown; not ",
                           name));
        }
      }
      v1::TeamTrainingPlan r;
      Check(match_team_->PlanTeamTraining(Context().get(), request, &r));
      if (json) {
        std::cout << Json(r);
        return;
      }
      for (const v1::TeamTrainingModule& m : r.modules()) {
        std::vector<std::string> who;
        for (const std::string& p : m.participants()) {
          who.push_back(p.substr(p.rfind('/') + 1));
        }
        std::cout << absl::StrFormat(
            "%-40s %2d sessions  € %8.2f  gain %6.2f  %s\n",
            Clip(m.title(), 40), m.sessions(), m.cost(), m.gain(),
            absl::StrJoin(who, ", "));
      }
      std::cout << absl::StrFormat(
          "closes %.2f of %.2f team gap (at most %.2f within the budget); "
          "€ %.2f, %d sessions; binding constraint: %s\n",
          r.total_gain(), r.team_gap(), r.upper_bound(), r.total_cost(),
          r.sessions(), r.binding_constraint());
    } else if (sub == "staff") {
      v1::StaffCasesRequest request;
      request.set_parent(selector.parent());
      for (size_t i = 2; i < args.size(); ++i) {
        request.add_cases(absl::StrCat(selector.parent(), "/cases/", args[i]));
      }
      *request.mutable_parameters() = params();
      v1::CaseStaffing r;
      Check(match_team_->StaffCases(Context().get(), request, &r));
      if (json) {
        std::cout << Json(r);
        return;
      }
      print_pairs(r.assignments(), r.unstaffed(), "case", "person");
      std::cout << absl::StrFormat("total score %.3f (%s%s)\n", r.total_score(),
                                   r.method(), r.exact() ? ", optimal" : "");
      for (const std::string& u : r.uncovered_must_haves()) {
        std::cout << "  must-have nobody available meets: " << u << "\n";
      }
    } else if (sub == "report") {
      Need(args, 2, "team report ORG --html=FILE [--team=T]");
      TeamReport(selector, params());
    } else {
      throw UsageError(absl::StrCat("unknown subcommand team ", sub));
    }
  }

  // team report: the team's scores and mentor assignment as one HTML page.
  void TeamReport(
      const v1::TeamSelector& selector,
      const google::protobuf::Map<std::string, std::string>& params) {
    const std::string file = absl::GetFlag(FLAGS_html);
    if (file.empty()) {
      throw UsageError("usage: team report ORG --html=FILE [--team=T]");
    }
    vakwijzer::cli::TeamReportData data;
    data.title =
        selector.team().empty()
            ? selector.parent()
            : absl::StrCat("Team ", selector.team(), " — ", selector.parent());
    data.generated_at = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(),
                                         absl::UTCTimeZone());
    v1::ScoreTeamRequest request;
    *request.mutable_selector() = selector;
    request.set_include_people(true);
    auto context = Context();
    auto reader = match_team_->ScoreTeam(context.get(), request);
    v1::ScoreTeamResponse part;
    while (reader->Read(&part)) {
      if (part.has_person()) data.people.push_back(part.person());
      if (part.has_summary()) data.summary = part.summary();
    }
    Check(reader->Finish());
    v1::AssignMentorsRequest mentors;
    *mentors.mutable_mentees() = selector;
    mentors.mutable_mentors()->set_parent(selector.parent());
    *mentors.mutable_parameters() = params;
    grpc::Status status =
        match_team_->AssignMentors(Context().get(), mentors, &data.mentors);
    if (!status.ok()) {
      // The rest of the report stands on its own; say what is missing.
      std::cerr << "vakwijzer: the report has no mentor assignment: "
                << status.error_message() << " ("
                << vakwijzer::cli::CodeName(status.error_code()) << ")\n";
      data.mentors.Clear();
    }
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << vakwijzer::cli::RenderTeamReportHtml(data);
    out.close();
    if (!out) throw UsageError(absl::StrCat("cannot write ", file));
    std::cout << "wrote the team report of " << data.people.size()
              << " people to " << file << "\n";
  }

  std::shared_ptr<grpc::Channel> channel_;
  int exit_code_ = 0;
  std::unique_ptr<v1::FrameworkService::Stub> frameworks_;
  std::unique_ptr<v1::ProfileService::Stub> profiles_;
  std::unique_ptr<v1::TeamService::Stub> match_team_;
  std::unique_ptr<v1::CatalogService::Stub> catalog_;
  std::unique_ptr<v1::MatchService::Stub> match_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
};

// token mint: prints a development JWT; needs no server.
void Token(const std::vector<std::string>& args) {
  constexpr char kSynopsis[] =
      "usage: token mint --secret_file=F --org=O --roles=r1,r2 [--person=P] "
      "[--sub=S] [--ttl=1h] [--issuer=I] [--audience=A]";
  if (args.size() != 1 || args[0] != "mint") throw UsageError(kSynopsis);
  if (absl::GetFlag(FLAGS_secret_file).empty()) {
    throw UsageError(absl::StrCat("--secret_file is required\n", kSynopsis));
  }
  vakwijzer::cli::MintOptions options;
  absl::StatusOr<std::string> secret =
      vakwijzer::cli::ReadSecretFile(absl::GetFlag(FLAGS_secret_file));
  if (!secret.ok()) throw UsageError(std::string(secret.status().message()));
  options.secret = *std::move(secret);
  options.subject = absl::GetFlag(FLAGS_sub);
  options.organization = absl::GetFlag(FLAGS_org);
  options.roles = absl::GetFlag(FLAGS_roles);
  options.person = absl::GetFlag(FLAGS_person);
  options.issuer = absl::GetFlag(FLAGS_issuer);
  options.audience = absl::GetFlag(FLAGS_audience);
  const std::string ttl = absl::GetFlag(FLAGS_ttl);
  if (!absl::ParseDuration(ttl, &options.ttl)) {
    throw UsageError(
        absl::StrCat("--ttl=", ttl, ": not a duration such as 90s, 30m, 8h"));
  }
  absl::StatusOr<std::string> token =
      vakwijzer::cli::MintToken(options, absl::Now());
  if (!token.ok()) throw UsageError(std::string(token.status().message()));
  std::cout << *token << "\n";
}

// The channel the global flags describe: TLS and the bearer token.
std::shared_ptr<grpc::Channel> Channel() {
  vakwijzer::cli::ConnectionOptions options;
  options.target = absl::GetFlag(FLAGS_server);
  options.tls_ca = absl::GetFlag(FLAGS_tls_ca);
  options.tls_cert = absl::GetFlag(FLAGS_tls_cert);
  options.tls_key = absl::GetFlag(FLAGS_tls_key);
  absl::StatusOr<std::string> token = vakwijzer::cli::ResolveToken(
      absl::GetFlag(FLAGS_token_file), std::getenv("VAKWIJZER_TOKEN"));
  if (!token.ok()) throw UsageError(std::string(token.status().message()));
  options.token = *std::move(token);
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel =
      vakwijzer::cli::Connect(options);
  if (!channel.ok()) {
    throw UsageError(std::string(channel.status().message()));
  }
  return *std::move(channel);
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  std::vector<std::string> args(positional.begin() + 1, positional.end());
  if (args.empty()) {
    std::cerr << kUsage << "\n";
    return 2;
  }
  try {
    if (args[0] == "token") {
      Token(std::vector<std::string>(args.begin() + 1, args.end()));
      return 0;
    }
    Client client(Channel());
    client.Run(args);
    return client.exit_code();
  } catch (const UsageError& e) {
    std::cerr << "vakwijzer: " << e.what() << "\n(see vakwijzer --help)\n";
    return 2;
  } catch (const CallError& e) {
    std::cerr << "vakwijzer: " << e.status.error_message() << " ("
              << vakwijzer::cli::CodeName(e.status.error_code()) << ")\n";
    return 10 + e.status.error_code();
  }
  return 0;
}
