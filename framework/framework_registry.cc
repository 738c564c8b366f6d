#include "framework/framework_registry.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/names.h"
#include "framework/text_io.h"
#include "google/protobuf/text_format.h"

namespace vakwijzer::framework {
namespace {

namespace pb = google::protobuf;

// A field path inside a Framework message, e.g. clusters[2].title; index
// -1 marks a singular field.
using FieldPath = std::vector<std::pair<std::string, int>>;

struct ValidationError {
  FieldPath path;
  std::string message;
};

std::string FormatPath(const FieldPath& path) {
  std::string out;
  for (const auto& [field, index] : path) {
    if (!out.empty()) out += '.';
    out += field;
    if (index >= 0) absl::StrAppend(&out, "[", index, "]");
  }
  return out;
}

class Validator {
 public:
  explicit Validator(const v1::Framework& fw) : fw_(fw) {}

  std::optional<ValidationError> Run() {
    Check();
    return std::move(error_);
  }

 private:
  // Records the first error only.
  void Fail(FieldPath path, std::string message) {
    if (!error_) error_ = ValidationError{std::move(path), std::move(message)};
  }
  void RequireId(const std::string& value, FieldPath path) {
    std::string field = FormatPath(path);
    if (absl::Status s = ValidateId(value, field); !s.ok()) {
      // ValidateId's message starts with the field, which Fail adds again.
      Fail(std::move(path), std::string(s.message().substr(field.size() + 2)));
    }
  }
  void RequireText(const std::string& value, FieldPath path) {
    if (value.empty()) Fail(std::move(path), "must not be empty");
  }

  void Check() {
    RequireId(fw_.id(), {{"id", -1}});
    RequireText(fw_.version(), {{"version", -1}});
    RequireText(fw_.title(), {{"title", -1}});
    if (!fw_.name().empty()) {
      Fail({{"name", -1}}, "is output only; leave it out of the file");
    }
    CheckScale();
    CheckStages();
    CheckTracks();
    CheckClusters();
    for (int r = 0; r < fw_.stage_comparison_size(); ++r) {
      const auto& row = fw_.stage_comparison(r);
      RequireText(row.aspect(), {{"stage_comparison", r}, {"aspect", -1}});
      for (const auto& [stage, text] : row.by_stage()) {
        if (!stages_.count(stage)) {
          Fail({{"stage_comparison", r}, {"by_stage", -1}},
               absl::StrCat("unknown stage \"", stage, "\""));
        }
      }
    }
  }

  void CheckScale() {
    const auto& levels = fw_.scale().levels();
    if (levels.size() < 2) {
      Fail({{"scale", -1}}, "needs at least two levels");
    }
    for (int i = 0; i < levels.size(); ++i) {
      FieldPath path = {{"scale", -1}, {"levels", i}};
      if (levels[i].level() != i) {
        path.push_back({"level", -1});
        Fail(path, absl::StrCat("levels must run 0, 1, 2, ... in order; "
                                "expected ",
                                i, ", found ", levels[i].level()));
      }
      path.push_back({"label", -1});
      RequireText(levels[i].label(), path);
    }
  }

  void CheckStages() {
    if (fw_.stages().empty())
      Fail({{"stages", -1}}, "needs at least one stage");
    for (int i = 0; i < fw_.stages_size(); ++i) {
      const v1::Stage& stage = fw_.stages(i);
      RequireId(stage.id(), {{"stages", i}, {"id", -1}});
      if (!stages_.insert(stage.id()).second) {
        Fail({{"stages", i}, {"id", -1}},
             absl::StrCat("duplicate stage \"", stage.id(), "\""));
      }
      if (stage.target_level() < 0 ||
          stage.target_level() >= fw_.scale().levels_size()) {
        Fail({{"stages", i}, {"target_level", -1}},
             absl::StrCat("level ", stage.target_level(),
                          " is not on the scale"));
      }
    }
    if (!stages_.count(fw_.default_stage())) {
      Fail({{"default_stage", -1}},
           absl::StrCat("\"", fw_.default_stage(), "\" is not a stage"));
    }
  }

  void CheckTracks() {
    if (fw_.tracks().empty())
      Fail({{"tracks", -1}}, "needs at least one track");
    for (int i = 0; i < fw_.tracks_size(); ++i) {
      const v1::Track& track = fw_.tracks(i);
      RequireId(track.id(), {{"tracks", i}, {"id", -1}});
      if (!tracks_.insert(track.id()).second) {
        Fail({{"tracks", i}, {"id", -1}},
             absl::StrCat("duplicate track \"", track.id(), "\""));
      }
    }
  }

