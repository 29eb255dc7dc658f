#include "config/config_section.h"

#include <algorithm>
#include <array>
#include <limits>

#include "config/byte_size.h"
#include "config/duration.h"
#include "config/file_check.h"
#include "config/integer.h"
#include "config/suggestion.h"
#include "net/socket_address.h"

namespace mqttd::config {
namespace {

SourcePosition positionOf(const YAML::Mark& mark) {
  // yaml-cpp marks are 0-based; a node built without a position has -1.
  return SourcePosition{std::max(mark.line, 0) + 1, std::max(mark.column, 0) + 1};
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a map";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "the value '" + node.Scalar() + "'";
    default: return "nothing";
  }
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

}  // namespace

ConfigSection::ConfigSection(const YAML::Node& map, std::string path, SourcePosition at,
                             ConfigDiagnostics& diag)
    : path_(std::move(path)), at_(at), diag_(&diag) {
  if (!map.IsMap()) return;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: `it->` returns a temporary
    const SourcePosition key_at = positionOf(key.Mark());
    if (!key.IsScalar()) {
      diag_->add(key_at, path_, "keys must be plain names, not " + describe(key));
      continue;
    }
    const auto first = std::find_if(entries_.begin(), entries_.end(),
                                    [&](const Entry& e) { return e.key == key.Scalar(); });
    if (first != entries_.end()) {
      diag_->add(key_at, pathOf(key.Scalar()),
                 "duplicate key (first set at line " + std::to_string(first->key_at.line) + ")");
      continue;
    }
    entries_.push_back(Entry{key.Scalar(), key_at, it->second});
  }
}

void ConfigSection::readRoot(const YAML::Node& root, ConfigDiagnostics& diag, const Parse& parse) {
  if (root.IsDefined() && !root.IsNull() && !root.IsMap()) {
    diag.add(positionOf(root.Mark()), "",
             "expected a map of keys at the top level, got " + describe(root));
    return;
  }
  ConfigSection section(root, "", SourcePosition{}, diag);
  parse(section);
  section.finish();
}

bool ConfigSection::section(std::string_view key, Need need, const Parse& parse) {
  const Entry* entry = find(key, need, "required section is missing");
  if (entry == nullptr) return false;
  const std::string path = pathOf(key);
  diag_->record(path, entry->key_at);
  if (!entry->value.IsNull() && !entry->value.IsMap()) {
    diag_->add(positionOf(entry->value.Mark()), path,
               "expected a map of keys, got " + describe(entry->value));
    return true;
  }
  ConfigSection child(entry->value, path, entry->key_at, *diag_);
  parse(child);
  child.finish();
  return true;
}

void ConfigSection::duration(std::string_view key, std::chrono::milliseconds& out,
                             std::chrono::milliseconds min, std::chrono::milliseconds max) {
  const auto value = scalar(key, Need::kOptional, "a duration such as 30s or 500ms");
  if (!value) return;
  const auto parsed = parseDuration(value->text);
  if (!parsed) return valueError(*value, key, parsed.error());
  const auto us = *parsed;
  if (us.count() % 1000 != 0)
    return valueError(*value, key,
                      "must be a whole number of milliseconds (got " + formatDuration(us) + ")");
  if (us < min || us > max)
    return valueError(
        *value, key,
        value->text + " is out of range " + formatDuration(min) + ".." + formatDuration(max));
  out = std::chrono::duration_cast<std::chrono::milliseconds>(us);
}

void ConfigSection::byteSize(std::string_view key, uint32_t& out, uint64_t min, uint64_t max) {
  const auto value = scalar(key, Need::kOptional, "a size such as 64KiB or 65536");
  if (!value) return;
  const auto parsed = parseByteSize(value->text);
  if (!parsed) return valueError(*value, key, parsed.error());
  max = std::min<uint64_t>(max, std::numeric_limits<uint32_t>::max());
  if (*parsed < min || *parsed > max)
    return valueError(*value, key,
                      value->text + " is out of range " + std::to_string(min) + ".." +
                          std::to_string(max) + " bytes");
  out = static_cast<uint32_t>(*parsed);
}

