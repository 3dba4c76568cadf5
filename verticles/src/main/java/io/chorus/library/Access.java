package io.chorus.library;

import io.chorus.web.Http;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * Who may see what in the library. A track or album is public once a moderator approved it; before
 * that (pending, rejected) only its owner and moderators see it; a takedown ({@code removed}) hides it
 * from everyone but moderators, on every node at once since every read checks the row.
 */
public final class Access {
  private final SignedIn.Verifier users;

  public Access(SignedIn.Verifier users) {
    this.users = users;
  }

  /**
   * The body handler of a call that needs a token, with the token checked before the body is read (the request
   * stays paused until {@code body} resumes it), so a caller without a valid one gets 401 whatever its body holds;
   * {@link #caller} then answers the caller found here. (vertx-web refuses a handler of ours in front of a
   * BodyHandler on the route, hence one handler that runs {@code body} itself.)
   */
  public Handler<RoutingContext> authenticated(BodyHandler body) {
    return Http.checkedBeforeBody(users::caller, body);
  }

  /** The signed-in caller ({@code Authorization: Bearer <access JWT>}); fails UNAUTHENTICATED without one. */
  public Future<SignedIn> caller(RoutingContext ctx) {
    return users.caller(ctx);
  }

  /** The caller when the request carries a token, else null (anonymous reads of public content). */
  public Future<SignedIn> optionalCaller(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    return header == null ? Future.succeededFuture(null) : caller(ctx);
  }

  /** True when {@code viewer} (null: anonymous) may see content with this moderation state and owner. */
  public static boolean visible(String moderation, String ownerId, SignedIn viewer) {
    if (viewer != null && viewer.moderator()) {
      return true;
    }
    if ("approved".equals(moderation)) {
      return true;
    }
    return viewer != null && !"removed".equals(moderation) && viewer.userId().equals(ownerId);
  }

  /** True when {@code viewer} may change or delete content of this owner. */
  public static boolean mayEdit(String ownerId, SignedIn viewer) {
    return viewer != null && (viewer.moderator() || viewer.userId().equals(ownerId));
  }
}
