// A read-only memory mapping of a whole file (RAII). Empty files map to an empty span.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>

namespace kirchhoff::io {

class MappedFile {
public:
    /// Maps `path` read-only; InputError naming the file when it cannot be opened or mapped.
    explicit MappedFile(const std::filesystem::path& path);
    ~MappedFile();
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    std::span<const std::byte> bytes() const { return {data_, size_}; }
    std::size_t size() const { return size_; }

private:
    void release() noexcept;
    const std::byte* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace kirchhoff::io
