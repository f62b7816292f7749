#include "app/yaml_fields.hpp"

#include <charconv>
#include <cmath>
#include <set>

namespace gilsim::app {
namespace {

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

bool starts_path(const std::string& path, const std::string& prefix) {
  if (path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[';
}

}  // namespace

std::string scalar_text(const YAML::Node& node) {
  return node.IsDefined() && node.IsScalar() ? node.Scalar() : std::string();
}

void FieldReader::error(const YAML::Node& at, const std::string& path, const std::string& message) {
  Diagnostic d;
  d.path = path;
  d.message = message;
  for (const OverrideOrigin& o : overrides_) {
    if (starts_path(path, o.path)) {
      d.file = o.argument;
      diagnostics_.push_back(d);
      return;
    }
  }
  d.file = file_;
  if (at.IsDefined()) {
    const YAML::Mark mark = at.Mark();
    if (!mark.is_null()) {
      d.line = mark.line + 1;
      d.column = mark.column + 1;
    }
  }
  diagnostics_.push_back(d);
}

bool FieldReader::check_map(const YAML::Node& node, const std::string& path,
                            const std::vector<std::string>& allowed) {
  if (!node.IsMap()) {
    error(
        node, path,
        node.IsNull() ? "is empty; expected a map of keys" : "expected a map of keys (key: value)");
    return false;
  }
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    const std::string name = key.IsScalar() ? key.Scalar() : std::string();
    const std::string where = path.empty() ? name : path + "." + name;
    if (!key.IsScalar()) {
      error(key, path, "keys must be plain words");
      continue;
    }
    if (!seen.insert(name).second) {
      error(key, where, "duplicate key");
      continue;
    }
    bool known = false;
    for (const std::string& a : allowed) known = known || a == name;
    if (known) continue;
    const std::string hint = did_you_mean(name, allowed);
    error(key, where,
          "unknown key" + (hint.empty() ? "" : "; did you mean '" + hint + "'?") +
              " (allowed here: " + join(allowed) + ")");
  }
  return true;
}

bool FieldReader::scalar(const YAML::Node& node, const std::string& path, const char* what) {
  if (node.IsScalar()) return true;
  error(node, path,
        std::string("expected ") + what +
            (node.IsNull() ? ", found nothing" : ", found a list or map"));
  return false;
}

std::optional<std::string> FieldReader::string(const YAML::Node& node, const std::string& path) {
  if (!scalar(node, path, "a string")) return std::nullopt;
  return node.Scalar();
}

std::optional<bool> FieldReader::boolean(const YAML::Node& node, const std::string& path) {
  if (!scalar(node, path, "true or false")) return std::nullopt;
  const std::string& s = node.Scalar();
  if (s == "true") return true;
  if (s == "false") return false;
  error(node, path, "expected true or false, found \"" + s + "\"");
  return std::nullopt;
}

std::optional<std::int64_t> FieldReader::integer(const YAML::Node& node, const std::string& path,
                                                 std::int64_t min, std::int64_t max) {
  if (!scalar(node, path, "a whole number")) return std::nullopt;
  const std::string& s = node.Scalar();
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) {
    error(node, path,
          "\"" + s + "\" is out of range (" + std::to_string(min) + " to " + std::to_string(max) +
              ")");
    return std::nullopt;
  }
  if (ec != std::errc() || end != s.data() + s.size()) {
    error(node, path, "expected a whole number, found \"" + s + "\"");
    return std::nullopt;
  }
  if (v < min || v > max) {
    error(
        node, path,
        "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", found " + s);
    return std::nullopt;
  }
  return v;
}

std::optional<double> FieldReader::number(const YAML::Node& node, const std::string& path,
                                          double min, double max) {
  if (!scalar(node, path, "a number")) return std::nullopt;
  const std::string& s = node.Scalar();
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) {
    error(node, path, "expected a number, found \"" + s + "\"");
    return std::nullopt;
  }
  if (v < min || v > max) {
    auto fmt = [](double x) {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, x);
      return std::string(buf, r.ptr);
    };
    error(node, path, "must be between " + fmt(min) + " and " + fmt(max) + ", found " + s);
    return std::nullopt;
  }
  return v;
}

std::optional<sim::Time> FieldReader::duration(const YAML::Node& node, const std::string& path,
                                               Sign sign) {
  return duration_in(node, path, sign, 1, "a duration such as 5ms");
}

std::optional<double> FieldReader::fine_duration(const YAML::Node& node, const std::string& path) {
  const auto ps = duration_in(node, path, Sign::Positive, 1000, "a duration such as 7.4ns");
  if (!ps) return std::nullopt;
  return double(*ps) / 1000;
}

