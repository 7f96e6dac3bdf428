#include "sync/receiver.hpp"

#include "proto/game_generated.h"

#include <algorithm>
#include <array>

namespace mgs::sync {

namespace {

/// The world object an entry names, for the "in view once" check: kind in the top bits, then the
/// player slot (low 16 bits, as sent), pickup index, wall index or flag team. Projectiles name no
/// object (UINT64_MAX).
std::uint64_t object_key(const QEntity& e) noexcept {
    const auto kind = static_cast<std::uint64_t>(e.kind) << 32;
    switch (e.kind) {
    case EntityKind::Player:
        return kind | e.f[kPlayerId];
    case EntityKind::Pickup:
        return kind | e.f[kPickupIndex];
    case EntityKind::Wall:
        return kind | e.f[kWallIndex];
    case EntityKind::Flag:
        return kind | e.f[kFlagTeam];
    default:
        return UINT64_MAX;
    }
}

/// Set of object keys of one view: open addressing in a table 4 times the largest view, with a
/// stamp per slot instead of clearing it. Per thread: receivers run on one thread at a time, and
/// thousands of them (a load generator) share one table instead of holding one each.
class KeySet {
public:
    void clear() noexcept {
        if (++stamp_ == 0) { // wrapped: forget every old stamp
            stamps_.fill(0);
            stamp_ = 1;
        }
    }
    /// False if `key` was inserted since the last clear().
    bool insert(std::uint64_t key) noexcept {
        std::size_t i = static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ULL) >> 52); // top 12 bits
        for (;; i = (i + 1) & (kSlots - 1)) {
            if (stamps_[i] != stamp_) {
                stamps_[i] = stamp_;
                keys_[i] = key;
                return true;
            }
            if (keys_[i] == key) {
                return false;
            }
        }
    }

private:
    static constexpr std::size_t kSlots = 4096; // > 1024 entries per view: never full
    std::array<std::uint64_t, kSlots> keys_{};
    std::array<std::uint32_t, kSlots> stamps_{};
    std::uint32_t stamp_ = 0;
};

/// The checks of the header comment, on a view decode_delta accepted against `baseline`.
bool consistent(std::span<const ViewEntry> baseline, std::span<const ViewEntry> view) {
    thread_local KeySet keys;
    keys.clear();
    for (std::size_t i = 0; i < view.size(); ++i) {
        if (view[i].local_id >= kMaxViewEntries || (i > 0 && view[i - 1].local_id >= view[i].local_id)) {
            return false;
        }
        if (const std::uint64_t k = object_key(view[i].entity); k != UINT64_MAX && !keys.insert(k)) {
            return false;
        }
    }
    // Both sorted by local id: one merge pass.
    std::size_t j = 0;
    for (const ViewEntry& b : baseline) {
        while (j < view.size() && view[j].local_id < b.local_id) {
            ++j;
        }
        if (j < view.size() && view[j].local_id == b.local_id && view[j].entity.kind != b.entity.kind) {
            return false;
        }
    }
    return true;
}

} // namespace

const char* to_string(ReceiveResult r) noexcept {
    switch (r) {
    case ReceiveResult::Ok:
        return "ok";
    case ReceiveResult::Stale:
        return "stale";
    case ReceiveResult::BaselineMissing:
        return "baseline_missing";
    case ReceiveResult::DecodeError:
        return "decode_error";
    case ReceiveResult::Inconsistent:
        return "inconsistent";
    }
    return "?";
}

const std::vector<ViewEntry>* SnapshotReceiver::find(std::uint32_t id) const noexcept {
    const Slot& s = ring_[id % kRing];
    return id != 0 && s.id == id ? &views_[static_cast<std::size_t>(s.view)] : nullptr;
}

std::span<const ViewEntry> SnapshotReceiver::latest() const noexcept {
    const auto* v = find(newest_);
    return v != nullptr ? std::span<const ViewEntry>(*v) : std::span<const ViewEntry>();
}

std::size_t SnapshotReceiver::views_held() const noexcept {
    return static_cast<std::size_t>(
        std::count_if(ring_.begin(), ring_.end(), [](const Slot& s) { return s.id != 0; }));
}

std::int32_t SnapshotReceiver::take_view() {
    if (!free_views_.empty()) {
        const std::int32_t v = free_views_.back();
        free_views_.pop_back();
        return v;
    }
    views_.emplace_back();
    return static_cast<std::int32_t>(views_.size() - 1);
}

void SnapshotReceiver::release(Slot& slot) {
    if (slot.id != 0) {
        free_views_.push_back(slot.view);
        slot = Slot{};
    }
}

void SnapshotReceiver::reset() {
    for (Slot& s : ring_) {
        release(s);
    }
    newest_ = 0;
    newest_baseline_ = 0;
    unknown_run_ = 0;
    resync_ = false;
}

void SnapshotReceiver::start_resync() noexcept {
    if (!resync_) {
        resync_ = true;
        ++stats_.resyncs;
    }
}

ReceiveResult SnapshotReceiver::receive(std::uint32_t id, std::uint32_t baseline,
                                        std::span<const std::uint8_t> data) {
    if (id == 0) {
        ++stats_.decode_errors;
        start_resync();
        return ReceiveResult::DecodeError;
    }
    if (newest_ != 0 && id <= newest_) {
        ++stats_.stale;
        return ReceiveResult::Stale;
    }
    std::span<const ViewEntry> base;
    if (baseline != 0) {
        const auto* held = baseline < id ? find(baseline) : nullptr;
        if (held == nullptr) {
            ++stats_.baseline_missing;
            if (++unknown_run_ >= kResyncAfterUnknown) {
                start_resync();
            }
            return ReceiveResult::BaselineMissing;
        }
        base = *held;
    }
    // Decode into a spare view, so that a rejected snapshot leaves every held view untouched.
    const std::int32_t v = take_view();
    std::vector<ViewEntry>& out = views_[static_cast<std::size_t>(v)];
    BitReader reader(data);
    ReceiveResult result = ReceiveResult::Ok;
    if (!decode_delta(base, reader, out)) {
        result = ReceiveResult::DecodeError;
        ++stats_.decode_errors;
    } else if (!consistent(base, out)) {
        result = ReceiveResult::Inconsistent;
        ++stats_.inconsistent;
    }
    if (result != ReceiveResult::Ok) {
        free_views_.push_back(v);
        start_resync(); // a server bug or corruption, never loss: only a full snapshot helps
        return result;
    }
    Slot& slot = ring_[id % kRing];
    release(slot); // the id 32 before this one: it left the ring
    slot = Slot{id, v};
    newest_ = id;
    ++stats_.ok;
    stats_.full += baseline == 0 ? 1 : 0;
    unknown_run_ = 0;
    if (baseline == 0) {
        resync_ = false; // the client holds what the server builds on again
    }
    if (baseline > newest_baseline_) {
        // The server's acknowledgement only grows: views older than this baseline are never named
        // again (a reordered older snapshot is Stale anyway).
        newest_baseline_ = baseline;
        for (Slot& s : ring_) {
            if (s.id != 0 && s.id < baseline) {
                release(s);
            }
        }
    }
    return ReceiveResult::Ok;
}

ReceiveResult SnapshotReceiver::receive(const proto::Snapshot& snapshot) {
    const proto::SnapshotHeader* h = snapshot.header();
    if (h == nullptr || snapshot.data() == nullptr) {
        ++stats_.decode_errors;
        start_resync();
        return ReceiveResult::DecodeError;
    }
    return receive(h->id(), h->baseline(), {snapshot.data()->data(), snapshot.data()->size()});
}

} // namespace mgs::sync
