#include "plugins/api/params.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/quote.h"

namespace vakwijzer::plugins {
namespace {

using Spec = v1::ParameterSpec;

absl::Status Bad(absl::string_view name, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("parameters[", Quote(name), "]: ", why));
}

absl::Status CheckRange(const Spec& spec, double v) {
  if ((spec.has_min() && v < spec.min()) ||
      (spec.has_max() && v > spec.max())) {
    return Bad(
        spec.name(),
        absl::StrCat(v, " is outside ",
                     spec.has_min() ? absl::StrCat(spec.min()) : "-inf", "..",
                     spec.has_max() ? absl::StrCat(spec.max()) : "inf"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Params> Params::Parse(
    const google::protobuf::RepeatedPtrField<Spec>& specs,
    const std::map<std::string, std::string>& defaults,
    const google::protobuf::Map<std::string, std::string>& values) {
  for (const auto& [name, text] : values) {
    bool known = false;
    for (const Spec& spec : specs) known = known || spec.name() == name;
    if (!known) {
      std::vector<std::string> names;
      for (const Spec& spec : specs) names.push_back(spec.name());
      return Bad(
          name,
          absl::StrCat("unknown parameter; this matcher takes ",
                       names.empty() ? "none" : absl::StrJoin(names, ", ")));
    }
  }
  Params params;
  for (const Spec& spec : specs) {
    Value value;
    value.type = spec.type();
    std::string text = spec.default_value();
    if (auto it = defaults.find(spec.name()); it != defaults.end()) {
      text = it->second;
    }
    if (auto it = values.find(spec.name()); it != values.end()) {
      text = it->second;
    }
    text = std::string(absl::StripAsciiWhitespace(text));
    value.set = !text.empty();
    if (value.set) {
      switch (spec.type()) {
        case Spec::NUMBER:
          if (!absl::SimpleAtod(text, &value.number) ||
              !std::isfinite(value.number)) {
            return Bad(spec.name(),
                       absl::StrCat(Quote(text), " is not a number"));
          }
          if (absl::Status s = CheckRange(spec, value.number); !s.ok())
            return s;
          break;
        case Spec::INTEGER:
          if (!absl::SimpleAtoi(text, &value.integer)) {
            return Bad(spec.name(),
                       absl::StrCat(Quote(text), " is not an integer"));
          }
          if (absl::Status s = CheckRange(spec, value.integer); !s.ok()) {
            return s;
          }
          break;
        case Spec::BOOLEAN:
          if (!absl::SimpleAtob(text, &value.boolean)) {
            return Bad(spec.name(),
                       absl::StrCat(Quote(text), " is not true or false"));
          }
          break;
        case Spec::STRING:
          if (!spec.allowed().empty() &&
              std::find(spec.allowed().begin(), spec.allowed().end(), text) ==
                  spec.allowed().end()) {
            return Bad(spec.name(),
                       absl::StrCat(Quote(text), " is not one of ",
                                    absl::StrJoin(spec.allowed(), ", ")));
          }
          break;
        case Spec::STRING_LIST:
          for (absl::string_view item : absl::StrSplit(text, ',')) {
            item = absl::StripAsciiWhitespace(item);
            if (!item.empty()) value.list.emplace_back(item);
          }
          break;
        default:
          return absl::InternalError(
              absl::StrCat("parameter ", spec.name(), " has no type"));
      }
      value.text = text;
    }
    params.values_[spec.name()] = std::move(value);
  }
  return params;
}

const Params::Value& Params::Get(absl::string_view name,
                                 v1::ParameterSpec::Type type) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.type != type) {
    std::abort();  // the matcher asked for a parameter it did not declare
  }
  return it->second;
}

double Params::Number(absl::string_view name) const {
  return Get(name, Spec::NUMBER).number;
}
int64_t Params::Integer(absl::string_view name) const {
  return Get(name, Spec::INTEGER).integer;
}
bool Params::Bool(absl::string_view name) const {
  return Get(name, Spec::BOOLEAN).boolean;
}
const std::string& Params::String(absl::string_view name) const {
  return Get(name, Spec::STRING).text;
}
const std::vector<std::string>& Params::List(absl::string_view name) const {
  return Get(name, Spec::STRING_LIST).list;
}
bool Params::Has(absl::string_view name) const {
  auto it = values_.find(name);
  return it != values_.end() && it->second.set;
}

namespace {
Spec Make(std::string name, Spec::Type type, std::string default_value,
          std::string description) {
  Spec spec;
  spec.set_name(std::move(name));
  spec.set_type(type);
  spec.set_default_value(std::move(default_value));
  spec.set_description(std::move(description));
  return spec;
}
}  // namespace

Spec NumberParam(std::string name, std::string default_value,
                 std::string description, double min, double max) {
  Spec spec = Make(std::move(name), Spec::NUMBER, std::move(default_value),
                   std::move(description));
  spec.set_has_min(true);
  spec.set_min(min);
  spec.set_has_max(true);
  spec.set_max(max);
  return spec;
}

Spec IntegerParam(std::string name, std::string default_value,
                  std::string description, int64_t min, int64_t max) {
  Spec spec = Make(std::move(name), Spec::INTEGER, std::move(default_value),
                   std::move(description));
  spec.set_has_min(true);
  spec.set_min(static_cast<double>(min));
  spec.set_has_max(true);
  spec.set_max(static_cast<double>(max));
  return spec;
}

Spec BoolParam(std::string name, std::string default_value,
               std::string description) {
  return Make(std::move(name), Spec::BOOLEAN, std::move(default_value),
              std::move(description));
}

Spec StringParam(std::string name, std::string default_value,
                 std::string description, std::vector<std::string> allowed) {
  Spec spec = Make(std::move(name), Spec::STRING, std::move(default_value),
                   std::move(description));
  for (std::string& a : allowed) spec.add_allowed(std::move(a));
  return spec;
}

Spec ListParam(std::string name, std::string description) {
  return Make(std::move(name), Spec::STRING_LIST, "", std::move(description));
}

}  // namespace vakwijzer::plugins
