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
 * docs/api.md's table of error names says the same.
 */
@ChorusCluster
class BridgeErrorNamesTest {
  static final Path DOCS = Path.of(System.getProperty("chorus.docs.dir", "../docs")).toAbsolutePath().normalize();
  static TestCluster cluster;
  static ChorusNode node;

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
