// Refusing input paths that are not regular files (regular_file.hpp).
#include "params/regular_file.hpp"

#include <system_error>

#include <sys/vfs.h>

#include <fmt/format.h>

#include "params/error.hpp"

namespace kirchhoff::params {

namespace fs = std::filesystem;

constexpr long proc_magic = 0x9fa0;        // PROC_SUPER_MAGIC (linux/magic.h)
constexpr long sysfs_magic = 0x62656572;   // SYSFS_MAGIC

void require_regular_file(const fs::path& path, std::string_view what, std::uintmax_t max_bytes) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (ec || !fs::exists(status))
        throw InputError(fmt::format("{}: cannot open the {} file (no such file)", path.string(),
                                     what));
    if (fs::is_directory(status))
        throw InputError(fmt::format("{}: is a directory, expected a {} file", path.string(),
                                     what));
    if (!fs::is_regular_file(status))
        throw InputError(fmt::format(
            "{}: is not a regular file (a device, FIFO, socket or /proc entry), expected a {} file",
            path.string(), what));
    // /proc and /sys entries call themselves regular files of size 0 (/proc/self/mem).
    struct statfs fs_info {};
    if (::statfs(path.c_str(), &fs_info) == 0 &&
        (fs_info.f_type == proc_magic || fs_info.f_type == sysfs_magic))
        throw InputError(fmt::format("{}: is a /proc or /sys entry, not a regular file; expected a {} file",
                                     path.string(), what));
    const std::uintmax_t size = fs::file_size(path, ec);
    if (ec)
        throw InputError(fmt::format("{}: cannot read the size of the {} file: {}", path.string(),
                                     what, ec.message()));
    if (size > max_bytes)
        throw InputError(fmt::format("{}: the {} file has {} bytes, more than the {} accepted",
                                     path.string(), what, size, max_bytes));
}

}  // namespace kirchhoff::params
