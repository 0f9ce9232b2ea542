// Hugging Face checkpoints: files written here by hand in HF's own layout (permuted q/k rows
// for Llama, Conv1D (in, out) weights and fused c_attn for GPT-2) load into models whose
// logits match the independent reference; save_hf round trips; defects are named.
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_floating_point.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/safetensors_reader.hpp"
#include "io/safetensors_writer.hpp"
#include "params/error.hpp"
#include "tiny_models.hpp"
#include "transformer/forward.hpp"
#include "transformer/hf_checkpoint.hpp"

using namespace kirchhoff;
using namespace kirchhoff::transformer;
using namespace kirchhoff::transformer::testing;
using Catch::Matchers::ContainsSubstring;
using Catch::Matchers::WithinAbs;
using nlohmann::json;

namespace {

using Shape = std::vector<std::int64_t>;

// Meta/llama2.c -> HF rows, written as the einops rule '(h d two) n -> (h two d) n'.
std::vector<float> to_hf_rows(const std::vector<float>& w, int rows, int cols, int head_size) {
    std::vector<float> out(w.size());
    const int half = head_size / 2;
    for (int h = 0; h < rows / head_size; ++h)
        for (int dd = 0; dd < half; ++dd)
            for (int two = 0; two < 2; ++two)
                for (int n = 0; n < cols; ++n)
                    out[((h * 2 + two) * half + dd) * cols + n] = w[((h * half + dd) * 2 + two) * cols + n];
    return out;
}

std::vector<float> transposed(const std::vector<float>& w, int rows, int cols) {
    std::vector<float> t(w.size());
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) t[c * rows + r] = w[r * cols + c];
    return t;
}

void write_json(const std::filesystem::path& p, const json& j) {
    std::ofstream(p) << j.dump(1);
}

std::filesystem::path fresh_dir(const std::string& name) {
    const auto dir = temp_dir() / name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

json llama_config(const ModelConfig& c) {
    return {{"model_type", "llama"},          {"hidden_size", c.dim},
            {"intermediate_size", c.hidden_dim}, {"num_hidden_layers", c.n_layers},
            {"num_attention_heads", c.n_heads},  {"num_key_value_heads", c.n_kv_heads},
            {"vocab_size", c.vocab_size},        {"max_position_embeddings", c.seq_len},
            {"rms_norm_eps", 1e-5},              {"tie_word_embeddings", c.shared_classifier},
            {"rope_theta", 10000.0},             {"hidden_act", "silu"}};
}

// Writes `m` as HF Llama tensors into `w` (by hand, independent of save_hf).
void add_llama_tensors(const Model& m, io::SafetensorsWriter& w) {
    const ModelConfig& c = m.config;
    const int d = c.dim, hs = c.head_size();
    w.add<float>("model.embed_tokens.weight", {c.vocab_size, d}, m.token_embedding);
    for (int b = 0; b < c.n_layers; ++b) {
        const Block& k = m.blocks[b];
        const std::string p = fmt::format("model.layers.{}.", b);
        w.add<float>(p + "input_layernorm.weight", {d}, k.attn_norm.weight);
        w.add<float>(p + "self_attn.q_proj.weight", {d, d}, to_hf_rows(k.q.weight, d, d, hs));
        w.add<float>(p + "self_attn.k_proj.weight", {c.kv_dim(), d},
                     to_hf_rows(k.k.weight, c.kv_dim(), d, hs));
        w.add<float>(p + "self_attn.v_proj.weight", {c.kv_dim(), d}, k.v.weight);
        w.add<float>(p + "self_attn.o_proj.weight", {d, d}, k.o.weight);
        w.add<float>(p + "post_attention_layernorm.weight", {d}, k.mlp_norm.weight);
        w.add<float>(p + "mlp.gate_proj.weight", {c.hidden_dim, d}, k.gate.weight);
        w.add<float>(p + "mlp.up_proj.weight", {c.hidden_dim, d}, k.up.weight);
        w.add<float>(p + "mlp.down_proj.weight", {d, c.hidden_dim}, k.down.weight);
    }
    w.add<float>("model.norm.weight", {d}, m.final_norm.weight);
    w.add<float>("lm_head.weight", {c.vocab_size, d}, m.classifier.weight);
}

void check_same_logits(const Model& a, const Model& b) {
    const std::vector<int> tokens{1, 5, 2, 7, 3, 0, 4};
    IdealBackend ideal;
    const auto la = Forward<double>(a, ideal).run(tokens);
    const auto lb = Forward<double>(b, ideal).run(tokens);
    REQUIRE(la.size() == lb.size());
    for (std::size_t i = 0; i < la.size(); ++i) REQUIRE_THAT(la[i], WithinAbs(lb[i], 1e-12));
    const Mat ref = reference_logits(b, tokens);
    const std::size_t V = b.config.vocab_size;
    for (std::size_t t = 0; t < tokens.size(); ++t)
        for (std::size_t v = 0; v < V; ++v) REQUIRE_THAT(lb[t * V + v], WithinAbs(ref[t][v], 1e-11));
}

}  // namespace

