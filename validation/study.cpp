// Study files: parsing, checking every key and value through params::Config, grid expansion.
#include "validation/study.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "params/error.hpp"
#include "params/regular_file.hpp"

namespace kirchhoff::validation {

namespace {

namespace fs = std::filesystem;

// A TOML leaf as a Value; nullopt for arrays, tables and dates.
std::optional<params::Value> leaf_value(const toml::node& node) {
    if (auto v = node.value_exact<std::int64_t>()) return params::Value(*v);
    if (auto v = node.value_exact<double>()) return params::Value(*v);
    if (auto v = node.value_exact<bool>()) return params::Value(*v);
    if (auto v = node.value_exact<std::string>()) return params::Value(*v);
    return std::nullopt;
}

std::string node_text(const toml::node& node) {
    std::ostringstream os;
    node.visit([&](const auto& leaf) { os << leaf; });
    return os.str();
}

// Leaves of a table as dotted names, in file order (toml++ tables iterate by key).
struct Leaf {
    std::string name;
    const toml::node* node;
    int line;
};
void flatten(const toml::table& table, const std::string& prefix, std::vector<Leaf>& out) {
    for (const auto& [k, node] : table) {
        const std::string name = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
        if (const auto* sub = node.as_table()) flatten(*sub, name, out);
        else out.push_back({name, &node, int(node.source().begin.line)});
    }
}
std::vector<Leaf> leaves(const toml::table& table) {
    std::vector<Leaf> out;
    flatten(table, "", out);
    std::stable_sort(out.begin(), out.end(), [](const Leaf& a, const Leaf& b) { return a.line < b.line; });
    return out;
}

std::string where(const fs::path& path, int line) { return fmt::format("{}:{}", path.string(), line); }

std::string text_entry(const toml::table& table, std::string_view key, const fs::path& path) {
    const toml::node* n = table.get(key);
    if (!n) return {};
    if (auto s = n->value_exact<std::string>()) return *s;
    throw InputError(fmt::format("{}: [study] {} expects a string, got {}", where(path, int(n->source().begin.line)),
                                 key, node_text(*n)));
}

// An axis's values, each checked by setting it on a copy of the base configuration.
std::vector<params::Value> axis_values(const Leaf& leaf, const params::Config& base, const fs::path& path,
                                       const std::string& section) {
    const auto* array = leaf.node->as_array();
    if (!array || array->empty())
        throw InputError(fmt::format("{}: [{}] {} expects a non-empty list of values, got {}", where(path, leaf.line),
                                     section, leaf.name, node_text(*leaf.node)));
    std::vector<params::Value> values;
    params::Config probe = base;
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& item = *array->get(i);
        const auto v = leaf_value(item);
        const std::string source = fmt::format("{} [{}] {}[{}]", where(path, int(item.source().begin.line)), section,
                                               leaf.name, i);
        if (!v)
            throw InputError(fmt::format("{}: expects a number, boolean or string, got {}", source, node_text(item)));
        probe.set(leaf.name, *v, source);
        values.push_back(probe.value(leaf.name));  // as the key's type (an integer given for a real key)
    }
    return values;
}

}  // namespace

bool StudyAxis::replicate() const {
    return std::all_of(keys.begin(), keys.end(), [](const std::string& k) {
        return k == "seed" || (k.size() > 5 && k.compare(k.size() - 5, 5, ".seed") == 0);
    });
}

std::string StudyAxis::label(std::size_t i) const {
    if (!labels.empty()) return labels[i];
    if (keys.size() == 1) return value_text(values[i][0]);
    std::string out;
    for (std::size_t k = 0; k < keys.size(); ++k)
        out += fmt::format("{}{}={}", k ? ", " : "", keys[k], value_text(values[i][k]));
    return out;
}

std::vector<std::string> Study::swept_keys() const {
    std::vector<std::string> out;
    for (const StudyAxis& a : axes) out.insert(out.end(), a.keys.begin(), a.keys.end());
    return out;
}

