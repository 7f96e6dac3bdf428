#include "rtc/dcep.hpp"

#include <gtest/gtest.h>

namespace mgs::rtc {
namespace {

TEST(Dcep, OpenRoundTripsEveryChannelType) {
    for (const ChannelType t :
         {ChannelType::Reliable, ChannelType::PartialReliableRexmit, ChannelType::PartialReliableTimed,
          ChannelType::ReliableUnordered, ChannelType::PartialReliableRexmitUnordered,
          ChannelType::PartialReliableTimedUnordered}) {
        DcepOpen open;
        open.type = t;
        open.priority = 512;
        open.reliability = 7;
        open.label = "state";
        open.protocol = "mgs";
        const auto bytes = build_dcep_open(open);
        ASSERT_EQ(bytes.size(), 12u + 5 + 3);
        EXPECT_EQ(bytes[0], kDcepOpen);
        DcepOpen back;
        ASSERT_TRUE(parse_dcep_open(bytes, back));
        EXPECT_EQ(back.type, t);
        EXPECT_EQ(back.priority, 512);
        EXPECT_EQ(back.reliability, 7u);
        EXPECT_EQ(back.label, "state");
        EXPECT_EQ(back.protocol, "mgs");
    }
}

TEST(Dcep, ReliabilityMapping) {
    DcepOpen o;
    o.type = ChannelType::Reliable;
    EXPECT_EQ(o.max_retransmits(), -1);
    EXPECT_FALSE(o.unordered());
    o.type = ChannelType::PartialReliableRexmitUnordered;
    o.reliability = 0;
    EXPECT_EQ(o.max_retransmits(), 0);
    EXPECT_TRUE(o.unordered());
    o.type = ChannelType::PartialReliableTimed;
    o.reliability = 500;
    EXPECT_EQ(o.max_retransmits(), 0); // timed channels: one try
}

TEST(Dcep, RejectsMalformedOpens) {
    DcepOpen open;
    open.label = "events";
    auto bytes = build_dcep_open(open);
    DcepOpen out;
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        EXPECT_FALSE(parse_dcep_open(std::span(bytes.data(), n), out)) << "truncated to " << n;
    }
    auto bad_type = bytes;
    bad_type[1] = 0x03; // not a channel type
    EXPECT_FALSE(parse_dcep_open(bad_type, out));
    auto not_open = bytes;
    not_open[0] = kDcepAck;
    EXPECT_FALSE(parse_dcep_open(not_open, out));
    auto long_label = bytes;
    long_label[9] = 200; // label length beyond the message
    EXPECT_FALSE(parse_dcep_open(long_label, out));
}

TEST(Dcep, Ack) {
    const std::uint8_t ack[] = {kDcepAck};
    EXPECT_TRUE(is_dcep_ack(ack));
    const std::uint8_t open[] = {kDcepOpen};
    EXPECT_FALSE(is_dcep_ack(open));
    EXPECT_FALSE(is_dcep_ack({}));
}

} // namespace
} // namespace mgs::rtc
