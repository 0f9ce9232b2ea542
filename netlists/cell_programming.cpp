// Programming conductances into cells.
#include "netlists/cell_programming.hpp"

#include <fmt/format.h>

#include "params/error.hpp"

namespace kirchhoff::netlists {

std::vector<std::string> cell_model_names() { return {"linear"}; }

std::vector<CellArray> program_cells(const CrossbarConfig& config, const std::vector<Eigen::MatrixXd>& g) {
    if (config.device_preset != "linear") {
        std::string known;
        for (const auto& n : cell_model_names()) known += (known.empty() ? "" : ", ") + n;
        throw InputError(fmt::format("device.preset = \"{}\" is not a known cell model; one of: {}",
                                     config.device_preset, known));
    }
    std::vector<CellArray> cells;
    for (const Eigen::MatrixXd& m : g) cells.push_back({nullptr, m});
    return cells;
}

}  // namespace kirchhoff::netlists