  void CheckClusters() {
    if (fw_.clusters().empty()) {
      Fail({{"clusters", -1}}, "needs at least one cluster");
    }
    std::set<std::string> cluster_codes, competency_codes, indicator_ids;
    std::set<std::string> tracks_used;
    for (int c = 0; c < fw_.clusters_size(); ++c) {
      const v1::Cluster& cluster = fw_.clusters(c);
      FieldPath at = {{"clusters", c}};
      auto with = [&at](const char* field, int index = -1) {
        FieldPath p = at;
        p.push_back({field, index});
        return p;
      };
      RequireText(cluster.code(), with("code"));
      RequireText(cluster.title(), with("title"));
      if (!cluster_codes.insert(cluster.code()).second) {
        Fail(with("code"),
             absl::StrCat("duplicate cluster code \"", cluster.code(), "\""));
      }
      if (cluster.competencies().empty()) {
        Fail(with("competencies"), "needs at least one competency");
      }
      for (int s = 0; s < cluster.stage_profiles_size(); ++s) {
        if (!stages_.count(cluster.stage_profiles(s).stage())) {
          FieldPath p = with("stage_profiles", s);
          p.push_back({"stage", -1});
          Fail(p, absl::StrCat("unknown stage \"",
                               cluster.stage_profiles(s).stage(), "\""));
        }
      }
      for (int k = 0; k < cluster.competencies_size(); ++k) {
        const v1::Competency& comp = cluster.competencies(k);
        FieldPath cat = with("competencies", k);
        auto cwith = [&cat](const char* field, int index = -1) {
          FieldPath p = cat;
          p.push_back({field, index});
          return p;
        };
        RequireText(comp.code(), cwith("code"));
        RequireText(comp.title(), cwith("title"));
        if (!competency_codes.insert(comp.code()).second) {
          Fail(cwith("code"),
               absl::StrCat("duplicate competency code \"", comp.code(), "\""));
        }
        if (comp.indicators().empty()) {
          Fail(cwith("indicators"), "needs at least one indicator");
        }
        for (int i = 0; i < comp.indicators_size(); ++i) {
          const v1::Indicator& ind = comp.indicators(i);
          FieldPath iat = cwith("indicators", i);
          auto iwith = [&iat](const char* field) {
            FieldPath p = iat;
            p.push_back({field, -1});
            return p;
          };
          RequireId(ind.id(), iwith("id"));
          if (!indicator_ids.insert(ind.id()).second) {
            Fail(iwith("id"),
                 absl::StrCat("duplicate indicator id \"", ind.id(), "\""));
          }
          if (!tracks_.count(ind.track())) {
            Fail(iwith("track"),
                 absl::StrCat("unknown track \"", ind.track(), "\""));
          }
          tracks_used.insert(ind.track());
          RequireText(ind.text(), iwith("text"));
        }
      }
    }
    for (int t = 0; t < fw_.tracks_size(); ++t) {
      if (!tracks_used.count(fw_.tracks(t).id())) {
        Fail({{"tracks", t}}, absl::StrCat("track \"", fw_.tracks(t).id(),
                                           "\" has no indicators"));
      }
    }
  }

