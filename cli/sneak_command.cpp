// `kirchhoff sneak [--config F] [--set k=v ...] [--sizes 4,8,...] [--background worst|random] --out DIR`:
// the read-margin study against sneak paths, for the configured cells (validation/sneak_study.hpp).
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/config_options.hpp"
#include "netlists/crossbar_config.hpp"
#include "io/output_path.hpp"
#include "params/error.hpp"
#include "validation/sneak_study.hpp"

namespace kirchhoff::cli {

namespace {

struct SneakOptions {
    std::vector<int> sizes{4, 8, 16, 32, 64, 128};
    std::string background = "worst";
    std::string out_dir;
};

void run(const SneakOptions& o, const ConfigOptions& config_options) {
    const params::Config config = config_options.load();
    const netlists::CrossbarConfig base = netlists::crossbar_config(config);
    print_effective_config(config);
    for (int n : o.sizes)
        if (n < 2 || n > 4096)
            throw InputError(fmt::format("--sizes: {} is outside the allowed range [2, 4096]", n));
    io::prepare_output_dir(o.out_dir, "--out");  // before the study's solves
    const auto points = validation::run_sneak_study(
        base, o.sizes, o.background == "random" ? validation::SneakBackground::random : validation::SneakBackground::worst,
        [](std::size_t done, std::size_t total) { fmt::print(stderr, "\rsneak study: {}/{} points", done, total); });
    fmt::print(stderr, "\n");
    fmt::print("{:>6}  {:>9}  {:>14}  {:>14}  {:>8}\n", "N", "scheme", "I_on (A)", "I_off (A)", "margin");
    for (const auto& p : points)
        fmt::print("{:>6}  {:>9}  {:>14.6e}  {:>14.6e}  {:>8.4f}\n", p.n, to_string(p.scheme), p.i_on_a, p.i_off_a,
                   p.margin);
    for (const auto& f : validation::write_sneak_report(points, base, o.out_dir)) fmt::print(stderr, "wrote {}\n", f.string());
}

}  // namespace

void add_sneak_command(CLI::App& app) {
    auto options = std::make_shared<SneakOptions>();
    CLI::App* cmd = app.add_subcommand(
        "sneak",
        "Read margin against sneak paths, by array size and biasing scheme (CSV and plot), for the configured cells "
        "(array.cell 1R, 1T1R or 1S1R; access.*, selector.*, device.preset), wires and sense amplifiers; the study "
        "sets array.rows/cols (--sizes), array.mode, select.* and array.differential = none itself");
    cmd->add_option("--sizes", options->sizes, "array sizes N (N x N), comma separated (default 4,8,16,32,64,128; range [2, 4096])")
        ->delimiter(',');
    cmd->add_option("--background", options->background,
                    "unselected cells: worst (all ON) or random (seeded, uniform in [g_min, g_max]) (default worst)")
        ->check(CLI::IsMember({"worst", "random"}));
    cmd->add_option("--out", options->out_dir, "folder for sneak_margin.csv and sneak_margin.png")->required()->type_name("DIR");
    auto config_options = std::make_shared<ConfigOptions>(*cmd, netlists::crossbar_schema());
    cmd->callback([options, config_options] { run(*options, *config_options); });
}

}  // namespace kirchhoff::cli