TEST_CASE("HF Llama checkpoint with permuted q/k rows loads into llama2.c layout",
          "[transformer][hf]") {
    const Model m = tiny_llama(31, false);
    const auto dir = fresh_dir("hf_llama");
    io::SafetensorsWriter w;
    add_llama_tensors(m, w);
    w.write(dir / "model.safetensors");
    write_json(dir / "config.json", llama_config(m.config));
    const Model back = load_hf(dir);
    CHECK(back.blocks[1].q.weight == m.blocks[1].q.weight);  // permutation undone exactly
    CHECK(back.blocks[1].k.weight == m.blocks[1].k.weight);
    CHECK(back.config.n_kv_heads == 2);
    check_same_logits(m, back);
    // a path to the .safetensors file works as well as the directory
    CHECK(load_hf(dir / "model.safetensors").blocks[0].v.weight == m.blocks[0].v.weight);
}

TEST_CASE("HF GPT-2 checkpoint with Conv1D weights and fused c_attn loads",
          "[transformer][hf]") {
    const Model m = tiny_gpt2(32);
    const ModelConfig& c = m.config;
    const int d = c.dim, hd = c.hidden_dim;
    const auto dir = fresh_dir("hf_gpt2");
    io::SafetensorsWriter w;  // names without the "transformer." prefix, as the hub's gpt2 has
    w.add<float>("wte.weight", {c.vocab_size, d}, m.classifier.weight);
    w.add<float>("wpe.weight", {c.seq_len, d}, m.position_embedding);
    for (int b = 0; b < c.n_layers; ++b) {
        const Block& k = m.blocks[b];
        const std::string p = fmt::format("h.{}.", b);
        std::vector<float> qkv, qkv_bias;
        for (const LinearLayer* l : {&k.q, &k.k, &k.v}) {
            qkv.insert(qkv.end(), l->weight.begin(), l->weight.end());
            qkv_bias.insert(qkv_bias.end(), l->bias.begin(), l->bias.end());
        }
        w.add<float>(p + "ln_1.weight", {d}, k.attn_norm.weight);
        w.add<float>(p + "ln_1.bias", {d}, k.attn_norm.bias);
        w.add<float>(p + "attn.c_attn.weight", {d, 3 * d}, transposed(qkv, 3 * d, d));
        w.add<float>(p + "attn.c_attn.bias", {3 * d}, qkv_bias);
        w.add<float>(p + "attn.c_proj.weight", {d, d}, transposed(k.o.weight, d, d));
        w.add<float>(p + "attn.c_proj.bias", {d}, k.o.bias);
        w.add<float>(p + "attn.bias", {1, 1, c.seq_len, c.seq_len},
                     std::vector<float>(c.seq_len * c.seq_len, 1.0f));  // mask buffer: ignored
        w.add<float>(p + "ln_2.weight", {d}, k.mlp_norm.weight);
        w.add<float>(p + "ln_2.bias", {d}, k.mlp_norm.bias);
        w.add<float>(p + "mlp.c_fc.weight", {d, hd}, transposed(k.up.weight, hd, d));
        w.add<float>(p + "mlp.c_fc.bias", {hd}, k.up.bias);
        w.add<float>(p + "mlp.c_proj.weight", {hd, d}, transposed(k.down.weight, d, hd));
        w.add<float>(p + "mlp.c_proj.bias", {d}, k.down.bias);
    }
    w.add<float>("ln_f.weight", {d}, m.final_norm.weight);
    w.add<float>("ln_f.bias", {d}, m.final_norm.bias);
    w.write(dir / "model.safetensors");
    write_json(dir / "config.json", {{"model_type", "gpt2"},
                                     {"n_embd", d},
                                     {"n_layer", c.n_layers},
                                     {"n_head", c.n_heads},
                                     {"n_positions", c.seq_len},
                                     {"n_inner", nullptr},
                                     {"vocab_size", c.vocab_size},
                                     {"layer_norm_epsilon", 1e-5},
                                     {"activation_function", "gelu_new"}});
    const Model back = load_hf(dir);
    CHECK(back.config.hidden_dim == 4 * d);  // n_inner null -> 4 n_embd
    CHECK(back.blocks[0].k.bias == m.blocks[0].k.bias);
    check_same_logits(m, back);
}

