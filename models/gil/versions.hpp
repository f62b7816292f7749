// The interpreter version table: which GIL mechanism a CPython version has, and its defaults.
// Version differences are data here, not classes (see gil.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "models/gil/gil.hpp"

namespace gilsim::models {

/// Defaults for "2.7", "3.11", "3.13t", ...; nullopt for an unknown version.
std::optional<GilSpec> gil_defaults(std::string_view version);
/// Every version the table knows, oldest first.
std::vector<std::string> known_versions();
/// One line saying which mechanism a kind is, for reports.
std::string_view gil_kind_name(GilKind kind);

}  // namespace gilsim::models