std::size_t Study::size() const {
    std::size_t n = 1;
    for (const StudyAxis& a : axes) {
        if (!a.values.empty() && n > max_study_points / a.values.size())
            throw InputError(fmt::format("{}: the grid has more than {} points (the most a study may have, "
                                         "validation::max_study_points); split the study or drop an axis",
                                         path.string(), max_study_points));
        n *= a.values.size();
    }
    return n;
}

std::vector<std::string> StudyPoint::swept_values(const Study& study) const {
    std::vector<std::string> out;
    for (std::size_t a = 0; a < study.axes.size(); ++a)
        for (const params::Value& v : study.axes[a].values[axis_index[a]]) out.push_back(value_text(v));
    return out;
}

std::string StudyPoint::describe(const Study& study) const {
    std::string out;
    const auto keys = study.swept_keys();
    const auto values = swept_values(study);
    for (std::size_t k = 0; k < keys.size(); ++k) out += fmt::format("{}{}={}", k ? " " : "", keys[k], values[k]);
    return out;
}

std::string value_text(const params::Value& v) {
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    if (const auto* d = std::get_if<double>(&v)) return params::format_number(*d);
    return params::format_value(v);
}

std::string point_id(const params::Config& config) {
    nlohmann::json changed = nlohmann::json::object();
    for (const params::Key& k : config.schema().keys())
        if (config.value(k.name) != k.default_value)
            std::visit([&](const auto& x) { changed[k.name] = x; }, config.value(k.name));
    return fnv1a_hex(changed.dump());
}

std::string fnv1a_hex(std::string_view text) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
    return fmt::format("{:016x}", h);
}

