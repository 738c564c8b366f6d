// Typed matcher parameters: the request's text values checked against the
// matcher's ParameterSpecs, with defaults filled in.
#ifndef VAKWIJZER_PLUGINS_API_PARAMS_H_
#define VAKWIJZER_PLUGINS_API_PARAMS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/map.h"
#include "vakwijzer/v1/match.pb.h"

namespace vakwijzer::plugins {

class Params {
 public:
  Params() = default;

  // Checks `values` (from a request) against `specs`, over `defaults` (the
  // server's configured defaults, themselves over each spec's
  // default_value). INVALID_ARGUMENT naming parameters["name"] for an
  // unknown parameter or a value of the wrong type or out of range.
  static absl::StatusOr<Params> Parse(
      const google::protobuf::RepeatedPtrField<v1::ParameterSpec>& specs,
      const std::map<std::string, std::string>& defaults,
      const google::protobuf::Map<std::string, std::string>& values);

  // Typed access to a parameter the specs declare; a name not declared, or
  // declared with another type, is a programming error (aborts).
  double Number(absl::string_view name) const;
  int64_t Integer(absl::string_view name) const;
  bool Bool(absl::string_view name) const;
  const std::string& String(absl::string_view name) const;
  const std::vector<std::string>& List(absl::string_view name) const;
  // Whether the parameter has a value (a default or given).
  bool Has(absl::string_view name) const;

 private:
  struct Value {
    v1::ParameterSpec::Type type = v1::ParameterSpec::TYPE_UNSPECIFIED;
    bool set = false;
    double number = 0;
    int64_t integer = 0;
    bool boolean = false;
    std::string text;
    std::vector<std::string> list;
  };
  const Value& Get(absl::string_view name, v1::ParameterSpec::Type type) const;

  std::map<std::string, Value, std::less<>> values_;
};

// A spec, for matchers declaring their parameters tersely.
v1::ParameterSpec NumberParam(std::string name, std::string default_value,
                              std::string description, double min, double max);
v1::ParameterSpec IntegerParam(std::string name, std::string default_value,
                               std::string description, int64_t min,
                               int64_t max);
v1::ParameterSpec BoolParam(std::string name, std::string default_value,
                            std::string description);
v1::ParameterSpec StringParam(std::string name, std::string default_value,
                              std::string description,
                              std::vector<std::string> allowed = {});
v1::ParameterSpec ListParam(std::string name, std::string description);

}  // namespace vakwijzer::plugins

#endif  // VAKWIJZER_PLUGINS_API_PARAMS_H_
