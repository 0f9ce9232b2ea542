// Output folders and files checked (created, probed) before a command computes anything.
#include "io/output_path.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "io/atomic_file.hpp"
#include "params/error.hpp"

namespace kirchhoff::io {

namespace fs = std::filesystem;

void prepare_output_dir(const fs::path& dir, std::string_view flag) {
    const fs::path folder = dir.empty() ? fs::path(".") : dir;
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (ec)
        throw InputError(fmt::format("{} {}: cannot create the output folder: {}", flag, folder.string(), ec.message()));
    if (!fs::is_directory(folder, ec))
        throw InputError(fmt::format("{} {}: is not a folder", flag, folder.string()));
    std::string probe = (folder / ".kirchhoff-write-probe-XXXXXX").string();
    const int fd = ::mkstemp(probe.data());
    if (fd < 0) {
        const int e = errno;
        throw InputError(fmt::format("{} {}: the output folder is not writable: {}", flag, folder.string(),
                                     std::strerror(e)));
    }
    ::close(fd);
    ::unlink(probe.c_str());
}

void prepare_output_file(const fs::path& file, std::string_view flag) {
    if (file.empty() || file.filename().empty())
        throw InputError(fmt::format("{} '{}': expected the path of a file", flag, file.string()));
    prepare_output_dir(file.parent_path(), flag);
    check_replaceable(file, flag);
}

}  // namespace kirchhoff::io
