// The input vectors of `kirchhoff solve`: the tile's own seeded inputs plus K - 1 more random
// ones (--inputs K), or vectors read from a CSV file (--inputs-csv FILE), checked line by line.
#pragma once

#include <cstdint>
#include <string>

#include <Eigen/Core>

namespace kirchhoff::cli {

/// (rows, k): column 0 is `first` (the tile's inputs), columns 1.. uniform in [0, v_read_volt]
/// from a splitmix64 stream seeded by `seed` (the same numbers on every platform).
Eigen::MatrixXd random_input_vectors(const Eigen::VectorXd& first, int k, double v_read_volt, std::uint64_t seed);

/// One vector per line, `rows` comma-separated voltages (V) each in [-v_read_volt, v_read_volt]
/// (input.v_read_volt); blank lines and lines starting with '#' are skipped. Returns (rows, K).
/// Throws InputError naming the file, the line, the column, the value and the allowed range.
Eigen::MatrixXd read_input_vectors_csv(const std::string& path, int rows, double v_read_volt);

}  // namespace kirchhoff::cli
