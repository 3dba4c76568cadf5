package io.chorus.room;

import io.chorus.web.SignedIn;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Set;

import static io.chorus.testing.FakeWebSocket.recording;
import static org.assertj.core.api.Assertions.assertThat;

/** Which signed-in seed /ws sockets an account's disable or the end of a sign-in session ends, without a node. */
class SignedInSocketsTest {
  private static RoomFanout.RoomSocket socket(String roomId, String sessionId) {
    RoomFanout.RoomSocket s = new RoomFanout.RoomSocket(roomId, recording(roomId, new ArrayList<>(), false), null, null);
    s.sessionId = sessionId;
    return s;
  }

  @Test
  void aDisableEndsEverySocketOfTheAccountASignOutOnlyThoseOfItsSessions() {
    SignedInSockets sockets = new SignedInSockets();
    RoomFanout.RoomSocket phone = socket("ROOM1", "session-phone");
    RoomFanout.RoomSocket laptop = socket("ROOM2", "session-laptop");
    RoomFanout.RoomSocket other = socket("ROOM1", "session-other");
    sockets.add("ann", phone);
    sockets.add("ann", laptop);
    sockets.add("bob", other);
    assertThat(sockets.disabledBy(new JsonObject().put("user_id", "ann"))).containsExactlyInAnyOrder(phone, laptop);
    assertThat(sockets.signedOutBy(new SignedIn.SessionsEnded("ann", Set.of("session-phone")).json())).containsExactly(phone);
    // another account's session id ends nothing of ann's
    assertThat(sockets.signedOutBy(new SignedIn.SessionsEnded("ann", Set.of("session-other")).json())).isEmpty();
    sockets.remove("ann", phone);
    assertThat(sockets.disabledBy(new JsonObject().put("user_id", "ann"))).containsExactly(laptop);
    sockets.remove("ann", laptop);
    assertThat(sockets.disabledBy(new JsonObject().put("user_id", "ann"))).isEmpty();
  }

  @Test
  void aBodyThatIsNotAnEventEndsNothing() {
    SignedInSockets sockets = new SignedInSockets();
    sockets.add("ann", socket("ROOM1", "s1"));
    assertThat(sockets.disabledBy(null)).isEmpty();
    assertThat(sockets.disabledBy(new JsonObject())).isEmpty();
    assertThat(sockets.signedOutBy(null)).isEmpty();
    assertThat(sockets.signedOutBy(new JsonObject().put("user_id", "ann"))).isEmpty();
  }
}
