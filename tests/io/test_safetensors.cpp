// safetensors: round trips for every dtype, metadata, and each corruption rejected with a
// message that names the file and the tensor.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include <unistd.h>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "io/dtype.hpp"
#include "io/safetensors_reader.hpp"
#include "io/safetensors_writer.hpp"
#include "params/error.hpp"

using namespace kirchhoff;
using namespace kirchhoff::io;
using Catch::Matchers::ContainsSubstring;

namespace {

// In a per-process scratch directory, removed when the test process exits.
std::filesystem::path temp_path(const std::string& name) {
    struct Scratch {
        std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("kirchhoff_test_io_" + std::to_string(::getpid()));
        Scratch() { std::filesystem::create_directories(dir); }
        ~Scratch() {
            std::error_code ec;
            std::filesystem::remove_all(dir, ec);
        }
    };
    static const Scratch scratch;
    return scratch.dir / name;
}

// A file with a hand-written header and buffer: the only way to produce corrupt files.
void write_raw(const std::filesystem::path& path, const std::string& header,
               std::size_t buffer_bytes, std::uint64_t header_len_override = 0) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    const std::uint64_t n = header_len_override ? header_len_override : header.size();
    out.write(reinterpret_cast<const char*>(&n), 8);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    const std::string buffer(buffer_bytes, '\0');
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
}

void truncate_file(const std::filesystem::path& path, std::uintmax_t remove_bytes) {
    std::filesystem::resize_file(path, std::filesystem::file_size(path) - remove_bytes);
}

}  // namespace

TEST_CASE("safetensors round trip keeps every dtype, shape and metadata", "[io]") {
    const auto path = temp_path("roundtrip.safetensors");
    const std::vector<float> f32{1.5f, -2.0f, 3.25f, 0.0f, 1e-3f, -7.0f};
    const std::vector<double> f64{1.0 / 3.0, -1e300};
    const std::vector<std::int32_t> i32{-1, 2, std::numeric_limits<std::int32_t>::max()};
    const std::vector<std::int64_t> i64{std::numeric_limits<std::int64_t>::min(), 42};
    const std::vector<std::uint8_t> u8{0, 255, 7};
    const std::vector<float> halfable{1.0f, -0.5f, 65504.0f, 6.103515625e-05f, 5.9604645e-08f,
                                      0.0f};
    SafetensorsWriter w;
    w.set_metadata("axes", "[\"v_read_volt\"]");
    w.set_metadata("source", "test");
    w.add<float>("weights.f32", {2, 3}, f32);
    w.add<double>("f64", {2}, f64);
    w.add<std::int32_t>("i32", {3}, i32);
    w.add<std::int64_t>("i64", {1, 2}, i64);
    w.add<std::uint8_t>("u8", {3}, u8);
    w.add_as("f16", DType::F16, {6}, halfable);
    w.add_as("bf16", DType::BF16, {6}, halfable);
    w.add<float>("empty", {0, 4}, std::vector<float>{});
    w.add<float>("scalar", {}, std::vector<float>{9.0f});
    w.write(path);

    {
        std::ifstream in(path, std::ios::binary);
        std::uint64_t header_len = 0;
        in.read(reinterpret_cast<char*>(&header_len), 8);
        CHECK(header_len % 8 == 0);  // padded with spaces: the data buffer is 8-byte aligned
    }
    const SafetensorsReader r(path);
    CHECK(r.tensors().size() == 9);
    CHECK(r.metadata().at("axes") == "[\"v_read_volt\"]");
    CHECK(r.metadata().at("source") == "test");
    CHECK(r.require("weights.f32").shape == std::vector<std::int64_t>{2, 3});
    CHECK(r.read_f32("weights.f32") == f32);
    CHECK(r.read_f64("f64") == f64);
    CHECK(r.read_i64("i32") == std::vector<std::int64_t>{-1, 2, 2147483647});
    CHECK(r.read_i64("i64") == i64);
    CHECK(r.read_i64("u8") == std::vector<std::int64_t>{0, 255, 7});
    CHECK(r.read_f32("f16") == halfable);  // all exactly representable in binary16
    const auto bf = r.read_f32("bf16");
    CHECK(bf[0] == 1.0f);
    CHECK(bf[1] == -0.5f);
    CHECK(bf[2] == 65536.0f);  // 65504 rounds to 2^16 in bfloat16 (8 mantissa bits)
    CHECK(r.read_f32("empty").empty());
    CHECK(r.read_f32("scalar") == std::vector<float>{9.0f});
    CHECK(r.require("i32").dtype == DType::I32);
}

