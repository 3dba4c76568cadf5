package io.chorus.library;

import io.chorus.bus.ErrorCode;
import io.chorus.web.Bearer;
import io.chorus.web.SignedIn;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

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

  /** The signed-in caller ({@code Authorization: Bearer <access JWT>}); fails UNAUTHENTICATED without one. */
  public Future<SignedIn> caller(RoutingContext ctx) {
    String jwt = Bearer.jwt(ctx.request().getHeader("Authorization"), null);
    if (jwt == null) {
      return Future.failedFuture(ErrorCode.UNAUTHENTICATED.exception("sign in: Authorization: Bearer <access token>"));
    }
    return users.verify(jwt);
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
