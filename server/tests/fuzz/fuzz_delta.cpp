// libFuzzer target: snapshot deltas (sync/delta.hpp), which a client decodes from whatever arrives
// on the state channel. The first two bytes pick a small baseline (entry count, seed); the rest is
// the delta. An accepted delta must give a valid view that encodes and decodes back to itself.
#include "sync/delta.hpp"

#include "core/rng.hpp"

#include <cstdlib>

namespace {
using namespace mgs::sync;

constexpr std::size_t kHeaderBytes = 2;

/// Up to 16 entries of every kind, ids spread over the 10-bit range, fields from the seed.
void make_baseline(std::uint8_t count, std::uint8_t seed, std::vector<ViewEntry>& out) {
    out.clear();
    const std::size_t n = count % 17u;
    for (std::size_t k = 0; k < n; ++k) {
        ViewEntry e{static_cast<std::uint16_t>(k * 60 + seed % 60u), {}};
        const std::uint64_t draw = mgs::hash_draw(seed, k, 0);
        e.entity.kind = static_cast<EntityKind>(draw % static_cast<std::uint64_t>(EntityKind::Count));
        const auto spec = fields(e.entity.kind);
        for (std::size_t i = 0; i < spec.size(); ++i) {
            e.entity.f[i] =
                static_cast<std::uint32_t>(mgs::hash_draw(seed, k, i + 1)) & ((1u << spec[i].bits) - 1u);
        }
        out.push_back(e);
    }
}

bool valid(const std::vector<ViewEntry>& view) {
    if (view.size() > kMaxViewEntries) return false;
    for (std::size_t k = 0; k < view.size(); ++k) {
        if (view[k].local_id >= kMaxViewEntries || (k > 0 && view[k - 1].local_id >= view[k].local_id))
            return false;
        const auto spec = fields(view[k].entity.kind);
        if (spec.empty()) return false;
        for (std::size_t i = 0; i < kMaxFields; ++i) {
            const std::uint32_t limit = i < spec.size() ? (1u << spec[i].bits) - 1u : 0u;
            if (view[k].entity.f[i] > limit) return false;
        }
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static std::vector<ViewEntry> baseline;
    static std::vector<ViewEntry> view;
    static std::vector<ViewEntry> again;
    static std::uint8_t buf[16384]; // a full 1024-entry snapshot is at most 12.6 KB
    if (size < kHeaderBytes) return 0;
    make_baseline(data[0], data[1], baseline);
    BitReader in(std::span(data + kHeaderBytes, size - kHeaderBytes));
    if (!decode_delta(baseline, in, view)) return 0;
    if (!valid(view)) std::abort();
    BitWriter out(buf);
    if (!encode_delta(baseline, view, out)) std::abort();
    BitReader back(out.data(), out.bits());
    if (!decode_delta(baseline, back, again) || again != view || back.bits_left() != 0) std::abort();
    return 0;
}
