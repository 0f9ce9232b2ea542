// One loaded copy of the ngspice shared library and its entry points.
//
// A loaded libngspice is one global simulator. To run several side by side, each
// NgspiceLibrary loads its own private copy of the library file (the ngspice manual's
// "parallel ngspice": renamed copies loaded together each get their own globals), so two
// NgspiceLibrary objects never share state. The copy is made in a private folder (mkdtemp,
// mode 0700) and created with O_EXCL | O_NOFOLLOW, so nothing planted in the shared temporary
// folder is written through or loaded; file and folder are deleted as soon as the copy is
// mapped (or its loading failed). Not thread-safe: one NgspiceLibrary belongs to one thread
// at a time.
//
// A loaded copy is never unloaded: ngspice's background threads report "done" and then still
// return through the library's code, so a dlclose can pull the code out from under them (seen
// as crashes in a later test). Each copy costs its mapping (about 9 MB) until the process
// ends; sessions are long-lived, so this is paid once per simulator.
#pragma once

#include <filesystem>
#include <string>

#include <ngspice/sharedspice.h>

namespace kirchhoff::cosim {

class NgspiceLibrary {
public:
    /// The library to load: $KIRCHHOFF_NGSPICE_LIBRARY if set, else the one found at build time.
    static std::filesystem::path default_path();

    /// Loads a private copy of `path`. Throws std::runtime_error naming the file and dlerror().
    explicit NgspiceLibrary(const std::filesystem::path& path = default_path());
    ~NgspiceLibrary() = default;  // deliberately no dlclose (see above)
    NgspiceLibrary(const NgspiceLibrary&) = delete;
    NgspiceLibrary& operator=(const NgspiceLibrary&) = delete;

    const std::filesystem::path& source_path() const { return source_path_; }

    decltype(&::ngSpice_Init) init = nullptr;
    decltype(&::ngSpice_Circ) circ = nullptr;
    decltype(&::ngSpice_Command) command = nullptr;
    decltype(&::ngGet_Vec_Info) vector_info = nullptr;
    decltype(&::ngSpice_CurPlot) current_plot = nullptr;
    decltype(&::ngSpice_AllVecs) all_vectors = nullptr;
    decltype(&::ngSpice_running) running = nullptr;

private:
    std::filesystem::path source_path_;
    void* handle_ = nullptr;
};

}  // namespace kirchhoff::cosim