TEST_CASE("save_hf round trips both architectures, sharded indexes load", "[transformer][hf]") {
    for (const bool gpt2 : {false, true}) {
        const Model m = gpt2 ? tiny_gpt2(33) : tiny_llama(33, true);
        const auto dir = fresh_dir(gpt2 ? "save_gpt2" : "save_llama");
        save_hf(m, dir);
        const Model back = load_hf(dir);
        check_same_logits(m, back);
        save_hf(m, dir, io::DType::BF16);  // 8-bit mantissa: weights within 2^-8 relative
        const Model rounded = load_hf(dir);
        for (std::size_t i = 0; i < m.blocks[0].up.weight.size(); ++i)
            REQUIRE_THAT(rounded.blocks[0].up.weight[i],
                         WithinAbs(m.blocks[0].up.weight[i],
                                   std::abs(m.blocks[0].up.weight[i]) / 256.0 + 1e-30));
    }
    // Shards: split the Llama tensors over two files listed in the index.
    const Model m = tiny_llama(34, false);
    const auto dir = fresh_dir("hf_sharded");
    write_json(dir / "config.json", llama_config(m.config));
    io::SafetensorsWriter a, b;
    json map;
    {
        // the same tensors split by name: block 1 in shard 2, the rest in shard 1
        io::SafetensorsWriter tmp;
        add_llama_tensors(m, tmp);
        tmp.write(dir / "all.safetensors");
        io::SafetensorsReader r(dir / "all.safetensors");
        for (const io::TensorInfo& t : r.tensors()) {
            const bool first = t.name.find("layers.1.") == std::string::npos;
            (first ? a : b).add_bytes(t.name, t.dtype, t.shape, r.bytes(t));
            map[t.name] = first ? "model-00001-of-00002.safetensors"
                                : "model-00002-of-00002.safetensors";
        }
    }
    std::filesystem::remove(dir / "all.safetensors");
    a.write(dir / "model-00001-of-00002.safetensors");
    b.write(dir / "model-00002-of-00002.safetensors");
    write_json(dir / "model.safetensors.index.json", {{"metadata", json::object()},
                                                      {"weight_map", map}});
    check_same_logits(m, load_hf(dir));
}

