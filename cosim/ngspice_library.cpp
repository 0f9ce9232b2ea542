// dlopen of a private copy of libngspice (see ngspice_library.hpp for why a copy).
#include "cosim/ngspice_library.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

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

// A private copy of the library for one dlopen: a folder of its own made by mkdtemp (mode 0700,
// in $TMPDIR or /tmp), the file created there with O_CREAT | O_EXCL | O_NOFOLLOW, so nothing
// planted in the shared temporary folder (a symbolic link, a file of the same name) is ever
// written through or loaded. The destructor removes both, on every path out of the
// constructor: the mapping outlives the file, so nothing stays on disk once it is loaded.
class PrivateCopy {
public:
    explicit PrivateCopy(const fs::path& source) {
        std::string dir_template = (fs::temp_directory_path() / "kirchhoff-ngspice-XXXXXX").string();
        if (!::mkdtemp(dir_template.data()))
            throw std::runtime_error(fmt::format("cannot make a private folder for the ngspice library copy ({}): {}",
                                                 dir_template, std::strerror(errno)));
        dir_ = dir_template;
        file_ = dir_ / source.filename();
        const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
        if (in < 0) fail(source, "cannot open", errno);
        const int out = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0700);
        if (out < 0) {
            const int e = errno;
            ::close(in);
            fail(file_, "cannot create", e);
        }
        const int e = copy_all(in, out);
        ::close(in);
        if (::close(out) != 0 && e == 0) fail(file_, "cannot write", errno);
        if (e != 0) fail(file_, "cannot copy to", e);
    }
    ~PrivateCopy() { remove(); }
    PrivateCopy(const PrivateCopy&) = delete;
    PrivateCopy& operator=(const PrivateCopy&) = delete;

    const fs::path& path() const { return file_; }

private:
    // 0, or the errno of the failed read or write.
    static int copy_all(int in, int out) {
        char buf[1 << 16];
        for (;;) {
            const ssize_t n = ::read(in, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) return errno;
            if (n == 0) return 0;
            for (ssize_t done = 0; done < n;) {
                const ssize_t w = ::write(out, buf + done, std::size_t(n - done));
                if (w < 0 && errno == EINTR) continue;
                if (w <= 0) return w < 0 ? errno : EIO;
                done += w;
            }
        }
    }
    void remove() noexcept {
        if (!file_.empty()) ::unlink(file_.c_str());
        if (!dir_.empty()) ::rmdir(dir_.c_str());
        file_.clear(), dir_.clear();
    }
    [[noreturn]] void fail(const fs::path& what, const char* verb, int e) {
        const std::string message = fmt::format("{} {} (private copy of the ngspice library): {}", verb, what.string(),
                                                std::strerror(e));
        remove();  // the destructor does not run when the constructor throws
        throw std::runtime_error(message);
    }

    fs::path dir_, file_;
};

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
    std::string why;
    {
        const PrivateCopy copy(path);  // removed at the end of this block: the mapping outlives the file
        handle_ = dlopen(copy.path().c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!handle_) {
            const char* e = dlerror();
            why = e ? e : "?";
        }
    }
    if (!handle_)
        throw std::runtime_error(
            fmt::format("cannot load ngspice library {}: {}", path.string(), why));
    init = symbol<decltype(init)>(handle_, "ngSpice_Init", path);
    circ = symbol<decltype(circ)>(handle_, "ngSpice_Circ", path);
    command = symbol<decltype(command)>(handle_, "ngSpice_Command", path);
    vector_info = symbol<decltype(vector_info)>(handle_, "ngGet_Vec_Info", path);
    current_plot = symbol<decltype(current_plot)>(handle_, "ngSpice_CurPlot", path);
    all_vectors = symbol<decltype(all_vectors)>(handle_, "ngSpice_AllVecs", path);
    running = symbol<decltype(running)>(handle_, "ngSpice_running", path);
}

}  // namespace kirchhoff::cosim