Study load_study(const fs::path& path, const params::Schema& schema, const std::vector<std::string>& metric_names) {
    params::require_regular_file(path, "study", std::uintmax_t{64} << 20);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(fmt::format("{}: cannot open study file", path.string()));
    std::ostringstream text;
    text << in.rdbuf();
    toml::table root;
    try {
        root = toml::parse(text.str(), path.string());
    } catch (const toml::parse_error& e) {
        throw InputError(fmt::format("{}:{}:{}: TOML syntax error: {}", path.string(), e.source().begin.line,
                                     e.source().begin.column, e.description()));
    }
    for (const auto& [k, node] : root)
        if ((k.str() != "study" && k.str() != "base" && k.str() != "axes" && k.str() != "zip") || !node.is_table())
            throw InputError(fmt::format("{}: unexpected '{}'; a study has the tables [study], [base], [axes] and "
                                         "[zip.NAME]",
                                         where(path, int(node.source().begin.line)), k.str()));

    Study s{path, path.stem().string(), "", {"ppl_analog"}, "", "", params::Config(schema), {}};
    if (const auto* t = root["study"].as_table()) {
        for (const auto& [k, node] : *t)
            if (k.str() != "name" && k.str() != "description" && k.str() != "metrics" && k.str() != "x" &&
                k.str() != "series")
                throw InputError(fmt::format("{}: unknown [study] entry '{}'; allowed: name, description, metrics, x, "
                                             "series",
                                             where(path, int(node.source().begin.line)), k.str()));
        if (auto n = text_entry(*t, "name", path); !n.empty()) s.name = n;
        s.description = text_entry(*t, "description", path);
        s.plot_x = text_entry(*t, "x", path);
        s.plot_series = text_entry(*t, "series", path);
        if (const toml::node* m = t->get("metrics")) {
            const auto* list = m->as_array();
            s.metrics.clear();
            for (std::size_t i = 0; list && i < list->size(); ++i) {
                const auto name = list->get(i)->value_exact<std::string>();
                if (!name || std::find(metric_names.begin(), metric_names.end(), *name) == metric_names.end()) {
                    std::string allowed;
                    for (const auto& c : metric_names) allowed += (allowed.empty() ? "" : ", ") + c;
                    throw InputError(fmt::format("{}: [study] metrics: {} is not a result column; one of: {}",
                                                 where(path, int(m->source().begin.line)), node_text(*list->get(i)),
                                                 allowed));
                }
                s.metrics.push_back(*name);
            }
            if (!list || s.metrics.empty())
                throw InputError(fmt::format("{}: [study] metrics expects a non-empty list of column names, got {}",
                                             where(path, int(m->source().begin.line)), node_text(*m)));
        }
    }

    if (const auto* t = root["base"].as_table()) {
        if (const toml::node* c = t->get("config")) {
            const auto file = c->value_exact<std::string>();
            if (!file)
                throw InputError(fmt::format("{}: [base] config expects a path (string), got {}",
                                             where(path, int(c->source().begin.line)), node_text(*c)));
            s.base.load_file(path.parent_path() / *file);
        }
        for (const Leaf& leaf : leaves(*t)) {
            if (leaf.name == "config") continue;
            const auto v = leaf_value(*leaf.node);
            const std::string source = where(path, leaf.line);
            if (!v)
                throw InputError(fmt::format("{}: [base] {} expects a single value, got {}", source, leaf.name,
                                             node_text(*leaf.node)));
            s.base.set(leaf.name, *v, source);
        }
    }

    if (const auto* t = root["axes"].as_table())
        for (const Leaf& leaf : leaves(*t)) {
            StudyAxis axis{leaf.name, {leaf.name}, {}, {}, leaf.line};
            for (const params::Value& v : axis_values(leaf, s.base, path, "axes")) axis.values.push_back({v});
            s.axes.push_back(std::move(axis));
        }
    if (const toml::node* z = root.get("zip")) {
        const auto* groups = z->as_table();
        if (!groups)
            throw InputError(fmt::format("{}: zip must be tables [zip.NAME] of equally long lists",
                                         where(path, int(z->source().begin.line))));
        for (const auto& [group, node] : *groups) {
            const auto* g = node.as_table();
            const int line = int(node.source().begin.line);
            if (!g || g->empty())
                throw InputError(fmt::format("{}: [zip.{}] must be a table of equally long lists", where(path, line),
                                             group.str()));
            StudyAxis axis{"zip." + std::string(group.str()), {}, {}, {}, line};
            std::size_t label_line = 0;
            for (const Leaf& leaf : leaves(*g)) {
                if (leaf.name == "label") {  // names for the plots, not a configuration key
                    const auto* list = leaf.node->as_array();
                    for (std::size_t i = 0; list && i < list->size(); ++i)
                        if (auto text = list->get(i)->value_exact<std::string>()) axis.labels.push_back(*text);
                    if (!list || axis.labels.size() != list->size())
                        throw InputError(fmt::format("{}: [{}] label expects a list of strings, got {}",
                                                     where(path, leaf.line), axis.name, node_text(*leaf.node)));
                    label_line = std::size_t(leaf.line);
                    continue;
                }
                const auto values = axis_values(leaf, s.base, path, axis.name);
                if (axis.values.empty()) axis.values.resize(values.size());
                if (values.size() != axis.values.size())
                    throw InputError(fmt::format("{}: [{}] {} has {} values, {} has {}; zipped lists must be equally "
                                                 "long",
                                                 where(path, leaf.line), axis.name, leaf.name, values.size(),
                                                 axis.keys.front(), axis.values.size()));
                axis.keys.push_back(leaf.name);
                for (std::size_t i = 0; i < values.size(); ++i) axis.values[i].push_back(values[i]);
            }
            if (axis.keys.empty())
                throw InputError(fmt::format("{}: [{}] has no configuration keys", where(path, line), axis.name));
            if (!axis.labels.empty() && axis.labels.size() != axis.values.size())
                throw InputError(fmt::format("{}: [{}] label has {} entries for {} values", where(path, int(label_line)),
                                             axis.name, axis.labels.size(), axis.values.size()));
            s.axes.push_back(std::move(axis));
        }
    }
    std::stable_sort(s.axes.begin(), s.axes.end(), [](const StudyAxis& a, const StudyAxis& b) { return a.line < b.line; });
    // The grid's size, multiplied with an overflow check (16 axes of 16 values are 2^64 points).
    {
        unsigned __int128 points = 1;
        std::string product;
        for (const StudyAxis& a : s.axes) {
            points *= a.values.size();
            if (points > max_study_points) points = max_study_points + std::uint64_t{1};
            product += fmt::format("{}{} ({})", product.empty() ? "" : " x ", a.values.size(), a.name);
        }
        if (points > max_study_points) {
            long double exact = 1;
            for (const StudyAxis& a : s.axes) exact *= static_cast<long double>(a.values.size());
            throw InputError(fmt::format("{}: the grid has {:.0f} points ({}), more than the {} a study may have "
                                         "(validation::max_study_points); split the study or drop an axis",
                                         path.string(), static_cast<double>(exact), product, max_study_points));
        }
    }

    const auto keys = s.swept_keys();
    for (std::size_t i = 0; i < keys.size(); ++i)
        if (std::find(keys.begin() + long(i) + 1, keys.end(), keys[i]) != keys.end())
            throw InputError(fmt::format("{}: key {} is swept twice (in [axes] and a [zip.*] group, or two groups)",
                                         path.string(), keys[i]));
    for (const std::string* axis : {&s.plot_x, &s.plot_series}) {
        if (axis->empty()) continue;
        const bool known = std::any_of(s.axes.begin(), s.axes.end(), [&](const StudyAxis& a) { return a.name == *axis; });
        if (!known) {
            std::string allowed;
            for (const auto& a : s.axes) allowed += (allowed.empty() ? "" : ", ") + a.name;
            throw InputError(fmt::format("{}: [study] {} = \"{}\" is not an axis; one of: {}", path.string(),
                                         axis == &s.plot_x ? "x" : "series", *axis, allowed.empty() ? "(none)" : allowed));
        }
    }
    return s;
}

