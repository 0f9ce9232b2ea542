// The results of a sweep on disk: CSV files with one row per point, safe against kills.
//
// Each worker (the single process, an MPI rank, a --shard) appends to a file of its own,
// DIR/parts/<worker>.csv, so no two processes ever write the same file. A row is appended with
// one write() of the whole line followed by fsync(): a worker killed at any moment leaves only
// whole rows behind (a torn last line, possible only on a crash of the machine, is cut off the
// next time the worker opens its file). Appending was chosen over rewriting a temporary file
// and renaming it per row: it costs O(row) instead of O(file) per point and needs no lock.
// DIR/results.csv is derived: merge_results() reads every part (and the previous results.csv),
// keeps one row per point in grid order, and replaces results.csv atomically
// (io/atomic_file.hpp), under an flock on DIR/.merge.lock so that concurrent merges (two
// shards finishing together) cannot lose each other's rows.
//
// Rows are RFC 4180 CSV on one physical line each: a cell with a comma or a double quote is
// quoted (quotes doubled); line breaks inside a cell (error messages) become " | ".
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace kirchhoff::validation {

using ResultRow = std::vector<std::string>;  // one cell per column

/// The result columns a point runner fills, in CSV order (all numbers; empty when unknown):
/// ppl_digital, ppl_analog, bits_per_token_analog, validation_nmse, max_rel_err, validated,
/// validation_failed (sampled MVMs whose circuit solve failed),
/// ppl_circuit_substituted, kl_mean_nats, logit_nmse, tokens_per_s, seconds,
/// energy_per_token_j, latency_per_token_s, and with run.reference_tokens the circuit
/// reference (circuit_reference.hpp): ppl_circuit, ppl_analog_window, ppl_digital_window,
/// engine_error_share.
const std::vector<std::string>& metric_columns();

/// The fixed column list of a study's CSV files: point, index, status (ok | failed), every
/// swept key, metric_columns(), kirchhoff_version, ngspice_version, error.
std::vector<std::string> result_columns(const std::vector<std::string>& swept_keys);

/// Position of `name` in `columns`; std::out_of_range when absent.
std::size_t column_index(const std::vector<std::string>& columns, std::string_view name);

/// One CSV line (with its '\n') and back. parse_csv_line throws InputError on a malformed line.
std::string csv_line(const ResultRow& cells);
ResultRow parse_csv_line(std::string_view line);

/// Reads a results file written with `columns`: its rows, in file order. A missing file has
/// none; a file whose header is not `columns` is an InputError (another study wrote it). An
/// incomplete last line (no '\n') is ignored.
std::vector<ResultRow> read_results(const std::filesystem::path& path, const std::vector<std::string>& columns);

/// A worker's own append-only file.
class ResultsAppender {
public:
    /// Opens (creating it with the header when absent), checks the header, and cuts off a torn
    /// last line.
    ResultsAppender(std::filesystem::path path, std::vector<std::string> columns);
    ~ResultsAppender();
    ResultsAppender(const ResultsAppender&) = delete;
    ResultsAppender& operator=(const ResultsAppender&) = delete;

    /// Appends one row: a single write() of the whole line, then fsync(). When either fails
    /// (disk full) the partial row is cut off again and std::runtime_error names the file.
    void append(const ResultRow& row);
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    std::vector<std::string> columns_;
    int fd_ = -1;
};

/// Part files of `dir` (DIR/parts/*.csv), sorted by name.
std::vector<std::filesystem::path> part_files(const std::filesystem::path& dir);

/// Every row found in DIR/results.csv and the part files, one per point id: an ok row wins over
/// a failed one, else the first found. Unordered.
std::vector<ResultRow> collect_results(const std::filesystem::path& dir, const std::vector<std::string>& columns);

/// Under an flock on DIR/.merge.lock: collect_results(), sorted by the index column, written to
/// DIR/results.csv (temporary file, fsync, rename). Returns the rows written.
std::vector<ResultRow> merge_results(const std::filesystem::path& dir, const std::vector<std::string>& columns);

}  // namespace kirchhoff::validation
