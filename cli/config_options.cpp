// --config / --set handling shared by every configured subcommand, and flags naming one key.
#include "cli/config_options.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "params/load_config.hpp"

namespace kirchhoff::cli {

namespace {

// CLI11's placeholder for a key's value in --help.
std::string value_name(const params::Key& k) {
    switch (k.type) {
        case params::Type::integer: return "INT";
        case params::Type::real: return "FLOAT";
        case params::Type::boolean: return "true|false";
        case params::Type::text: return "TEXT";
        case params::Type::choice: {
            std::string out;
            for (const std::string& c : k.choices) out += (out.empty() ? "" : "|") + c;
            return out;
        }
    }
    return "VALUE";
}

}  // namespace

ConfigOptions::ConfigOptions(CLI::App& command, params::Schema schema) : schema_(std::move(schema)) {
    command.add_option("--config", file_, "TOML configuration file (keys below)")->type_name("FILE");
    command.add_option("--set", overrides_, "override one key: --set section.key=value (repeatable)")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    command.footer("\nConfiguration keys (key, default and unit, allowed values, meaning):\n" + schema_.help());
}

const params::Key& ConfigOptions::declared(const std::string& key) const {
    const params::Key* k = schema_.find(key);
    if (!k) throw std::logic_error("flag for an undeclared configuration key: " + key);
    return *k;
}

void ConfigOptions::key_flag(CLI::App& command, const std::string& flag, const std::string& key,
                             const std::string& note) {
    const params::Key& k = declared(key);
    const std::string unit = k.unit.empty() || k.unit == "1" ? "" : " " + k.unit;
    const std::string allowed = k.type == params::Type::text ? "" : ", allowed " + k.allowed();
    const std::string help = fmt::format("{} (--set {}; default {}{}{}){}", k.meaning, k.name,
                                         params::format_value(k.default_value), unit, allowed,
                                         note.empty() ? "" : ". " + note);
    auto& f = *key_flags_.emplace_back(std::make_unique<KeyFlag>(KeyFlag{flag, key, {}}));
    f.option = command.add_option(flag, f.value, help)->type_name(value_name(k));
}

void ConfigOptions::key_switch(CLI::App& command, const std::string& flag, const std::string& key,
                               const std::string& value, const std::string& help) {
    declared(key);
    auto& f = *key_flags_.emplace_back(std::make_unique<KeyFlag>(KeyFlag{flag, key, value}));
    command.add_flag(flag, f.given, fmt::format("{} (--set {}={})", help, key, value));
}

params::Config ConfigOptions::load() const {
    params::Config config = params::load_config(schema_, file_, overrides_);
    for (const auto& f : key_flags_) {
        const bool given = f->option ? f->option->count() > 0 : f->given;
        if (given) config.set_text(f->key, f->value, f->flag, fmt::format("{} {}", f->flag, f->value));
    }
    return config;
}

void print_effective_config(const params::Config& config) {
    fmt::print(stderr, "# effective configuration\n{}\n", config.to_toml());
}

}  // namespace kirchhoff::cli
