package io.chorus.accounts;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.proto.auth.AuthServiceService;
import io.chorus.proto.auth.GetUserRequest;
import io.chorus.proto.auth.User;
import io.chorus.proto.auth.ValidateTokenRequest;
import io.chorus.proto.auth.ValidateTokenResponse;
import io.vertx.core.Future;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.server.StatusException;

/** gRPC {@code chorus.auth.v1.AuthService}: token validation and user look-up for other services. */
public final class AuthGrpcService extends AuthServiceService {
  private final AccessTokens tokens;
  private final UserRepo users;

  public AuthGrpcService(AccessTokens tokens, UserRepo users) {
    this.tokens = tokens;
    this.users = users;
  }

  @Override
  public Future<ValidateTokenResponse> validateToken(ValidateTokenRequest request) {
    return tokens.verify(request.getToken()).map(p -> ValidateTokenResponse.newBuilder().setUserId(p.userId())
            .setUsername(p.username() == null ? "" : p.username()).addAllRoles(p.roles()).setSessionId(p.sessionId() == null ? "" : p.sessionId())
            .setExpiresAt(p.expiresAtEpochSeconds()).build())
        .recover(AuthGrpcService::status);
  }

  @Override
  public Future<User> getUser(GetUserRequest request) {
    return users.byId(request.getUserId()).compose(u -> u == null
            ? Future.<User>failedFuture(ErrorCode.NOT_FOUND.exception("no such user"))
            : Future.succeededFuture(User.newBuilder().setId(u.id()).setUsername(u.username()).setDisplayName(u.displayName())
                .setBio(u.bio()).setAvatarUrl(u.avatarKey() == null ? "" : "/api/v1/users/" + u.id() + "/avatar").addAllRoles(u.roles())
                .setDisabled(u.disabled()).setCreatedAtMs(u.createdAt().toInstant().toEpochMilli()).build()))
        .recover(AuthGrpcService::status);
  }

  private static <T> Future<T> status(Throwable e) {
    ErrorCode code = e instanceof ChorusException ce ? ce.code() : ErrorCode.of(e);
    return Future.failedFuture(new StatusException(GrpcStatus.valueOf(code.grpcStatus()), code == ErrorCode.INTERNAL ? "internal error" : e.getMessage()));
  }
}