TEST_CASE("zero-element tensors read as empty vectors in every conversion", "[io]") {
    // Regression: read_f32 of an F32 tensor with no elements passed a null pointer to memcpy
    // (undefined behaviour, reported by the sanitizer build).
    const auto path = temp_path("empty.safetensors");
    SafetensorsWriter w;
    w.add<float>("f32", {0}, std::vector<float>{});
    w.add<double>("f64", {3, 0}, std::vector<double>{});
    w.add<std::int64_t>("i64", {0, 2}, std::vector<std::int64_t>{});
    w.add<std::uint64_t>("u64", {0}, std::vector<std::uint64_t>{});
    w.add<std::int32_t>("i32", {0}, std::vector<std::int32_t>{});
    w.write(path);
    const SafetensorsReader r(path);
    for (const TensorInfo& t : r.tensors()) {
        INFO(t.name);
        CHECK(r.bytes(t).empty());
        CHECK(r.read_f32(t.name).empty());
        CHECK(r.read_f32(t.name, t.shape).empty());
        CHECK(r.read_f64(t.name).empty());
        CHECK(r.read_f64(t.name, t.shape).empty());
        if (t.name != "f32" && t.name != "f64") CHECK(r.read_i64(t.name).empty());
    }
}

TEST_CASE("half and bfloat16 conversions round to nearest even", "[io]") {
    CHECK(float_to_half(1.0f) == 0x3c00);
    CHECK(float_to_half(-2.0f) == 0xc000);
    CHECK(float_to_half(65504.0f) == 0x7bff);
    CHECK(float_to_half(65520.0f) == 0x7c00);        // overflows to inf
    CHECK(float_to_half(1.0f + 0x1p-11f) == 0x3c00);  // tie, rounds to even
    CHECK(float_to_half(1.0f + 3 * 0x1p-11f) == 0x3c02);
    CHECK(float_to_half(0x1p-24f) == 0x0001);  // smallest subnormal
    CHECK(float_to_half(0x1p-25f) == 0x0000);  // tie with zero rounds to even
    CHECK(std::isnan(half_to_float(float_to_half(std::nanf("")))));
    for (std::uint32_t h = 0; h < 0x7c00; ++h)  // every finite positive half survives
        REQUIRE(float_to_half(half_to_float(static_cast<std::uint16_t>(h))) == h);
    CHECK(float_to_bf16(1.0f) == 0x3f80);
    CHECK(bf16_to_float(float_to_bf16(3.140625f)) == 3.140625f);
}

