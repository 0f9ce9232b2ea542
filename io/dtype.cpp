// Element type names, sizes and the half/bfloat16 conversions.
#include "io/dtype.hpp"

#include <array>
#include <bit>
#include <cstring>
#include <utility>

namespace kirchhoff::io {

static_assert(std::endian::native == std::endian::little,
              "safetensors arrays are little-endian; Kirchhoff reads them in place");

namespace {

struct Entry {
    DType type;
    std::string_view name;
    std::size_t size;
};

constexpr std::array<Entry, 13> entries{{
    {DType::BOOL, "BOOL", 1}, {DType::U8, "U8", 1},     {DType::I8, "I8", 1},
    {DType::U16, "U16", 2},   {DType::I16, "I16", 2},   {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2}, {DType::U32, "U32", 4},   {DType::I32, "I32", 4},
    {DType::F32, "F32", 4},   {DType::U64, "U64", 8},   {DType::I64, "I64", 8},
    {DType::F64, "F64", 8},
}};

const Entry& entry(DType t) { return entries[static_cast<std::size_t>(t)]; }

template <class T>
T load(const std::byte* p) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
}

}  // namespace

std::size_t dtype_size(DType t) { return entry(t).size; }
std::string_view dtype_name(DType t) { return entry(t).name; }

std::optional<DType> parse_dtype(std::string_view name) {
    for (const Entry& e : entries)
        if (e.name == name) return e.type;
    return std::nullopt;
}

std::string_view dtype_names_allowed() {
    return "BOOL, U8, I8, U16, I16, F16, BF16, U32, I32, F32, U64, I64, F64";
}

bool is_floating(DType t) {
    return t == DType::F16 || t == DType::BF16 || t == DType::F32 || t == DType::F64;
}

double element_as_double(const std::byte* data, DType t, std::size_t i) {
    const std::byte* p = data + i * dtype_size(t);
    switch (t) {
        case DType::BOOL: return load<std::uint8_t>(p) != 0 ? 1.0 : 0.0;
        case DType::U8: return load<std::uint8_t>(p);
        case DType::I8: return load<std::int8_t>(p);
        case DType::U16: return load<std::uint16_t>(p);
        case DType::I16: return load<std::int16_t>(p);
        case DType::F16: return half_to_float(load<std::uint16_t>(p));
        case DType::BF16: return bf16_to_float(load<std::uint16_t>(p));
        case DType::U32: return load<std::uint32_t>(p);
        case DType::I32: return load<std::int32_t>(p);
        case DType::F32: return load<float>(p);
        case DType::U64: return static_cast<double>(load<std::uint64_t>(p));
        case DType::I64: return static_cast<double>(load<std::int64_t>(p));
        case DType::F64: return load<double>(p);
    }
    return 0.0;
}

// IEEE binary16: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits.
float half_to_float(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1fu;
    std::uint32_t mant = h & 0x3ffu;
    std::uint32_t bits = 0;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (mant << 13);  // inf or NaN
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (mant << 13);  // 112 = 127 - 15
    } else if (mant == 0) {
        bits = sign;  // signed zero
    } else {
        // Subnormal half: normalise into a float.
        int e = -1;
        do {
            ++e;
            mant <<= 1;
        } while ((mant & 0x400u) == 0);
        bits = sign | static_cast<std::uint32_t>(112 - e) << 23 | ((mant & 0x3ffu) << 13);
    }
    return std::bit_cast<float>(bits);
}

std::uint16_t float_to_half(float f) {
    const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
    const std::uint16_t sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
    const std::uint32_t abs = x & 0x7fffffffu;
    if (abs >= 0x7f800000u)  // inf or NaN (keep NaN quiet and non-zero)
        return sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u);
    if (abs >= 0x477ff000u) return sign | 0x7c00u;  // rounds to >= 65520: overflow to inf
    if (abs < 0x38800000u) {
        // Result is subnormal (or zero): value = mant * 2^-24.
        if (abs < 0x33000000u) return sign;  // below half the smallest subnormal
        const std::uint32_t e = abs >> 23;
        const std::uint32_t m = (abs & 0x7fffffu) | 0x800000u;
        const std::uint32_t shift = 126 - e;  // 113 + 13 ... keeps 10 bits after scaling
        std::uint32_t r = m >> shift;
        const std::uint32_t rem = m & ((1u << shift) - 1);
        const std::uint32_t half = 1u << (shift - 1);
        if (rem > half || (rem == half && (r & 1u))) ++r;
        return sign | static_cast<std::uint16_t>(r);
    }
    // Normal: rebias exponent, round mantissa to nearest even.
    std::uint32_t r = abs - 0x38000000u;  // (127 - 15) << 23
    const std::uint32_t rem = r & 0x1fffu;
    r >>= 13;
    if (rem > 0x1000u || (rem == 0x1000u && (r & 1u))) ++r;
    return sign | static_cast<std::uint16_t>(r);
}

float bf16_to_float(std::uint16_t b) {
    return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

std::uint16_t float_to_bf16(float f) {
    const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((x >> 16) | 0x40u);
    const std::uint32_t rounding = 0x7fffu + ((x >> 16) & 1u);
    return static_cast<std::uint16_t>((x + rounding) >> 16);
}

}  // namespace kirchhoff::io
