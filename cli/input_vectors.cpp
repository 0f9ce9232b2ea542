// Input vectors for `solve`: seeded random, or a checked CSV file (input_vectors.hpp).
#include "cli/input_vectors.hpp"

#include <charconv>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "io/input_file.hpp"
#include "netlists/crossbar_config.hpp"
#include "params/error.hpp"

namespace kirchhoff::cli {

Eigen::MatrixXd random_input_vectors(const Eigen::VectorXd& first, int k, double v_read_volt, std::uint64_t seed) {
    Eigen::MatrixXd v(first.size(), k);
    v.col(0) = first;
    netlists::SplitMix64 rng(seed ^ 0x1b873593cc9e2d51ULL);  // a stream apart from the tile's own
    for (int c = 1; c < k; ++c)
        for (Eigen::Index r = 0; r < first.size(); ++r) v(r, c) = v_read_volt * rng.uniform();
    return v;
}

Eigen::MatrixXd read_input_vectors_csv(const std::string& path, int rows, double v_read_volt) {
    const std::string text = io::read_text_file(path, "--inputs-csv");
    std::vector<double> values;
    int vectors = 0, line_number = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        std::string_view line(text.data() + pos, end - pos);
        pos = end + 1;
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string_view::npos || line[first] == '#') continue;
        int column = 0;
        std::size_t at = 0;
        while (true) {
            const std::size_t comma = line.find(',', at);
            std::string_view field = line.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at);
            ++column;
            while (!field.empty() && (field.front() == ' ' || field.front() == '\t')) field.remove_prefix(1);
            while (!field.empty() && (field.back() == ' ' || field.back() == '\t')) field.remove_suffix(1);
            double x = 0;
            const auto [ptr, ec] = std::from_chars(field.data(), field.data() + field.size(), x);
            if (field.empty() || ec != std::errc() || ptr != field.data() + field.size() || !std::isfinite(x))
                throw InputError(fmt::format("{}: line {}, column {}: '{}' is not a finite number (one input vector "
                                             "per line: {} comma-separated voltages in V; '#' starts a comment line)",
                                             path, line_number, column, field, rows));
            if (!(std::abs(x) <= v_read_volt))
                throw InputError(fmt::format("{}: line {}, column {}: {} V is outside the allowed range [{}, {}] V "
                                             "(input.v_read_volt = {} V)",
                                             path, line_number, column, x, -v_read_volt, v_read_volt, v_read_volt));
            values.push_back(x);
            if (comma == std::string_view::npos) break;
            at = comma + 1;
        }
        if (column != rows)
            throw InputError(fmt::format("{}: line {} has {} values; the tile has {} rows (array.rows), one voltage "
                                         "per row",
                                         path, line_number, column, rows));
        ++vectors;
    }
    if (vectors == 0) throw InputError(fmt::format("{}: no input vectors (one per line, {} comma-separated voltages)", path, rows));
    return Eigen::Map<const Eigen::MatrixXd>(values.data(), rows, vectors);
}

}  // namespace kirchhoff::cli
