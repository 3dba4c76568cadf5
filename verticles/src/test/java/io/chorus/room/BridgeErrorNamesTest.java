package io.chorus.room;

import io.chorus.ChorusNode;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestCluster;
import io.chorus.testing.WsProbe;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bridge's answer to an address longer than 128 characters, as vertx-web's own bridge gives it:
 * a REGISTER gets {@code max_address_length_reached}; a SEND or UNREGISTER gets {@code access_denied}
 * (vertx-web checks the length on REGISTER only, and no permitted address is that long) — and
 * docs/api.md's table of error names says the same. A flood of room controls from one socket is refused
 * {@code rate_limited} (4291 for a request), as {@code /ws} refuses one (RATE_LIMIT_BRIDGE_CONTROLS, default 50 a second).
 */
@ChorusCluster
class BridgeErrorNamesTest {
  static final Path DOCS = Path.of(System.getProperty("chorus.docs.dir", "../docs")).toAbsolutePath().normalize();
  static TestCluster cluster;
  static ChorusNode node;

  @Test
  void aFloodOfRoomControlsIsRateLimitedAsOnTheRoomSocket() throws IOException {
    // a host's controls, each a room command and an event to every member: /ws refuses more than 50 messages a second,
    // the bridge took any number (2,000 in two seconds, every one published to every member)
    RoomClient rooms = new RoomClient(node.vertx().eventBus(), "test");
    String room = io.chorus.testing.TestServices.await(rooms.create(io.chorus.proto.room.CreateRoomRequest.newBuilder()
        .setHostId("flood-host").setTrackUrl("https://example.com/t.mp3").build(), false)).roomId();
    String token = io.chorus.testing.TestTokens.tokens().issue(room, "flood-host", "host");
    int n = 1000;
    try (WsProbe ws = WsProbe.connect(cluster.port(), "/eventbus/websocket")) {
      for (int i = 0; i < n; i++) {
        JsonObject frame = new JsonObject().put("type", "send").put("address", "client.room-control")
            .put("headers", new JsonObject().put("token", token))
            .put("body", new JsonObject().put("room_id", room).put("action", i % 2 == 0 ? "play" : "pause").put("position", 1));
        if (i % 2 == 1) {
          frame.put("replyAddress", "c-" + i);
        }
        ws.sendTextAsync(frame.encode());
      }
      // a frame refused at once, as the end mark (a request could be refused max_handlers_reached while 16 controls await
      // their replies)
      ws.send(new JsonObject().put("type", "send").put("address", "end.of.flood"));
      int refused = 0;
      int failedRequests = 0;
      // the refusals are written as their frames are handled, so all of them come before the end mark's
      for (JsonObject f = new JsonObject(ws.nextBinary(30_000)); !"access_denied".equals(f.getString("body"));
           f = new JsonObject(ws.nextBinary(30_000))) {
        if ("rate_limited".equals(f.getString("body"))) {
          refused++;
        } else if (f.getString("address", "").startsWith("c-") && Integer.valueOf(4291).equals(f.getInteger("failureCode"))) {
          assertThat(f.getString("message")).isEqualTo("more than 50 room controls per second");
          failedRequests++;
        }
      }
      assertThat(refused).as("controls without a reply address refused with the err frame rate_limited").isPositive();
      assertThat(failedRequests).as("controls with a reply address failed with 4291 rate_limited").isPositive();
      assertThat(ws.isClosed()).isFalse();
    }
    String api = Files.readString(DOCS.resolve("api.md"));
    assertThat(row(api.substring(api.indexOf("## SockJS bridge")), "rate_limited")).as("docs/api.md: when rate_limited comes").contains("50").contains("RATE_LIMIT_BRIDGE_CONTROLS");
  }

  @Test
  void aTooLongAddressGetsTheNameTheDocsGive() throws IOException {
    String longRoom = "client.room." + "A".repeat(130);
    String longOther = "client." + "x".repeat(130);
    List<Object[]> cases = List.of(
        new Object[] {"register", longRoom, "max_address_length_reached"},
        new Object[] {"register", longOther, "max_address_length_reached"},
        new Object[] {"send", longRoom, "access_denied"},
        new Object[] {"send", longOther, "access_denied"},
        new Object[] {"unregister", longRoom, "access_denied"});
    try (WsProbe ws = WsProbe.connect(cluster.port(), "/eventbus/websocket")) {
      for (Object[] c : cases) {
        ws.send(new JsonObject().put("type", c[0]).put("address", c[1]).put("body", new JsonObject()));
        JsonObject err = new JsonObject(ws.nextBinary(5000));
        assertThat(err.getString("type")).as("%s to a %d-character address", c[0], ((String) c[1]).length()).isEqualTo("err");
        assertThat(err.getString("body")).as("%s to a %d-character address", c[0], ((String) c[1]).length()).isEqualTo(c[2]);
      }
    }
    String api = Files.readString(DOCS.resolve("api.md"));
    String tooLong = row(api, "max_address_length_reached");
    assertThat(tooLong).as("docs/api.md: when max_address_length_reached comes").contains("REGISTER").contains("128");
    assertThat(tooLong).as("docs/api.md: what a SEND/UNREGISTER to such an address gets").contains("access_denied");
  }

  /** The "when" cell of the row of {@code name} in docs/api.md's table of bridge error names. */
  static String row(String doc, String name) {
    Matcher m = Pattern.compile("(?m)^\\| `" + Pattern.quote(name) + "` \\| (.*) \\|$").matcher(doc);
    assertThat(m.find()).as("docs/api.md has a row for %s", name).isTrue();
    return m.group(1);
  }
}