TEST_CASE("defective HF checkpoints name the file and the tensor or key", "[transformer][hf]") {
    const Model m = tiny_llama(35, false);
    const auto dir = fresh_dir("hf_bad");
    const std::string weights = (dir / "model.safetensors").string();
    const std::string config = (dir / "config.json").string();
    write_json(dir / "config.json", llama_config(m.config));

    SECTION("missing tensor") {
        io::SafetensorsWriter w;
        w.add<float>("model.embed_tokens.weight", {11, 16}, m.token_embedding);
        w.write(dir / "model.safetensors");
        CHECK_THROWS_WITH(load_hf(dir), ContainsSubstring(weights) &&
                                            ContainsSubstring("'model.layers.0.input_layernorm."
                                                              "weight' is missing"));
    }
    SECTION("wrong shape") {
        io::SafetensorsWriter w;
        add_llama_tensors(m, w);
        io::SafetensorsWriter w2;
        w2.add<float>("model.embed_tokens.weight", {16, 11}, m.token_embedding);  // transposed
        w2.write(dir / "model.safetensors");
        CHECK_THROWS_WITH(load_hf(dir),
                          ContainsSubstring("'model.layers.0.input_layernorm.weight'"));
        // correct names, one shape wrong
        auto cfg = llama_config(m.config);
        cfg["intermediate_size"] = 25;
        write_json(dir / "config.json", cfg);
        w.write(dir / "model.safetensors");
        CHECK_THROWS_WITH(load_hf(dir), ContainsSubstring(weights) &&
                                            ContainsSubstring("'model.layers.0.mlp.gate_proj."
                                                              "weight' has shape [24, 16]") &&
                                            ContainsSubstring("expected [25, 16]"));
    }
    SECTION("unexpected tensors") {
        io::SafetensorsWriter w;
        add_llama_tensors(m, w);
        w.add<float>("model.layers.0.self_attn.q_norm.weight", {4}, std::vector<float>(4, 1.0f));
        w.write(dir / "model.safetensors");
        CHECK_THROWS_WITH(load_hf(dir), ContainsSubstring("unexpected tensor") &&
                                            ContainsSubstring("q_norm"));
    }
    SECTION("truncated weights file") {
        io::SafetensorsWriter w;
        add_llama_tensors(m, w);
        w.write(dir / "model.safetensors");
        std::filesystem::resize_file(dir / "model.safetensors",
                                     std::filesystem::file_size(dir / "model.safetensors") - 3);
        CHECK_THROWS_WITH(load_hf(dir), ContainsSubstring(weights) &&
                                            ContainsSubstring("'lm_head.weight'") &&
                                            ContainsSubstring("truncated"));
    }
    SECTION("configuration Kirchhoff does not model") {
        io::SafetensorsWriter w;
        add_llama_tensors(m, w);
        w.write(dir / "model.safetensors");
        auto cfg = llama_config(m.config);
        cfg["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};
        write_json(dir / "config.json", cfg);
        CHECK_THROWS_WITH(load_hf(dir), ContainsSubstring(config) &&
                                            ContainsSubstring("rope_scaling"));
        cfg = llama_config(m.config);
        cfg["model_type"] = "bert";
        write_json(dir / "config.json", cfg);
        CHECK_THROWS_WITH(load_hf(dir), ContainsSubstring("\"bert\"") &&
                                            ContainsSubstring("allowed: llama, mistral, gpt2"));
        cfg = llama_config(m.config);
        cfg["num_key_value_heads"] = 3;
        write_json(dir / "config.json", cfg);
        CHECK_THROWS_WITH(load_hf(dir), ContainsSubstring(config) &&
                                            ContainsSubstring("n_kv_heads = 3"));
        cfg = llama_config(m.config);
        cfg["intermediate_size"] = 1 << 30;  // would need terabytes: refused before allocating
        write_json(dir / "config.json", cfg);
        CHECK_THROWS_WITH(load_hf(dir), ContainsSubstring(config) &&
                                            ContainsSubstring("holds only"));
        cfg = llama_config(m.config);
        cfg.erase("hidden_size");
        write_json(dir / "config.json", cfg);
        CHECK_THROWS_WITH(load_hf(dir), ContainsSubstring("missing key \"hidden_size\""));
        cfg = llama_config(m.config);
        cfg["tie_word_embeddings"] = false;
        write_json(dir / "config.json", cfg);
        io::SafetensorsWriter no_head;
        io::SafetensorsReader r(dir / "model.safetensors");
        for (const io::TensorInfo& t : r.tensors())
            if (t.name != "lm_head.weight") no_head.add_bytes(t.name, t.dtype, t.shape, r.bytes(t));
        no_head.write(dir / "model.safetensors");
        CHECK_THROWS_WITH(load_hf(dir), ContainsSubstring("'lm_head.weight' is missing") &&
                                            ContainsSubstring("tie_word_embeddings"));
    }
    SECTION("no config.json") {
        std::filesystem::remove(dir / "config.json");
        CHECK_THROWS_WITH(load_hf(dir), ContainsSubstring("config.json"));
    }
}
