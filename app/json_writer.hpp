// A small JSON writer with byte-stable output: keys in the order written, numbers printed with
// std::to_chars (shortest round-trip form, locale-independent), two-space indentation.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gilsim::app {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  /// The key of the next value (inside an object).
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(double d);
  JsonWriter& value(std::int64_t i);
  JsonWriter& value(std::uint64_t u);
  JsonWriter& value(int i) { return value(std::int64_t(i)); }
  JsonWriter& value(bool b);
  JsonWriter& null();
  /// A value already rendered as JSON (a compact array, an object from elsewhere).
  JsonWriter& raw(std::string_view json);

  /// The document, ending with a newline.
  std::string str() const { return out_ + "\n"; }

 private:
  void before_value();
  void write_string(std::string_view s);
  void newline();

  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

/// Shortest round-trip decimal form of a double ("0.1", "5e-06"); "null" for NaN/inf.
std::string format_double(double d);

}  // namespace gilsim::app
