package io.chorus.codecs;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.StringValue;
import io.chorus.proto.bus.NodePing;
import io.chorus.proto.bus.NodePong;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProtoCodecTest {
  private final ProtoCodec codec = new ProtoCodec(Codecs.BUS_PROTO_PACKAGES);

  private static NodePing ping() {
    return NodePing.newBuilder()
        .setNodeId("node-1")
        .setSentAtMs(1_700_000_000_123L)
        .setPayload(ByteString.copyFrom(new byte[] {0, 1, 2, (byte) 0xff}))
        .build();
  }

  /** Encodes after a prefix, as the event bus does, so decoding must honour the position. */
  private Buffer encodeAfterPrefix(Message message, int prefix) {
    Buffer buffer = Buffer.buffer();
    for (int i = 0; i < prefix; i++) {
      buffer.appendByte((byte) 0x7f);
    }
    codec.encodeToWire(buffer, message);
    return buffer;
  }

  private static Buffer rawWire(String type, byte[] body) {
    byte[] t = type.getBytes(StandardCharsets.UTF_8);
    return Buffer.buffer().appendInt(t.length).appendBytes(t).appendInt(body.length).appendBytes(body);
  }

  @Test
  void localTransformHandsOverTheSameInstance() {
    NodePing ping = ping();
    assertThat(codec.transform(ping)).isSameAs(ping);
    assertThat(codec.name()).isEqualTo(ProtoCodec.NAME);
    assertThat(codec.systemCodecID()).isEqualTo((byte) -1);
  }

  @Test
  void wireRoundTripKeepsTypeAndFields() {
    NodePing ping = ping();
    Message decoded = codec.decodeFromWire(3, encodeAfterPrefix(ping, 3));
    assertThat(decoded).isInstanceOf(NodePing.class).isEqualTo(ping).isNotSameAs(ping);

    NodePong pong = NodePong.newBuilder().setNodeId("n2").setPayloadSize(4).setReceivedAtMs(42).build();
    assertThat(codec.decodeFromWire(0, encodeAfterPrefix(pong, 0))).isInstanceOf(NodePong.class).isEqualTo(pong);
  }

  @Test
  void emptyMessageRoundTrips() {
    NodePong empty = NodePong.getDefaultInstance();
    assertThat(codec.decodeFromWire(0, encodeAfterPrefix(empty, 0))).isEqualTo(empty);
  }

  @Test
  void disallowedClassNameOnTheWireIsRejected() {
    // a real protobuf class, but outside the allowed packages
    Buffer wire = Buffer.buffer();
    codec.encodeToWire(wire, StringValue.of("hello"));
    assertThatThrownBy(() -> codec.decodeFromWire(0, wire))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not allowed")
        .hasMessageContaining("com.google.protobuf.StringValue");
    // an arbitrary class name is never loaded
    assertThatThrownBy(() -> codec.decodeFromWire(0, rawWire("java.lang.Runtime", new byte[0])))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not allowed");
  }

  @Test
  void allowedPrefixButNotAMessageIsRejected() {
    assertThatThrownBy(() -> codec.decodeFromWire(0, rawWire("io.chorus.proto.bus.NoSuchMessage", new byte[0])))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("io.chorus.proto.bus.NoSuchMessage");
    ProtoCodec wide = new ProtoCodec("io.chorus.");
    assertThatThrownBy(() -> wide.decodeFromWire(0, rawWire(ProtoCodec.class.getName(), new byte[0])))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not a protobuf message");
  }

  @Test
  void corruptBytesAreRejected() {
    // field 1 (string) claims 100 bytes but only 2 follow
    byte[] truncated = {0x0a, 0x64, 'a', 'b'};
    assertThatThrownBy(() -> codec.decodeFromWire(0, rawWire(NodePing.class.getName(), truncated)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("corrupt");
    // a wire type 7 tag does not exist
    byte[] badTag = {0x0f, 0x01};
    assertThatThrownBy(() -> codec.decodeFromWire(0, rawWire(NodePing.class.getName(), badTag)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("corrupt");
  }

  @Test
  void truncatedFrameIsRejected() {
    Buffer wire = encodeAfterPrefix(ping(), 0);
    Buffer cut = wire.getBuffer(0, wire.length() - 3);
    assertThatThrownBy(() -> codec.decodeFromWire(0, cut)).isInstanceOf(RuntimeException.class);
  }

  @Test
  void codecNeedsAnAllowedPrefix() {
    assertThatThrownBy(ProtoCodec::new).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void registeredCodecIsSelectedForProtobufMessagesWithoutDeliveryOptions() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Codecs.register(vertx);
      NodePing sent = ping();
      java.util.concurrent.atomic.AtomicReference<Object> received = new java.util.concurrent.atomic.AtomicReference<>();
      vertx.eventBus().<NodePing>consumer("test.ping", msg -> {
        received.set(msg.body());
        msg.reply(NodePong.newBuilder().setNodeId("local").setPayloadSize(msg.body().getPayload().size()).build());
      });
      NodePong pong = vertx.eventBus().<NodePong>request("test.ping", sent)
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body();
      assertThat(pong.getNodeId()).isEqualTo("local");
      assertThat(pong.getPayloadSize()).isEqualTo(4);
      // same JVM: the very instance is handed over, no copy
      assertThat(received.get()).isSameAs(sent);
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
