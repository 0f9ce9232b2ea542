// dlopen of a private copy of libngspice (see ngspice_library.hpp for why a copy).
#include "cosim/ngspice_library.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#ifndef KIRCHHOFF_NGSPICE_LIBRARY_PATH
#error "KIRCHHOFF_NGSPICE_LIBRARY_PATH must be set by cosim/CMakeLists.txt"
#endif

namespace kirchhoff::cosim {

namespace fs = std::filesystem;

namespace {

template <class F>
F symbol(void* handle, const char* name, const fs::path& path) {
    void* p = dlsym(handle, name);
    if (!p)
        throw std::runtime_error(
            fmt::format("{}: symbol {} not found; is this a shared ngspice library?", path.string(), name));
    return reinterpret_cast<F>(p);
}

fs::path private_copy_of(const fs::path& source) {
    static std::atomic<unsigned> counter{0};
    const fs::path copy = fs::temp_directory_path() /
                          fmt::format("kirchhoff-ngspice-{}-{}.so", ::getpid(), counter++);
    std::error_code ec;
    fs::copy_file(source, copy, fs::copy_options::overwrite_existing, ec);
    if (ec)
        throw std::runtime_error(fmt::format("cannot copy ngspice library {} to {}: {}",
                                             source.string(), copy.string(), ec.message()));
    return copy;
}

}  // namespace

fs::path NgspiceLibrary::default_path() {
    if (const char* env = std::getenv("KIRCHHOFF_NGSPICE_LIBRARY"); env && *env) return env;
    return KIRCHHOFF_NGSPICE_LIBRARY_PATH;
}

NgspiceLibrary::NgspiceLibrary(const fs::path& path) : source_path_(path) {
    if (!fs::exists(path))
        throw std::runtime_error(fmt::format(
            "ngspice shared library {} not found (set KIRCHHOFF_NGSPICE_LIBRARY, or install "
            "libngspice0 from bookworm-backports)",
            path.string()));
    const fs::path copy = private_copy_of(path);
    handle_ = dlopen(copy.c_str(), RTLD_NOW | RTLD_LOCAL);
    const char* why = handle_ ? nullptr : dlerror();
    std::error_code ignored;
    fs::remove(copy, ignored);  // the mapping outlives the file
    if (!handle_)
        throw std::runtime_error(
            fmt::format("cannot load ngspice library {}: {}", path.string(), why ? why : "?"));
    init = symbol<decltype(init)>(handle_, "ngSpice_Init", path);
    circ = symbol<decltype(circ)>(handle_, "ngSpice_Circ", path);
    command = symbol<decltype(command)>(handle_, "ngSpice_Command", path);
    vector_info = symbol<decltype(vector_info)>(handle_, "ngGet_Vec_Info", path);
    current_plot = symbol<decltype(current_plot)>(handle_, "ngSpice_CurPlot", path);
    all_vectors = symbol<decltype(all_vectors)>(handle_, "ngSpice_AllVecs", path);
    running = symbol<decltype(running)>(handle_, "ngSpice_running", path);
}

}  // namespace kirchhoff::cosim
