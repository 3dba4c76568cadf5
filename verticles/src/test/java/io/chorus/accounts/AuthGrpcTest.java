package io.chorus.accounts;

import io.chorus.ChorusNode;
import io.chorus.gateway.NodePorts;
import io.chorus.proto.auth.AuthServiceGrpc;
import io.chorus.proto.auth.GetUserRequest;
import io.chorus.proto.auth.User;
import io.chorus.proto.auth.ValidateTokenRequest;
import io.chorus.proto.auth.ValidateTokenResponse;
import io.chorus.testing.GrpcClients;
import io.chorus.testing.TestCluster;
import io.chorus.testing.TestServices;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** gRPC {@code chorus.auth.v1.AuthService} with the official grpc-java client. */
class AuthGrpcTest {
  static TestCluster tc;
  static ChorusNode node;
  static ManagedChannel channel;
  static AuthServiceGrpc.AuthServiceBlockingStub auth;
  static Api api;

  @BeforeAll
  static void start() {
    tc = TestCluster.start(1, Map.of("RATE_LIMIT_LOGIN", 100_000, "RATE_LIMIT_REGISTER", 100_000));
    node = tc.node();
    channel = GrpcClients.channel(node);
    auth = AuthServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(GrpcClients.apiKey(node.config().security().grpcApiKey())))
        .withDeadlineAfter(60, TimeUnit.SECONDS);
    api = new Api(NodePorts.http(node.vertx()));
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    tc.close();
  }

  @Test
  void validatesTokensAndLooksUpUsers() {
    JsonObject s = api.newUser("grpc-" + UUID.randomUUID().toString().substring(0, 8));
    String id = s.getJsonObject("user").getString("id");
    ValidateTokenResponse v = auth.validateToken(ValidateTokenRequest.newBuilder().setToken("Bearer " + s.getString("access_token")).build());
    assertThat(v.getUserId()).isEqualTo(id);
    assertThat(v.getRolesList()).containsExactly("user");
    assertThat(v.getExpiresAt()).isGreaterThan(System.currentTimeMillis() / 1000);

    User u = auth.getUser(GetUserRequest.newBuilder().setUserId(id).build());
    assertThat(u.getUsername()).isEqualTo(s.getJsonObject("user").getString("username"));
    assertThat(u.getAvatarUrl()).isEmpty();

    assertThatThrownBy(() -> auth.validateToken(ValidateTokenRequest.newBuilder().setToken("not.a.jwt").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThatThrownBy(() -> auth.validateToken(ValidateTokenRequest.newBuilder().build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThatThrownBy(() -> auth.getUser(GetUserRequest.newBuilder().setUserId(UUID.randomUUID().toString()).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThatThrownBy(() -> auth.getUser(GetUserRequest.newBuilder().setUserId("'; DROP TABLE users; --").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));

    // a signed-out session's token stops validating
    api.post("/api/v1/auth/logout", s.getString("access_token"), null).expect(204);
    assertThatThrownBy(() -> auth.validateToken(ValidateTokenRequest.newBuilder().setToken(s.getString("access_token")).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
  }

  /** ValidateToken goes through the same check as REST: a token spelled otherwise than issued is UNAUTHENTICATED. */
  @Test
  void aTokenSpelledOtherwiseThanIssuedDoesNotValidate() {
    JsonObject s = api.newUser("grpcr-" + UUID.randomUUID().toString().substring(0, 8));
    String token = s.getString("access_token");
    Map<String, Status.Code> answers = new java.util.LinkedHashMap<>();
    AuthAttacksTest.respellings(token).forEach((how, spelled) -> {
      try {
        auth.validateToken(ValidateTokenRequest.newBuilder().setToken(spelled).build());
        answers.put(how, Status.Code.OK);
      } catch (StatusRuntimeException e) {
        answers.put(how, e.getStatus().getCode());
      }
    });
    assertThat(answers).allSatisfy((how, code) -> assertThat(code).as(how).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThat(auth.validateToken(ValidateTokenRequest.newBuilder().setToken(token).build()).getUserId())
        .isEqualTo(s.getJsonObject("user").getString("id"));
  }

  @Test
  void needsTheApiKey() {
    AuthServiceGrpc.AuthServiceBlockingStub noKey = AuthServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    assertThatThrownBy(() -> noKey.getUser(GetUserRequest.newBuilder().setUserId(UUID.randomUUID().toString()).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
  }

  /** A user's access JWT stands in for the key on RoomService only: AuthService would show every account's roles and disabled flag. */
  @Test
  void aUsersTokenIsNotTheApiKey() {
    JsonObject s = api.newUser("grpcu-" + UUID.randomUUID().toString().substring(0, 8));
    String id = s.getJsonObject("user").getString("id");
    io.grpc.Metadata bearer = new io.grpc.Metadata();
    bearer.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + s.getString("access_token"));
    AuthServiceGrpc.AuthServiceBlockingStub asUser = AuthServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer)).withDeadlineAfter(30, TimeUnit.SECONDS);
    assertThatThrownBy(() -> asUser.getUser(GetUserRequest.newBuilder().setUserId(id).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    assertThatThrownBy(() -> asUser.validateToken(ValidateTokenRequest.newBuilder().setToken(s.getString("access_token")).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    // the same token still signs a RoomService call in
    io.chorus.proto.room.RoomServiceGrpc.RoomServiceBlockingStub rooms = io.chorus.proto.room.RoomServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer)).withDeadlineAfter(30, TimeUnit.SECONDS);
    assertThatThrownBy(() -> rooms.getState(io.chorus.proto.room.GetStateRequest.newBuilder().setRoomId("ZZZZZZ").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void reflectionListsAuthService() throws Exception {
    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
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
    assertThat(response.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName).toList())
        .contains("chorus.auth.v1.AuthService", "RoomService");
  }
}