void ConfigSection::integer(std::string_view key, int& out, int min, int max) {
  const auto value = scalar(key, Need::kOptional, "a whole number");
  if (!value) return;
  const auto parsed = parseInteger(value->text, min, max);
  if (!parsed) return valueError(*value, key, parsed.error());
  out = static_cast<int>(*parsed);
}

void ConfigSection::integer(std::string_view key, uint32_t& out, uint32_t min, uint32_t max) {
  const auto value = scalar(key, Need::kOptional, "a whole number");
  if (!value) return;
  const auto parsed = parseInteger(value->text, min, max);
  if (!parsed) return valueError(*value, key, parsed.error());
  out = static_cast<uint32_t>(*parsed);
}

void ConfigSection::boolean(std::string_view key, bool& out) {
  const auto value = scalar(key, Need::kOptional, "true or false");
  if (!value) return;
  static const std::array<std::string_view, 5> yes{"true", "True", "TRUE", "yes", "on"};
  static const std::array<std::string_view, 5> no{"false", "False", "FALSE", "no", "off"};
  if (std::find(yes.begin(), yes.end(), value->text) != yes.end()) {
    out = true;
  } else if (std::find(no.begin(), no.end(), value->text) != no.end()) {
    out = false;
  } else {
    valueError(*value, key, "'" + value->text + "' is not true or false");
  }
}

void ConfigSection::countOrAuto(std::string_view key, uint32_t& out, uint32_t min, uint32_t max) {
  const auto value = scalar(key, Need::kOptional, "auto or a whole number");
  if (!value) return;
  if (value->text == "auto") {
    out = 0;
    return;
  }
  const auto parsed = parseInteger(value->text, min, max);
  if (!parsed) return valueError(*value, key, parsed.error() + " (or auto)");
  out = static_cast<uint32_t>(*parsed);
}

void ConfigSection::address(std::string_view key, std::string& out, Need need, PortUse use) {
  const auto value =
      scalar(key, need,
             "an address such as 127.0.0.1:1883 or '[::1]:1883' (quote IPv6 addresses in YAML)");
  if (!value) return;
  const auto parsed = SocketAddress::parse(value->text);
  if (!parsed) return valueError(*value, key, parsed.error());
  if (use == PortUse::kConnect && parsed->port() == 0)
    return valueError(*value, key,
                      "port 0 is only valid for listening addresses; give the port to connect to");
  out = value->text;
}

void ConfigSection::choice(std::string_view key, std::string& out,
                           const std::vector<std::string>& choices) {
  if (const auto index = choiceIndex(key, choices)) out = choices[*index];
}

std::optional<size_t> ConfigSection::choiceIndex(std::string_view key,
                                                 const std::vector<std::string>& choices) {
  const auto value = scalar(key, Need::kOptional, "one of: " + joined(choices));
  if (!value) return std::nullopt;
  const auto it = std::find(choices.begin(), choices.end(), value->text);
  if (it != choices.end()) return static_cast<size_t>(it - choices.begin());
  const auto suggestion = closestMatch(value->text, choices);
  valueError(*value, key,
             "unknown value '" + value->text + "' (" +
                 (suggestion ? "did you mean '" + *suggestion + "'?"
                             : "expected one of: " + joined(choices)) +
                 ")");
  return std::nullopt;
}