std::vector<StudyPoint> expand(const Study& study, const std::function<void(const params::Config&)>& check) {
    std::vector<StudyPoint> points;
    const std::size_t n = study.size();
    points.reserve(n);
    std::map<std::string, std::size_t> seen;
    for (std::size_t index = 0; index < n; ++index) {
        StudyPoint p{index, "", std::vector<std::size_t>(study.axes.size()), study.base};
        std::size_t rest = index;
        for (std::size_t a = study.axes.size(); a-- > 0;) {
            p.axis_index[a] = rest % study.axes[a].values.size();
            rest /= study.axes[a].values.size();
        }
        for (std::size_t a = 0; a < study.axes.size(); ++a) {
            const StudyAxis& axis = study.axes[a];
            const std::string section = axis.name.starts_with("zip.") ? axis.name : "axes";
            for (std::size_t k = 0; k < axis.keys.size(); ++k)
                p.config.set(axis.keys[k], axis.values[p.axis_index[a]][k],
                             fmt::format("{} [{}] {}[{}]", where(study.path, axis.line), section, axis.keys[k],
                                         p.axis_index[a]));
        }
        if (check) {
            try {
                check(p.config);
            } catch (const InputError& e) {
                throw InputError(fmt::format("{}: point {} ({}): {}", study.path.string(), index + 1, p.describe(study), e.what()));
            }
        }
        p.id = point_id(p.config);
        if (const auto [it, fresh] = seen.emplace(p.id, index); !fresh)
            throw InputError(fmt::format("{}: points {} and {} have the same configuration ({}); remove the repeated "
                                         "axis value",
                                         study.path.string(), it->second + 1, index + 1, p.describe(study)));
        points.push_back(std::move(p));
    }
    return points;
}

}  // namespace kirchhoff::validation
