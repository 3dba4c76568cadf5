package io.chorus.foundation;

import io.chorus.ChorusNode;
import io.chorus.gateway.GrpcVerticle;
import io.chorus.testing.ChorusCluster;
import io.chorus.testing.TestCluster;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The node's gRPC port as the official grpc-java client (and so grpcurl) sees it. */
@ChorusCluster(config = "GRPC_API_KEY=test-api-key")
class GrpcFoundationTest {
  private static ChorusNode node;
  private static ManagedChannel channel;

  @BeforeAll
  static void start(TestCluster cluster) {
    node = cluster.node();
    channel = cluster.channel();
  }

  @Test
  void reflectionListsTheHealthService() throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse value) {
            answer.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            answer.completeExceptionally(new IllegalStateException("stream closed without an answer"));
          }
        });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    ServerReflectionResponse response = answer.get(30, TimeUnit.SECONDS);
    requests.onCompleted();

    assertThat(response.hasErrorResponse()).as("error: %s", response.getErrorResponse()).isFalse();
    List<String> services = response.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName).toList();
    assertThat(services).contains("grpc.health.v1.Health");
  }

  @Test
  void healthCheckIsServing() {
    HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
        .check(HealthCheckRequest.newBuilder().setService("").build());
    assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
  }

  /** A call whose request stream ends without one message is answered (INVALID_ARGUMENT), not left waiting for good. */
  @Test
  void aCallWithoutAMessageIsRefusedNotLeftHanging() throws Exception {
    MethodDescriptor<byte[], byte[]> getState = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.CLIENT_STREAMING)   // so that the client may half-close before any message
        .setFullMethodName("RoomService/GetState")
        .setRequestMarshaller(new Bytes())
        .setResponseMarshaller(new Bytes())
        .build();
    Metadata key = new Metadata();
    key.put(Metadata.Key.of(GrpcVerticle.API_KEY_HEADER, Metadata.ASCII_STRING_MARSHALLER), "test-api-key");
    ClientCall<byte[], byte[]> call = io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(key))
        .newCall(getState, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS));
    CompletableFuture<Status> ended = new CompletableFuture<>();
    StreamObserver<byte[]> requests = ClientCalls.asyncClientStreamingCall(call, new StreamObserver<>() {
      @Override
      public void onNext(byte[] value) {
      }

      @Override
      public void onError(Throwable t) {
        ended.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        ended.complete(Status.OK);
      }
    });
    requests.onCompleted();
    // the server answers a couple of seconds after the request ended; without that, only the 60 s deadline would
    assertThat(ended.get(20, TimeUnit.SECONDS).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  /**
   * A request whose only frame is shorter than its length prefix says (here 16 bytes announced, 1 sent, then the end of
   * the stream) is answered INVALID_ARGUMENT about a second after it ended, as a request without a message is; it
   * used to wait a minute (UNANSWERED_MS), since 5 bytes or more had arrived. Spoken with Vert.x's HTTP/2 client:
   * grpc-java frames its messages whole.
   */
  @Test
  void aFrameShorterThanItsLengthPrefixIsRefusedAtOnce() {
    io.vertx.core.Vertx vertx = node.vertx();
    io.vertx.core.http.HttpClientAgent http = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
        .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    try {
      io.vertx.core.buffer.Buffer truncated = io.vertx.core.buffer.Buffer.buffer().appendByte((byte) 0).appendInt(16).appendByte((byte) 0x0a);
      long start = System.nanoTime();
      io.vertx.core.http.HttpClientResponse r = io.chorus.testing.TestServices.await(http.request(new io.vertx.core.http.RequestOptions()
              .setMethod(io.vertx.core.http.HttpMethod.POST).setHost("127.0.0.1").setPort(io.chorus.gateway.NodePorts.grpc(vertx))
              .setURI("/RoomService/GetState"))
          .compose(req -> req.putHeader("content-type", "application/grpc").putHeader("te", "trailers")
              .putHeader(GrpcVerticle.API_KEY_HEADER, "test-api-key").send(truncated))
          .compose(resp -> resp.end().map(resp)));
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
      io.vertx.core.MultiMap status = r.headers().contains("grpc-status") ? r.headers() : r.trailers();
      assertThat(status.get("grpc-status")).isEqualTo("3");
      assertThat(status.get("grpc-message")).isEqualTo("the request ended without a whole message");
      // about a second (the check runs once a second), not the minute a call with a whole message may take
      assertThat(seconds).as("seconds until the truncated request was answered").isLessThan(20);
    } finally {
      http.close();
    }
  }

  /** A request that is no gRPC call (another content type) is 415, as the gRPC over HTTP/2 spec asks: it was a bare 500. */
  @Test
  void aRequestOfAnotherContentTypeIs415() {
    io.vertx.core.Vertx vertx = node.vertx();
    io.vertx.core.http.HttpClientAgent http = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
        .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    try {
      for (String type : new String[] {"application/json", null}) {
        io.vertx.core.http.HttpClientResponse r = io.chorus.testing.TestServices.await(http.request(new io.vertx.core.http.RequestOptions()
                .setMethod(io.vertx.core.http.HttpMethod.POST).setHost("127.0.0.1").setPort(io.chorus.gateway.NodePorts.grpc(vertx))
                .setURI("/RoomService/GetState"))
            .compose(req -> {
              if (type != null) {
                req.putHeader("content-type", type);
              }
              return req.putHeader(GrpcVerticle.API_KEY_HEADER, "test-api-key").send("{\"room_id\":\"x\"}");
            })
            .compose(resp -> resp.end().map(resp)));
        assertThat(r.statusCode()).as(String.valueOf(type)).isEqualTo(415);
      }
    } finally {
      http.close();
    }
  }

  /** A request message that does not decode as the method's type is answered INVALID_ARGUMENT, not a reset stream. */
  @Test
  void aMessageThatDoesNotDecodeIsInvalidArgument() {
    Metadata key = new Metadata();
    key.put(Metadata.Key.of(GrpcVerticle.API_KEY_HEADER, Metadata.ASCII_STRING_MARSHALLER), "test-api-key");
    io.grpc.Channel keyed = io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(key));
    byte[][] malformed = {
        {0x0a, 0x10, 0x41},                                    // field 1, a string claiming 16 bytes, 1 present
        {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}};   // a tag that is no field
    for (String path : List.of("RoomService/GetState", "RoomService/CreateRoom", "RoomService/WatchRoom")) {
      for (byte[] body : malformed) {
        MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(path.endsWith("WatchRoom") ? MethodDescriptor.MethodType.SERVER_STREAMING : MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(path).setRequestMarshaller(new Bytes()).setResponseMarshaller(new Bytes()).build();
        assertThatThrownBy(() -> {
          ClientCall<byte[], byte[]> call = keyed.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS));
          ClientCalls.blockingServerStreamingCall(call, body).forEachRemaining(x -> { });
        }).as(path).isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).as(path + " " + e.getStatus()).isEqualTo(Status.Code.INVALID_ARGUMENT));
      }
    }
    // a well-formed call still works after them
    MethodDescriptor<byte[], byte[]> getState = MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("RoomService/GetState").setRequestMarshaller(new Bytes()).setResponseMarshaller(new Bytes()).build();
    assertThatThrownBy(() -> call(keyed, getState)).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  /**
   * A status message is percent-encoded as the gRPC spec says (only '%' and what is not printable ASCII), not with
   * URLEncoder: read on the wire with Vert.x's HTTP/2 client, since grpc-java decodes either form.
   */
  @Test
  void statusMessagesEncodeOnlyWhatTheSpecRequires() {
    io.vertx.core.Vertx vertx = node.vertx();
    io.vertx.core.http.HttpClientAgent http = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
        .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false));
    try {
      byte[] msg = io.chorus.proto.room.CreateRoomRequest.newBuilder().setHostId("x1").setTrackUrl("javascript:alert(1)").build().toByteArray();
      io.vertx.core.buffer.Buffer frame = io.vertx.core.buffer.Buffer.buffer().appendByte((byte) 0).appendInt(msg.length).appendBytes(msg);
      io.vertx.core.http.HttpClientResponse r = io.chorus.testing.TestServices.await(http.request(new io.vertx.core.http.RequestOptions()
              .setMethod(io.vertx.core.http.HttpMethod.POST).setHost("127.0.0.1").setPort(io.chorus.gateway.NodePorts.grpc(vertx))
              .setURI("/RoomService/CreateRoom"))
          .compose(req -> req.putHeader("content-type", "application/grpc").putHeader("te", "trailers")
              .putHeader(GrpcVerticle.API_KEY_HEADER, "test-api-key").send(frame))
          .compose(resp -> resp.end().map(resp)));
      io.vertx.core.MultiMap status = r.headers().contains("grpc-status") ? r.headers() : r.trailers();
      assertThat(status.get("grpc-status")).isEqualTo("3");
      assertThat(status.get("grpc-message")).isEqualTo("track_url must be an http(s) URL or a path starting with /");
    } finally {
      http.close();
    }
  }

  /** Any other path needs the API key: without it UNAUTHENTICATED, with it the call gets through. */
  @Test
  void otherServicesNeedTheApiKey() {
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("chorus.test.NoSuchService/Call")
        .setRequestMarshaller(new Bytes())
        .setResponseMarshaller(new Bytes())
        .build();

    assertThatThrownBy(() -> call(channel, method))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));

    Metadata wrongKey = new Metadata();
    wrongKey.put(Metadata.Key.of(GrpcVerticle.API_KEY_HEADER, Metadata.ASCII_STRING_MARSHALLER), "wrong-key");
    assertThatThrownBy(() -> call(io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(wrongKey)), method))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));

    Metadata rightKey = new Metadata();
    rightKey.put(Metadata.Key.of(GrpcVerticle.API_KEY_HEADER, Metadata.ASCII_STRING_MARSHALLER), "test-api-key");
    assertThatThrownBy(() -> call(io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(rightKey)), method))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
  }

  private static byte[] call(io.grpc.Channel ch, MethodDescriptor<byte[], byte[]> method) {
    ClientCall<byte[], byte[]> call = ch.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS));
    return ClientCalls.blockingUnaryCall(call, new byte[0]);
  }

  private static final class Bytes implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