TEST_CASE("corrupt safetensors files are rejected naming the file and the tensor", "[io]") {
    const auto path = temp_path("corrupt.safetensors");
    const std::string file = path.string();

    SECTION("truncated data") {
        SafetensorsWriter w;
        w.add<float>("a", {4}, std::vector<float>{1, 2, 3, 4});
        w.add<float>("layers.0.w", {2, 2}, std::vector<float>{1, 2, 3, 4});
        w.write(path);
        truncate_file(path, 4);
        CHECK_THROWS_AS(SafetensorsReader(path), InputError);
        CHECK_THROWS_WITH(SafetensorsReader(path),
                          ContainsSubstring(file) && ContainsSubstring("'layers.0.w'") &&
                              ContainsSubstring("truncated"));
    }
    SECTION("truncated header") {
        SafetensorsWriter w;
        w.add<float>("a", {4}, std::vector<float>{1, 2, 3, 4});
        w.write(path);
        std::filesystem::resize_file(path, 20);
        CHECK_THROWS_WITH(SafetensorsReader(path), ContainsSubstring(file) &&
                                                        ContainsSubstring("header length") &&
                                                        ContainsSubstring("truncated"));
    }
    SECTION("shorter than the length field") {
        write_raw(path, "", 0);
        std::filesystem::resize_file(path, 3);
        CHECK_THROWS_WITH(SafetensorsReader(path),
                          ContainsSubstring(file) && ContainsSubstring("at least 8"));
    }
    SECTION("absurd header length") {
        write_raw(path, "{}", 0, std::uint64_t{1} << 40);
        CHECK_THROWS_WITH(SafetensorsReader(path),
                          ContainsSubstring(file) && ContainsSubstring("exceeds the limit"));
    }
    SECTION("header is not JSON") {
        write_raw(path, "{\"a\": {\"dtype\": \"F32\",", 0);
        CHECK_THROWS_WITH(SafetensorsReader(path),
                          ContainsSubstring(file) && ContainsSubstring("not valid JSON"));
        write_raw(path, "PK\x03\x04 not json", 0);
        CHECK_THROWS_WITH(SafetensorsReader(path),
                          ContainsSubstring(file) && ContainsSubstring("does not start with"));
    }
    SECTION("overlapping offsets") {
        write_raw(path,
                  R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                  R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                  12);
        CHECK_THROWS_WITH(SafetensorsReader(path),
                          ContainsSubstring(file) && ContainsSubstring("'b'") &&
                              ContainsSubstring("overlap") && ContainsSubstring("'a'"));
    }
    SECTION("gap between tensors") {
        write_raw(path,
                  R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                  R"("b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}})",
                  16);
        CHECK_THROWS_WITH(SafetensorsReader(path), ContainsSubstring(file) &&
                                                        ContainsSubstring("'b'") &&
                                                        ContainsSubstring("gap of 4 bytes"));
    }
    SECTION("trailing bytes after the last tensor") {
        write_raw(path, R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 12);
        CHECK_THROWS_WITH(SafetensorsReader(path),
                          ContainsSubstring(file) && ContainsSubstring("4 bytes after the last "
                                                                       "tensor 'a'"));
    }
    SECTION("shape does not match the offsets") {
        write_raw(path, R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}})", 20);
        CHECK_THROWS_WITH(SafetensorsReader(path),
                          ContainsSubstring(file) && ContainsSubstring("'w'") &&
                              ContainsSubstring("[2, 3]") && ContainsSubstring("needs 24 bytes") &&
                              ContainsSubstring("span 20 bytes"));
    }
    SECTION("offsets beyond the buffer") {
        write_raw(path, R"({"w":{"dtype":"F64","shape":[4],"data_offsets":[0,32]}})", 16);
        CHECK_THROWS_WITH(SafetensorsReader(path),
                          ContainsSubstring(file) && ContainsSubstring("'w'") &&
                              ContainsSubstring("past the end"));
    }
    SECTION("bad entries") {
        write_raw(path, R"({"w":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}})", 4);
        CHECK_THROWS_WITH(SafetensorsReader(path), ContainsSubstring("'w'") &&
                                                        ContainsSubstring("F8_E4M3") &&
                                                        ContainsSubstring("allowed: BOOL"));
        write_raw(path, R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4);
        CHECK_THROWS_WITH(SafetensorsReader(path),
                          ContainsSubstring("'w'") && ContainsSubstring("non-negative"));
        write_raw(path, R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})", 4);
        CHECK_THROWS_WITH(SafetensorsReader(path),
                          ContainsSubstring("'w'") && ContainsSubstring("end before"));
        write_raw(path, R"({"w":{"dtype":"F32","shape":[1]}})", 4);
        CHECK_THROWS_WITH(SafetensorsReader(path),
                          ContainsSubstring("'w'") && ContainsSubstring("data_offsets"));
        write_raw(path, R"({"__metadata__":{"n":3}})", 0);
        CHECK_THROWS_WITH(SafetensorsReader(path),
                          ContainsSubstring("__metadata__") && ContainsSubstring("'n'"));
        write_raw(path,
                  R"({"w":{"dtype":"F32","shape":[4611686018427387904,8],"data_offsets":[0,4]}})",
                  4);
        CHECK_THROWS_WITH(SafetensorsReader(path),
                          ContainsSubstring("'w'") && ContainsSubstring("overflows"));
    }
    SECTION("missing tensor and wrong shape on request") {
        SafetensorsWriter w;
        w.add<float>("w", {2, 2}, std::vector<float>{1, 2, 3, 4});
        w.write(path);
        const SafetensorsReader r(path);
        CHECK_THROWS_WITH(r.require("v"),
                          ContainsSubstring(file) && ContainsSubstring("'v' is missing"));
        const std::vector<std::int64_t> want{4, 1};
        CHECK_THROWS_WITH(r.read_f32("w", want),
                          ContainsSubstring(file) && ContainsSubstring("'w' has shape [2, 2]") &&
                              ContainsSubstring("expected [4, 1]"));
        CHECK_THROWS_WITH(r.read_i64("w"), ContainsSubstring("expected an integer dtype"));
    }
    SECTION("missing file") {
        CHECK_THROWS_WITH(SafetensorsReader(temp_path("does_not_exist.safetensors")),
                          ContainsSubstring("does_not_exist.safetensors") &&
                              ContainsSubstring("cannot open"));
    }
}

TEST_CASE("writer rejects inconsistent tensors", "[io]") {
    SafetensorsWriter w;
    w.add<float>("a", {2}, std::vector<float>{1, 2});
    CHECK_THROWS_AS(w.add<float>("a", {2}, std::vector<float>{1, 2}), std::invalid_argument);
    CHECK_THROWS_AS(w.add<float>("b", {3}, std::vector<float>{1, 2}), std::invalid_argument);
    CHECK_THROWS_AS(w.add<float>("__metadata__", {1}, std::vector<float>{1}),
                    std::invalid_argument);
}
