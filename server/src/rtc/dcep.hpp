#pragma once
// Data Channel Establishment Protocol (RFC 8832): the two messages that open a data channel,
// carried on the channel's own SCTP stream with PPID 50.
//
//   DATA_CHANNEL_OPEN (sec. 5.1)                     DATA_CHANNEL_ACK (sec. 5.2)
//    0      1      2      3                           0
//   +------+------+------+------+                    +------+
//   | 0x03 | type |  priority   |                    | 0x02 |
//   +------+------+------+------+                    +------+
//   |   reliability parameter   |
//   +------+------+------+------+
//   | label length| proto length|
//   +------+------+------+------+
//   | label ... | protocol ...  |

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace mgs::rtc {

constexpr std::uint8_t kDcepOpen = 0x03; // RFC 8832 sec. 8.2.1
constexpr std::uint8_t kDcepAck = 0x02;

/// Channel types (RFC 8832 sec. 5.1). The high bit means unordered.
enum class ChannelType : std::uint8_t {
    Reliable = 0x00,
    PartialReliableRexmit = 0x01,
    PartialReliableTimed = 0x02,
    ReliableUnordered = 0x80,
    PartialReliableRexmitUnordered = 0x81,
    PartialReliableTimedUnordered = 0x82,
};

struct DcepOpen {
    ChannelType type = ChannelType::Reliable;
    std::uint16_t priority = 256;
    std::uint32_t reliability = 0; // retransmissions or lifetime in ms, per type
    std::string label;
    std::string protocol;

    [[nodiscard]] bool unordered() const noexcept { return (static_cast<std::uint8_t>(type) & 0x80) != 0; }
    /// -1 when fully reliable; otherwise the retransmission limit (timed channels are mapped to
    /// a retransmission count of 0: we never keep game data longer than one try).
    [[nodiscard]] int max_retransmits() const noexcept;
};

/// Parses a DATA_CHANNEL_OPEN. False when truncated, of another type, with an unknown channel
/// type, or with lengths that overrun the message.
[[nodiscard]] bool parse_dcep_open(std::span<const std::uint8_t> data, DcepOpen& out);
/// Serialises a DATA_CHANNEL_OPEN.
[[nodiscard]] std::vector<std::uint8_t> build_dcep_open(const DcepOpen& open);
/// True for a well-formed DATA_CHANNEL_ACK.
[[nodiscard]] bool is_dcep_ack(std::span<const std::uint8_t> data) noexcept;

} // namespace mgs::rtc
