package io.chorus.room;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;

import static io.chorus.testing.FakeWebSocket.recording;
import static org.assertj.core.api.Assertions.assertThat;

/** Which seed /ws sockets a member's leave through another API ends ({@code chorus.room.revoked}), without a node. */
class RoomMembersTest {
  private static RoomFanout.RoomSocket socket(String roomId, String userId, long infoVersion) {
    RoomFanout.RoomSocket s = new RoomFanout.RoomSocket(roomId, recording(userId, new ArrayList<>(), false), null, null);
    s.userId = userId;
    s.infoSent(infoVersion);
    return s;
  }

  private static JsonObject leave(String roomId, String participantId, long version) {
    return new JsonObject().put("room_id", roomId).put("participant_id", participantId).put("version", version);
  }

  @Test
  void aLeaveEndsTheMembersSocketsThatJoinedBeforeItOnly() {
    RoomMembers members = new RoomMembers();
    RoomFanout.RoomSocket before = socket("ROOM1", "kim", 3);
    RoomFanout.RoomSocket atTheLeave = socket("ROOM1", "kim", 5);
    RoomFanout.RoomSocket rejoined = socket("ROOM1", "kim", 6);
    RoomFanout.RoomSocket other = socket("ROOM1", "jane", 2);
    RoomFanout.RoomSocket otherRoom = socket("ROOM2", "kim", 1);
    for (RoomFanout.RoomSocket s : new RoomFanout.RoomSocket[] {before, atTheLeave, rejoined, other, otherRoom}) {
      members.add(s);
    }
    assertThat(members.revokedBy(leave("ROOM1", "kim", 5))).containsExactlyInAnyOrder(before, atTheLeave);
    // without a version: every socket of the member
    assertThat(members.revokedBy(new JsonObject().put("room_id", "ROOM1").put("participant_id", "kim")))
        .containsExactlyInAnyOrder(before, atTheLeave, rejoined);
    assertThat(members.sockets()).hasSize(5);
  }

  @Test
  void aRemovedSocketIsNeitherPingedNorRevoked() {
    RoomMembers members = new RoomMembers();
    RoomFanout.RoomSocket s = socket("ROOM1", "kim", 1);
    members.add(s);
    members.remove(s);
    members.remove(s);   // twice: a socket closed after its revocation
    assertThat(members.sockets()).isEmpty();
    assertThat(members.revokedBy(leave("ROOM1", "kim", 9))).isEmpty();
  }

  @Test
  void aBodyThatIsNotALeaveEndsNothing() {
    RoomMembers members = new RoomMembers();
    members.add(socket("ROOM1", "kim", 1));
    assertThat(members.revokedBy(null)).isEmpty();
    assertThat(members.revokedBy(new JsonObject().put("room_id", "ROOM1"))).isEmpty();
    assertThat(members.revokedBy(new JsonObject().put("room_id", "ROOM1").put("participant_id", 7))).isEmpty();
    assertThat(members.revokedBy(leave("ROOM9", "kim", 9))).isEmpty();
  }
}
