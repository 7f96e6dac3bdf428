// The map clients draw: encoded as MapData, verified and read back field for field, and served
// at GET /map by a real server on loopback.
#include "app/frontend.hpp"
#include "app/map_publisher.hpp"
#include "proto/game_generated.h"
#include "world/map_gen.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <string>

namespace mgs::app {
namespace {

const proto::MapData* read_map(const std::string& bytes) {
    flatbuffers::Verifier v(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    if (bytes.empty() || !v.VerifyBuffer<proto::MapData>(nullptr)) {
        return nullptr;
    }
    return flatbuffers::GetRoot<proto::MapData>(bytes.data());
}

void expect_same(const world::Map& map, const proto::MapData& d) {
    EXPECT_EQ(d.seed(), map.seed);
    EXPECT_EQ(d.width(), map.width);
    EXPECT_EQ(d.height(), map.height);
    ASSERT_NE(d.walls(), nullptr);
    ASSERT_EQ(d.walls()->size(), map.walls.size());
    for (flatbuffers::uoffset_t i = 0; i < d.walls()->size(); ++i) {
        const proto::MapWall* w = d.walls()->Get(i);
        EXPECT_EQ(w->min_x(), map.walls[i].box.min.x);
        EXPECT_EQ(w->min_y(), map.walls[i].box.min.y);
        EXPECT_EQ(w->max_x(), map.walls[i].box.max.x);
        EXPECT_EQ(w->max_y(), map.walls[i].box.max.y);
        EXPECT_EQ(w->max_health(), map.walls[i].max_health);
    }
    ASSERT_NE(d.pickups(), nullptr);
    ASSERT_EQ(d.pickups()->size(), map.pickups.size());
    for (flatbuffers::uoffset_t i = 0; i < d.pickups()->size(); ++i) {
        EXPECT_EQ(d.pickups()->Get(i)->x(), map.pickups[i].pos.x);
        EXPECT_EQ(d.pickups()->Get(i)->y(), map.pickups[i].pos.y);
        EXPECT_EQ(d.pickups()->Get(i)->kind(), static_cast<std::uint8_t>(map.pickups[i].kind));
    }
    ASSERT_NE(d.bases(), nullptr);
    ASSERT_EQ(d.bases()->size(), 2u);
    EXPECT_EQ(d.bases()->Get(1)->flag_x(), map.bases[1].flag_stand.x);
    EXPECT_EQ(d.bases()->Get(1)->max_y(), map.bases[1].area.max.y);
}

TEST(MapPublisher, EncodesEveryWallPickupAndBase) {
    world::MapParams params;
    params.seed = 42;
    const world::Map map = world::generate_map(params);
    ASSERT_FALSE(map.walls.empty());
    ASSERT_FALSE(map.pickups.empty());
    const std::string bytes = encode_map(map);
    const proto::MapData* d = read_map(bytes);
    ASSERT_NE(d, nullptr);
    expect_same(map, *d);
}

TEST(MapPublisher, RepublishesOnlyANewMap) {
    MapPublisher maps;
    EXPECT_TRUE(maps.bytes().empty());
    world::MapParams params;
    params.seed = 5;
    const world::Map first = world::generate_map(params);
    maps.publish(first);
    const std::string a = maps.bytes();
    EXPECT_EQ(maps.seed(), 5u);
    maps.publish(first);
    EXPECT_EQ(maps.bytes(), a);
    params.seed = 6;
    const world::Map second = world::generate_map(params);
    maps.publish(second);
    EXPECT_EQ(maps.seed(), 6u);
    const std::string b = maps.bytes();
    const proto::MapData* d = read_map(b);
    ASSERT_NE(d, nullptr);
    expect_same(second, *d);
}

TEST(MapPublisher, ServedAtGetMap) {
    world::MapParams params;
    params.seed = 9;
    const world::Map map = world::generate_map(params);
    MapPublisher maps;
    maps.publish(map);
    metrics::Registry registry;
    FrontendConfig fc;
    fc.net.http.bind_address = "127.0.0.1";
    fc.net.http.port = 0;
    fc.net.rtc.bind_address = "127.0.0.1";
    fc.net.rtc.port = 0;
    Frontend net(fc, registry);
    net.add_route("/map", "application/octet-stream", [&maps] { return maps.bytes(); });
    std::string error;
    ASSERT_TRUE(net.start(error)) << error;

    namespace beast = boost::beast;
    boost::asio::io_context io;
    boost::asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.connect(resolver.resolve("127.0.0.1", std::to_string(net.http_port())));
    beast::http::request<beast::http::string_body> req{beast::http::verb::get, "/map", 11};
    req.set(beast::http::field::host, "127.0.0.1");
    beast::http::write(stream, req);
    beast::flat_buffer buf;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(stream, buf, res);
    net.stop();
    EXPECT_EQ(res.result(), beast::http::status::ok);
    EXPECT_EQ(res[beast::http::field::content_type], "application/octet-stream");
    const proto::MapData* d = read_map(res.body());
    ASSERT_NE(d, nullptr);
    expect_same(map, *d);
}

} // namespace
} // namespace mgs::app