void ConfigSection::stringList(std::string_view key, std::vector<std::string>& out,
                               size_t max_bytes, std::string_view example) {
  const Entry* entry = find(key, Need::kOptional, "required key is missing");
  if (entry == nullptr) return;
  const std::string path = pathOf(key);
  const std::string expected = "a list of strings such as " + std::string(example);
  const YAML::Node& list = entry->value;
  if (list.IsNull()) return diag_->add(entry->key_at, path, "missing value; expected " + expected);
  const SourcePosition list_at = positionOf(list.Mark());
  if (!list.IsSequence())
    return diag_->add(list_at, path, "expected " + expected + ", got " + describe(list));
  diag_->record(path, list_at);
  if (list.size() == 0) return diag_->add(list_at, path, "must not be empty; expected " + expected);
  std::vector<std::string> values;
  bool ok = true;
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    const std::string item_path = path + "[" + std::to_string(i) + "]";
    // An empty entry ("-" alone) is marked where the next token starts: use the list's position.
    const SourcePosition at = item.IsNull() ? list_at : positionOf(item.Mark());
    std::string problem;
    if (!item.IsScalar()) {
      problem = "expected a string, got " + describe(item);
    } else if (item.Scalar().empty()) {
      problem = "must not be empty";
    } else if (item.Scalar().size() > max_bytes) {
      problem = "is " + std::to_string(item.Scalar().size()) + " bytes long; at most " +
                std::to_string(max_bytes) + " are allowed";
    } else if (const auto first = std::find(values.begin(), values.end(), item.Scalar());
               first != values.end()) {
      problem = "'" + item.Scalar() + "' is already listed (" + path + "[" +
                std::to_string(first - values.begin()) + "])";
    }
    // Keep indexes aligned with the list even for bad entries (they are never stored).
    values.push_back(item.IsScalar() ? item.Scalar() : std::string());
    if (problem.empty()) continue;
    ok = false;
    diag_->add(at, item_path, std::move(problem));
  }
  if (ok) out = std::move(values);
}

void ConfigSection::readableFile(std::string_view key, std::string& out, Need need,
                                 const std::string& base_dir, std::string_view what) {
  const auto value = scalar(key, need, "a file path");
  if (!value) return;
  if (value->text.empty())
    return valueError(*value, key, "must not be empty; expected a file path");
  const std::string path = resolveConfigPath(value->text, base_dir);
  if (const auto reason = whyUnreadable(path))
    return valueError(*value, key,
                      "cannot read " + std::string(what) + " '" + path + "': " + *reason);
  out = path;
}

void ConfigSection::error(std::string message) {
  diag_->add(at_, path_, std::move(message));
}

std::string ConfigSection::pathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const ConfigSection::Entry* ConfigSection::find(std::string_view key, Need need,
                                                std::string_view missing_message) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
  for (const Entry& e : entries_)
    if (e.key == key) return &e;
  if (need == Need::kRequired) missing_.emplace_back(key, missing_message);
  return nullptr;
}

std::optional<ConfigSection::Scalar> ConfigSection::scalar(std::string_view key, Need need,
                                                           std::string_view what) {
  const Entry* entry = find(key, need, "required key is missing");
  if (entry == nullptr) return std::nullopt;
  if (entry->value.IsNull()) {
    diag_->add(entry->key_at, pathOf(key), "missing value; expected " + std::string(what));
    return std::nullopt;
  }
  if (!entry->value.IsScalar()) {
    diag_->add(positionOf(entry->value.Mark()), pathOf(key),
               "expected " + std::string(what) + ", got " + describe(entry->value));
    return std::nullopt;
  }
  Scalar out{entry->value.Scalar(), positionOf(entry->value.Mark())};
  diag_->record(pathOf(key), out.at);
  return out;
}

void ConfigSection::valueError(const Scalar& value, std::string_view key, std::string message) {
  diag_->add(value.at, pathOf(key), std::move(message));
}

void ConfigSection::finish() {
  for (const Entry& e : entries_) {
    if (std::find(known_.begin(), known_.end(), e.key) != known_.end()) continue;
    const auto suggestion = closestMatch(e.key, known_);
    if (suggestion) {
      // The misspelt key stands for the suggested one: do not also call that one missing.
      std::erase_if(missing_, [&](const auto& m) { return m.first == *suggestion; });
      diag_->add(e.key_at, pathOf(e.key), "unknown key (did you mean '" + *suggestion + "'?)");
    } else {
      diag_->add(e.key_at, pathOf(e.key), "unknown key (valid keys here: " + joined(known_) + ")");
    }
  }
  for (const auto& [key, message] : missing_) diag_->add(at_, pathOf(key), message);
}

}  // namespace mqttd::config
