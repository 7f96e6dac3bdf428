#include "rtc/dcep.hpp"

namespace mgs::rtc {

namespace {

std::uint16_t be16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
std::uint32_t be32(const std::uint8_t* p) {
    return (static_cast<std::uint32_t>(p[0]) << 24) | (static_cast<std::uint32_t>(p[1]) << 16) |
           (static_cast<std::uint32_t>(p[2]) << 8) | p[3];
}

bool known_type(std::uint8_t t) {
    switch (t) {
    case 0x00:
    case 0x01:
    case 0x02:
    case 0x80:
    case 0x81:
    case 0x82:
        return true;
    default:
        return false;
    }
}

} // namespace

int DcepOpen::max_retransmits() const noexcept {
    switch (type) {
    case ChannelType::Reliable:
    case ChannelType::ReliableUnordered:
        return -1;
    case ChannelType::PartialReliableRexmit:
    case ChannelType::PartialReliableRexmitUnordered:
        return reliability > 0xFFFF ? 0xFFFF : static_cast<int>(reliability);
    default:
        return 0;
    }
}

bool parse_dcep_open(std::span<const std::uint8_t> data, DcepOpen& out) {
    constexpr std::size_t kHeader = 12;
    if (data.size() < kHeader || data[0] != kDcepOpen || !known_type(data[1])) {
        return false;
    }
    const std::size_t label_len = be16(&data[8]);
    const std::size_t proto_len = be16(&data[10]);
    if (kHeader + label_len + proto_len > data.size()) {
        return false;
    }
    out.type = static_cast<ChannelType>(data[1]);
    out.priority = be16(&data[2]);
    out.reliability = be32(&data[4]);
    const auto* p = reinterpret_cast<const char*>(data.data() + kHeader);
    out.label.assign(p, label_len);
    out.protocol.assign(p + label_len, proto_len);
    return true;
}

std::vector<std::uint8_t> build_dcep_open(const DcepOpen& open) {
    const auto label_len = static_cast<std::uint16_t>(std::min<std::size_t>(open.label.size(), 0xFFFF));
    const auto proto_len = static_cast<std::uint16_t>(std::min<std::size_t>(open.protocol.size(), 0xFFFF));
    std::vector<std::uint8_t> out;
    out.reserve(12u + label_len + proto_len);
    out.push_back(kDcepOpen);
    out.push_back(static_cast<std::uint8_t>(open.type));
    out.push_back(static_cast<std::uint8_t>(open.priority >> 8));
    out.push_back(static_cast<std::uint8_t>(open.priority));
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<std::uint8_t>(open.reliability >> shift));
    }
    out.push_back(static_cast<std::uint8_t>(label_len >> 8));
    out.push_back(static_cast<std::uint8_t>(label_len));
    out.push_back(static_cast<std::uint8_t>(proto_len >> 8));
    out.push_back(static_cast<std::uint8_t>(proto_len));
    out.insert(out.end(), open.label.begin(), open.label.begin() + label_len);
    out.insert(out.end(), open.protocol.begin(), open.protocol.begin() + proto_len);
    return out;
}

bool is_dcep_ack(std::span<const std::uint8_t> data) noexcept {
    return !data.empty() && data[0] == kDcepAck;
}

} // namespace mgs::rtc