std::optional<sim::Time> FieldReader::duration_in(const YAML::Node& node, const std::string& path,
                                                  Sign sign, sim::Time per_ns, const char* what) {
  if (!scalar(node, path, what)) return std::nullopt;
  const sim::DurationParse p = sim::parse_duration(node.Scalar(), per_ns);
  if (!p.ok) {
    error(node, path, p.error + ", found \"" + node.Scalar() + "\"");
    return std::nullopt;
  }
  if (sign == Sign::Positive && p.value <= 0) {
    error(node, path, "must be a positive duration, found " + node.Scalar());
    return std::nullopt;
  }
  if (sign == Sign::NonNegative && p.value < 0) {
    error(node, path, "must not be negative, found " + node.Scalar());
    return std::nullopt;
  }
  return p.value;
}

std::optional<sim::Dist> FieldReader::dist(const YAML::Node& node, const std::string& path,
                                           Sign sign) {
  if (node.IsScalar()) {
    const auto d = duration(node, path, sign);
    if (!d) return std::nullopt;
    return sim::Dist::constant(*d);
  }
  static const std::vector<std::string> kinds = {"constant", "uniform", "exponential", "normal",
                                                 "lognormal"};
  if (!node.IsMap() || node.size() != 1) {
    error(node, path,
          "expected a duration (5ms) or one distribution: {uniform: {min: 1ms, max: 3ms}}, "
          "{exponential: {mean: 2ms}}, {normal: {mean: 5ms, stddev: 1ms}}, "
          "{lognormal: {median: 5ms, sigma: 0.5}}");
    return std::nullopt;
  }
  if (!check_map(node, path, kinds)) return std::nullopt;
  const std::string kind = node.begin()->first.Scalar();
  const YAML::Node body = node.begin()->second;
  const std::string at = path + "." + kind;
  const Sign param_sign = sign == Sign::Any ? Sign::Any : Sign::NonNegative;
  if (kind == "constant") {
    const auto d = duration(body, at, sign);
    if (!d) return std::nullopt;
    return sim::Dist::constant(*d);
  }
  auto need = [&](const char* key) -> std::optional<sim::Time> {
    if (!body[key]) {
      error(body, at, std::string("missing key '") + key + "'");
      return std::nullopt;
    }
    return duration(body[key], at + "." + key, param_sign);
  };
  if (kind == "uniform") {
    if (!check_map(body, at, {"min", "max"})) return std::nullopt;
    const auto lo = need("min");
    const auto hi = need("max");
    if (!lo || !hi) return std::nullopt;
    if (*lo > *hi) {
      error(body, at, "min must not exceed max");
      return std::nullopt;
    }
    if (sign == Sign::Positive && *hi <= 0) {
      error(body, at, "max must be positive");
      return std::nullopt;
    }
    return sim::Dist::uniform(*lo, *hi);
  }
  if (kind == "exponential") {
    if (!check_map(body, at, {"mean"})) return std::nullopt;
    const auto mean = need("mean");
    if (!mean) return std::nullopt;
    if (*mean <= 0) {
      error(body["mean"], at + ".mean", "must be a positive duration");
      return std::nullopt;
    }
    return sim::Dist::exponential(*mean);
  }
  if (kind == "normal") {
    if (!check_map(body, at, {"mean", "stddev"})) return std::nullopt;
    const auto mean = need("mean");
    const auto sd = need("stddev");
    if (!mean || !sd) return std::nullopt;
    if (*mean <= 0) {
      error(body["mean"], at + ".mean",
            "must be a positive duration (the normal is truncated at 0)");
      return std::nullopt;
    }
    return sim::Dist::normal(*mean, *sd);
  }
  // lognormal: {median, sigma} or {mean, stddev}
  if (!check_map(body, at, {"median", "sigma", "mean", "stddev"})) return std::nullopt;
  if (body["median"] || body["sigma"]) {
    if (body["mean"] || body["stddev"]) {
      error(body, at, "give either median and sigma, or mean and stddev, not both");
      return std::nullopt;
    }
    const auto median = need("median");
    if (!body["sigma"]) {
      error(body, at, "missing key 'sigma' (the standard deviation of the logarithm, e.g. 0.5)");
      return std::nullopt;
    }
    const auto sigma = number(body["sigma"], at + ".sigma", 0.0, 5.0);
    if (!median || !sigma) return std::nullopt;
    if (*median <= 0) {
      error(body["median"], at + ".median", "must be a positive duration");
      return std::nullopt;
    }
    return sim::Dist::lognormal(*median, *sigma);
  }
  const auto mean = need("mean");
  const auto sd = need("stddev");
  if (!mean || !sd) return std::nullopt;
  if (*mean <= 0) {
    error(body["mean"], at + ".mean", "must be a positive duration");
    return std::nullopt;
  }
  return sim::Dist::lognormal_mean_sd(*mean, *sd);
}

}  // namespace gilsim::app
