#pragma once
// The client side of state sync in C++: what the web client's SnapshotReceiver
// (client/src/net/snapshots.ts) does, for the load generator and the tests. It decodes each
// snapshot against the view its header names as baseline, keeps the decoded views by snapshot id
// (the last 32 ids, as the server keeps the views it sent), and says which id to acknowledge.
//
//   snapshot id 7, baseline 5 ──> view of 5 held? ── yes ──> decode_delta(view 5) ──> check ──> held as 7
//                                                 └─ no ───> BaselineMissing (dropped, not acknowledged)
//
// It also checks the decoded view against the rules of docs/protocol.md "Views over time", which a
// decoder alone does not enforce: a local id in both the baseline and the result keeps its entity
// kind (the server reuses a local id only after the client acknowledged its departure); ids are
// sorted, unique and below 1024; and no world object is in the view twice (two local ids naming
// the same player slot, pickup, wall or flag). A snapshot that fails one of them is Inconsistent.
//
// Resync, as the web client does it (docs/protocol.md "Resync"): after a snapshot that does not
// decode, or kResyncAfterUnknown in a row whose baseline is not held, needs_resync() stays true
// until a full snapshot decodes; the client sends it as `resync` in its InputBatch meanwhile, and
// the server answers with a full snapshot.
//
// Memory: a held view is a vector of up to 1024 entries (56 bytes each). Views older than the
// baseline of the newest decoded snapshot are released at once: the server encodes against the
// largest acknowledgement it has seen, so no later snapshot can name them. A client therefore
// holds a few views, not 32, and a load generator can afford thousands of receivers.

#include "sync/delta.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace mgs::proto {
struct Snapshot;
}

namespace mgs::sync {

/// What SnapshotReceiver::receive did with one snapshot.
enum class ReceiveResult : std::uint8_t {
    Ok,              ///< decoded and consistent: now the newest view, its id is the one to acknowledge
    Stale,           ///< id not newer than the newest decoded one (reordered): ignored, not an error
    BaselineMissing, ///< its baseline is not held (never decoded, or left the ring): dropped
    DecodeError,     ///< no header, id 0, or decode_delta rejected the bytes: dropped
    Inconsistent,    ///< decoded, but a local id changed kind or an object is in view twice: dropped
};

[[nodiscard]] const char* to_string(ReceiveResult r) noexcept;

/// Counts of receive() results.
struct ReceiverStats {
    std::uint64_t ok = 0;
    std::uint64_t full = 0; ///< Ok snapshots with baseline 0
    std::uint64_t stale = 0;
    std::uint64_t baseline_missing = 0;
    std::uint64_t decode_errors = 0;
    std::uint64_t inconsistent = 0;
    std::uint64_t resyncs = 0; ///< times needs_resync() became true
};

/// Decodes the snapshots of one connection. Start a new one (or reset()) for every new
/// connection: the server numbers snapshots and acknowledgements per connection. One thread at a
/// time.
class SnapshotReceiver {
public:
    /// Snapshot ids remembered (the server's ring has the same size).
    static constexpr std::uint32_t kRing = 32;
    /// Snapshots in a row with a baseline not held before asking for a full one (half a second at
    /// 20 Hz), as RESYNC_AFTER_UNKNOWN in client/src/net/snapshots.ts.
    static constexpr std::uint32_t kResyncAfterUnknown = 10;

    /// Takes one snapshot: its header's id and baseline, and its delta bytes. Ok: the view is
    /// latest() and id is ack_id(). Any other result leaves the receiver as it was (apart from
    /// stats()).
    ReceiveResult receive(std::uint32_t id, std::uint32_t baseline, std::span<const std::uint8_t> data);
    /// The same from a verified proto::Snapshot (header and data; a snapshot without them is a
    /// DecodeError). The caller verified the envelope holding it.
    ReceiveResult receive(const proto::Snapshot& snapshot);

    /// The id to acknowledge in the next input: the newest decoded (0 before the first).
    [[nodiscard]] std::uint32_t ack_id() const noexcept { return newest_; }
    /// The newest decoded view (empty before the first). Valid until the next receive()/reset().
    [[nodiscard]] std::span<const ViewEntry> latest() const noexcept;
    /// True if the view of snapshot `id` is held (a later snapshot may use it as its baseline).
    [[nodiscard]] bool holds(std::uint32_t id) const noexcept { return find(id) != nullptr; }
    /// Views held now (for tests and memory figures).
    [[nodiscard]] std::size_t views_held() const noexcept;
    [[nodiscard]] const ReceiverStats& stats() const noexcept { return stats_; }
    /// True from a snapshot that did not decode (or was inconsistent), or kResyncAfterUnknown in a
    /// row with a baseline not held, until a full snapshot decodes: ask the server for a full one.
    [[nodiscard]] bool needs_resync() const noexcept { return resync_; }
    /// Forgets every view (a new connection) and any resync; keeps stats().
    void reset();

private:
    struct Slot {
        std::uint32_t id = 0;   // 0: empty
        std::int32_t view = -1; // index into views_
    };

    [[nodiscard]] const std::vector<ViewEntry>* find(std::uint32_t id) const noexcept;
    [[nodiscard]] std::int32_t take_view();
    void release(Slot& slot);
    void start_resync() noexcept;

    std::array<Slot, kRing> ring_{};
    std::vector<std::vector<ViewEntry>> views_; // storage reused across snapshots
    std::vector<std::int32_t> free_views_;
    std::uint32_t newest_ = 0;
    std::uint32_t newest_baseline_ = 0;
    std::uint32_t unknown_run_ = 0; // snapshots in a row whose baseline was not held
    bool resync_ = false;
    ReceiverStats stats_;
};

} // namespace mgs::sync
