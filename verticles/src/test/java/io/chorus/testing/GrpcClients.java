package io.chorus.testing;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.proto.room.RoomServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;

import java.util.concurrent.TimeUnit;

/** The official grpc-java client against a test node: a plaintext channel and stubs carrying the API key. */
public final class GrpcClients {
  private GrpcClients() {
  }

  public static ManagedChannel channel(ChorusNode node) {
    return ManagedChannelBuilder.forAddress("127.0.0.1", NodePorts.grpc(node.vertx())).usePlaintext().build();
  }

  /** The {@code x-api-key} metadata every RoomService call needs. */
  public static Metadata apiKey(String key) {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER), key);
    return md;
  }

  /** A blocking RoomService stub sending {@code key}, with a generous deadline so a hung call fails the test. */
  public static RoomServiceGrpc.RoomServiceBlockingStub rooms(ManagedChannel channel, String key) {
    return RoomServiceGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(apiKey(key)))
        .withDeadlineAfter(60, TimeUnit.SECONDS);
  }
}
