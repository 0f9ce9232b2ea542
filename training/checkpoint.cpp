// Saving and loading training checkpoints (see checkpoint.hpp).
#include "training/checkpoint.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/safetensors_reader.hpp"
#include "io/safetensors_writer.hpp"
#include "params/error.hpp"
#include "training/config.hpp"

namespace kirchhoff::training {

void save_checkpoint(const std::filesystem::path& path, const TrainState& s, const params::Config& config) {
    io::SafetensorsWriter w;
    w.set_metadata("kirchhoff_train_checkpoint", "1");
    w.set_metadata("step", std::to_string(s.step));
    w.set_metadata("data_rng_state", std::to_string(s.data_rng));
    w.set_metadata("param_count", std::to_string(s.params.size()));
    w.set_metadata("config", config.to_json().dump());
    const std::int64_t n = static_cast<std::int64_t>(s.params.size());
    w.add<float>("params", {n}, s.params);
    w.add<float>("adam_m", {n}, s.m);
    w.add<float>("adam_v", {n}, s.v);
    w.write(path);
}

namespace {

const std::string& meta(const io::SafetensorsReader& r, const std::string& key) {
    const auto it = r.metadata().find(key);
    if (it == r.metadata().end())
        throw InputError(fmt::format("{}: not a Kirchhoff training checkpoint (metadata '{}' missing)",
                                     r.path().string(), key));
    return it->second;
}

}  // namespace

TrainState load_checkpoint(const std::filesystem::path& path, const ParamLayout& layout) {
    io::SafetensorsReader r(path);
    meta(r, "kirchhoff_train_checkpoint");
    TrainState s;
    try {
        s.step = std::stoll(meta(r, "step"));
        s.data_rng = std::stoull(meta(r, "data_rng_state"));
    } catch (const std::logic_error&) {
        throw InputError(fmt::format("{}: step or data_rng_state metadata is not a number", path.string()));
    }
    const std::int64_t n = static_cast<std::int64_t>(layout.total);
    const std::vector<std::int64_t> shape{n};
    s.params = r.read_f32("params", shape);
    s.m = r.read_f32("adam_m", shape);
    s.v = r.read_f32("adam_v", shape);
    return s;
}

void check_resume_config(const std::filesystem::path& path, const params::Config& config) {
    io::SafetensorsReader r(path);
    const nlohmann::json saved = nlohmann::json::parse(meta(r, "config"));
    const nlohmann::json now = config.to_json();
    for (const auto& [key, value] : now.items()) {
        if (key_may_change_on_resume(key)) continue;
        if (!saved.contains(key) || saved.at(key) != value)
            throw InputError(fmt::format(
                "--resume {}: {} = {} here but {} in the checkpoint; a resumed run must use the checkpoint's "
                "configuration (only train.log_every, eval_every, eval_windows, checkpoint_every may change)",
                path.string(), key, value.dump(), saved.contains(key) ? saved.at(key).dump() : "(absent)"));
    }
}

}  // namespace kirchhoff::training