  const v1::Framework& fw_;
  std::optional<ValidationError> error_;
  std::set<std::string> stages_;
  std::set<std::string> tracks_;
};

// The line (1-based) where the field at `path` was written, or the closest
// enclosing one; 0 when unknown.
int LineOf(const pb::TextFormat::ParseInfoTree& root, const FieldPath& path) {
  const pb::Descriptor* desc = v1::Framework::descriptor();
  const pb::TextFormat::ParseInfoTree* tree = &root;
  int line = 0;
  for (const auto& [name, index] : path) {
    if (desc == nullptr || tree == nullptr) break;
    const pb::FieldDescriptor* field = desc->FindFieldByName(name);
    if (field == nullptr) break;
    if (field->is_repeated() && index < 0) {
      pb::TextFormat::ParseLocation loc = tree->GetLocation(field, 0);
      if (loc.line >= 0) line = loc.line + 1;
      break;
    }
    pb::TextFormat::ParseLocation loc = tree->GetLocation(field, index);
    if (loc.line >= 0) line = loc.line + 1;
    if (field->type() != pb::FieldDescriptor::TYPE_MESSAGE) break;
    tree = tree->GetTreeForNested(field, index);
    desc = field->message_type();
  }
  return line;
}

}  // namespace

FrameworkIndex::FrameworkIndex(v1::Framework framework)
    : framework_(std::move(framework)) {}

absl::StatusOr<std::unique_ptr<FrameworkIndex>> FrameworkIndex::Create(
    v1::Framework framework) {
  if (std::optional<ValidationError> error = Validator(framework).Run()) {
    return absl::InvalidArgumentError(
        absl::StrCat(FormatPath(error->path), ": ", error->message));
  }
  std::unique_ptr<FrameworkIndex> index(
      new FrameworkIndex(std::move(framework)));
  index->framework_.set_name(FrameworkName(index->framework_.id()));
  if (absl::Status s = index->Build(); !s.ok()) return s;
  return index;
}

absl::Status FrameworkIndex::Build() {
  size_t count = 0;
  for (const auto& cluster : framework_.clusters()) {
    for (const auto& comp : cluster.competencies()) {
      count += comp.indicators_size();
    }
  }
  indicators_.reserve(count);  // pointers into it stay valid
  int competency_index = 0;
  for (int c = 0; c < framework_.clusters_size(); ++c) {
    const v1::Cluster& cluster = framework_.clusters(c);
    for (const auto& comp : cluster.competencies()) {
      for (const auto& ind : comp.indicators()) {
        int ordinal = static_cast<int>(indicators_.size());
        indicators_.push_back(
            IndicatorRef{&ind, &comp, &cluster, c, competency_index, ordinal});
        indicator_by_id_[ind.id()] = ordinal;
      }
      ++competency_index;
    }
  }
  competency_count_ = competency_index;
  for (const IndicatorRef& ref : indicators_) {
    by_track_[ref.indicator->track()].push_back(&ref);
  }
  return absl::OkStatus();
}

const IndicatorRef* FrameworkIndex::FindIndicator(absl::string_view id) const {
  auto it = indicator_by_id_.find(id);
  return it == indicator_by_id_.end() ? nullptr : &indicators_[it->second];
}

const std::vector<const IndicatorRef*>& FrameworkIndex::IndicatorsOfTrack(
    absl::string_view track) const {
  static const std::vector<const IndicatorRef*> kEmpty;
  auto it = by_track_.find(track);
  return it == by_track_.end() ? kEmpty : it->second;
}

bool FrameworkIndex::HasTrack(absl::string_view track) const {
  return by_track_.find(track) != by_track_.end();
}

std::optional<int> FrameworkIndex::StageTarget(absl::string_view stage) const {
  for (const v1::Stage& s : framework_.stages()) {
    if (s.id() == stage) return s.target_level();
  }
  return std::nullopt;
}

absl::StatusOr<std::unique_ptr<FrameworkIndex>>
FrameworkRegistry::ParseFramework(absl::string_view text,
                                  absl::string_view source) {
  v1::Framework framework;
  pb::TextFormat::ParseInfoTree tree;
  if (absl::Status s = ParseTextProto(text, source, &framework, &tree);
      !s.ok()) {
    return s;
  }
  if (std::optional<ValidationError> error = Validator(framework).Run()) {
    int line = LineOf(tree, error->path);
    return absl::InvalidArgumentError(
        absl::StrCat(source, line > 0 ? absl::StrCat(":", line) : "", ": ",
                     FormatPath(error->path), ": ", error->message));
  }
  return FrameworkIndex::Create(std::move(framework));
}

absl::StatusOr<std::unique_ptr<FrameworkRegistry>>
FrameworkRegistry::LoadDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::NotFoundError(
        absl::StrCat("framework folder ", dir, " does not exist"));
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".textproto") {
      files.push_back(entry.path());
    }
  }
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot read framework folder ", dir, ": ", ec.message()));
  }
  if (files.empty()) {
    return absl::NotFoundError(
        absl::StrCat("no *.textproto framework files in ", dir));
  }
  std::sort(files.begin(), files.end());
  auto registry = std::make_unique<FrameworkRegistry>();
  std::map<std::string, std::string> source_of;
  for (const fs::path& file : files) {
    absl::StatusOr<std::string> text = ReadFile(file.string());
    if (!text.ok()) return text.status();
    absl::StatusOr<std::unique_ptr<FrameworkIndex>> fw =
        ParseFramework(*text, file.string());
    if (!fw.ok()) return fw.status();
    std::string id = (*fw)->id();
    if (absl::Status s = registry->Add(*std::move(fw)); !s.ok()) {
      return absl::AlreadyExistsError(
          absl::StrCat(file.string(), ": framework id \"", id,
                       "\" is also defined in ", source_of[id]));
    }
    source_of[id] = file.string();
  }
  return registry;
}

absl::Status FrameworkRegistry::Add(std::unique_ptr<FrameworkIndex> framework) {
  std::string id = framework->id();
  if (!frameworks_.emplace(id, std::move(framework)).second) {
    return absl::AlreadyExistsError(
        absl::StrCat("framework \"", id, "\" is already registered"));
  }
  return absl::OkStatus();
}

const FrameworkIndex* FrameworkRegistry::Find(absl::string_view id) const {
  auto it = frameworks_.find(id);
  return it == frameworks_.end() ? nullptr : it->second.get();
}

std::vector<const FrameworkIndex*> FrameworkRegistry::All() const {
  std::vector<const FrameworkIndex*> out;
  for (const auto& [id, fw] : frameworks_) out.push_back(fw.get());
  return out;
}

}  // namespace vakwijzer::framework
