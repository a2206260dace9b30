#include "cli/cli_model.h"

namespace entragate::cli {

namespace {

// CLI11 appends each check's description to the type name; IsMember's reads "{a,b,c}".
std::vector<std::string> Choices(const CLI::Option& opt) {
  std::string type = opt.get_type_name();
  auto open = type.rfind('{');
  auto close = type.rfind('}');
  std::vector<std::string> out;
  if (open == std::string::npos || close == std::string::npos || close < open) return out;
  std::string list = type.substr(open + 1, close - open - 1);
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    if (comma > start) out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

OptionModel DescribeOption(const CLI::Option& opt) {
  OptionModel m;
  m.short_names = opt.get_snames();
  m.long_names = opt.get_lnames();
  m.name = opt.get_positional() ? opt.get_name() : (m.long_names.empty() ? m.short_names.front() : m.long_names.front());
  m.description = opt.get_description();
  m.takes_value = opt.get_expected_max() > 0;  // flags expect no value
  m.choices = m.takes_value ? Choices(opt) : std::vector<std::string>{};
  m.default_value = opt.get_default_str();
  m.repeats = opt.get_items_expected_max() > 1;
  m.required = opt.get_required();
  return m;
}

CommandModel Describe(CLI::App& app, std::vector<std::string> path) {
  CommandModel m;
  m.path = path;
  m.description = app.get_description();
  m.footer = app.get_footer();
  m.inherits_options = !path.empty() && app.get_fallthrough();
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty()) continue;  // hidden
    (opt->get_positional() ? m.positionals : m.options).push_back(DescribeOption(*opt));
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App* s) { return !s->get_group().empty(); })) {
    auto sub_path = path;
    sub_path.push_back(sub->get_name());
    m.subcommands.push_back(Describe(*sub, sub_path));
  }
  return m;
}

}  // namespace

CommandModel DescribeCommandLine(CLI::App& app) { return Describe(app, {}); }

std::string CommandLineName(const CommandModel& command) {
  std::string name = "entragate";
  for (const auto& p : command.path) name += " " + p;
  return name;
}

}  // namespace entragate::cli
