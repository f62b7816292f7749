#include "app/overrides.hpp"

#include <charconv>

namespace gilsim::app {
namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

Diagnostic bad(const std::string& arg, const std::string& path, const std::string& message) {
  Diagnostic d;
  d.file = "--set " + arg;
  d.path = path;
  d.message = message;
  return d;
}

/// Index of a list element named by position or by its `name` key; -1 if none.
long find_element(const YAML::Node& list, const std::string& key) {
  long index = 0;
  const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), index);
  if (ec == std::errc() && end == key.data() + key.size()) {
    return index >= 0 && std::size_t(index) < list.size() ? index : -1;
  }
  for (std::size_t i = 0; i < list.size(); ++i) {
    const YAML::Node element = list[i];
    if (element.IsMap() && element["name"] && element["name"].IsScalar() &&
        element["name"].Scalar() == key) {
      return long(i);
    }
  }
  return -1;
}

}  // namespace

std::vector<OverrideOrigin> apply_overrides(YAML::Node& root,
                                            const std::vector<std::string>& sets) {
  std::vector<OverrideOrigin> origins;
  std::vector<Diagnostic> errors;
  for (const std::string& arg : sets) {
    const auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0) {
      errors.push_back(
          bad(arg, "", "expected key.path=value, as in interpreter.switch_interval=1ms"));
      continue;
    }
    const std::string key_path = arg.substr(0, eq);
    const std::string text = arg.substr(eq + 1);
    YAML::Node value;
    try {
      value = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      errors.push_back(bad(arg, key_path, "value is not valid YAML: " + e.msg));
      continue;
    }
    const std::vector<std::string> keys = split(key_path, '.');
    YAML::Node cur = root;
    std::string canonical;
    bool ok = true;
    for (std::size_t i = 0; i < keys.size() && ok; ++i) {
      const std::string& key = keys[i];
      const bool last = i + 1 == keys.size();
      if (key.empty()) {
        errors.push_back(bad(arg, key_path, "empty key in the path"));
        ok = false;
        break;
      }
      if (cur.IsSequence()) {
        const long index = find_element(cur, key);
        if (index < 0) {
          errors.push_back(bad(arg, canonical,
                               "no element '" + key +
                                   "' in this list (give an "
                                   "index from 0 or a name)"));
          ok = false;
          break;
        }
        canonical += "[" + std::to_string(index) + "]";
        if (last) {
          cur[std::size_t(index)] = value;
        } else {
          cur.reset(cur[std::size_t(index)]);
        }
        continue;
      }
      if (!cur.IsMap() && !cur.IsNull()) {
        errors.push_back(bad(arg, canonical, "cannot set '" + key + "' inside a single value"));
        ok = false;
        break;
      }
      canonical += (canonical.empty() ? "" : ".") + key;
      if (last) {
        cur[key] = value;
      } else {
        if (!cur[key]) cur[key] = YAML::Node(YAML::NodeType::Map);
        YAML::Node next = cur[key];
        cur.reset(next);
      }
    }
    if (ok) origins.push_back({canonical, "--set " + arg});
  }
  if (!errors.empty()) throw InputError(errors);
  return origins;
}

}  // namespace gilsim::app
