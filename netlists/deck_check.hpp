// Pre-check of a user's SPICE deck before ngspice sees it: a linear scan (no regular
// expressions, so no input can exhaust the stack) that finds the deck's analysis lines and
// .control sections, and resolves its .include/.lib files to a bounded depth, refusing cycles.
//
// Why: ngspice follows a deck that includes itself until the process dies, and a regular
// expression over a line of 30,000 spaces overflowed the stack. Not a SPICE parser: it reads
// only dot-command names and the file operand of .include/.inc/.lib.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace kirchhoff::netlists {

struct DeckCheckOptions {
    /// Deepest chain of .include/.lib files accepted (the deck itself is depth 0).
    int max_include_depth = 16;
    /// Most files read in all (the deck's includes, counted with repeats).
    std::size_t max_include_files = 1024;
    /// Read the included files (false: only the text given is scanned; for fuzzing and for
    /// decks that have no file of their own).
    bool follow_includes = true;
};

struct DeckCheck {
    /// Some line starts (after blanks) with .op, .dc, .tran, .ac, .noise, .tf, .sens, .pz
    /// or .disto: ngspice's "run" runs them; a deck without any gets "op".
    bool has_analysis_line = false;
    /// Some file has a .control section (ngspice runs its commands, `shell` included).
    bool has_control = false;
    /// Where the first .control section is ("DECK:LINE"), or "".
    std::string control_at;
    /// The included files, in the order met (absolute, normalised).
    std::vector<std::filesystem::path> includes;
};

/// Checks deck `text`, whose file is `deck_path` (used in messages and to resolve relative
/// includes: against the including file's folder, then the working directory, as ngspice
/// does). An include that names no existing file is left for ngspice to report. Throws
/// InputError naming the file and line for: include depth above the limit, an include cycle,
/// an included path that is a directory or a special file, too many files.
DeckCheck check_deck(std::string_view text, const std::filesystem::path& deck_path,
                     const DeckCheckOptions& options = {});

}  // namespace kirchhoff::netlists
