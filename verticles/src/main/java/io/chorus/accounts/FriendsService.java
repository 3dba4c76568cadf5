package io.chorus.accounts;

import io.chorus.bus.Addresses;
import io.chorus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** Friend requests and the friend list with presence; the other side hears of requests on its user channel. */
public final class FriendsService {
  private final FriendRepo friends;
  private final UserRepo users;
  private final Presence presence;
  private final EventBus bus;

  public FriendsService(FriendRepo friends, UserRepo users, Presence presence, EventBus bus) {
    this.friends = friends;
    this.users = users;
    this.presence = presence;
    this.bus = bus;
  }

  /** 201 pending, or 200 accepted when the other user had already asked. */
  public Future<JsonObject> request(Principal p, String to) {
    if (p.userId().equals(to)) {
      return Future.failedFuture(ErrorCode.INVALID_ARGUMENT.exception("you cannot befriend yourself"));
    }
    return enabledUser(to).compose(target -> users.require(p.userId()).compose(me -> friends.request(p.userId(), target.id()).map(r -> {
      boolean accepted = r == FriendRepo.RequestResult.ACCEPTED;
      bus.publish(Addresses.userEvents(target.id()), new JsonObject().put("type", accepted ? "friend_accepted" : "friend_request")
          .put("user", me.publicJson()));
      return new JsonObject().put("status", accepted ? "accepted" : "pending").put("user", target.publicJson());
    })));
  }

  public Future<JsonObject> accept(Principal p, String from) {
    return enabledUser(from).compose(requester -> friends.accept(p.userId(), requester.id())
        .compose(v -> users.require(p.userId()))
        .map(me -> {
          bus.publish(Addresses.userEvents(requester.id()), new JsonObject().put("type", "friend_accepted").put("user", me.publicJson()));
          return new JsonObject().put("status", "accepted").put("user", requester.publicJson());
        }));
  }

  public Future<Void> decline(Principal p, String from) {
    return found(UserRepo.uuidOrNull(from) == null ? Future.succeededFuture(false) : friends.deleteRequest(from, p.userId()),
        "no friend request from this user");
  }

  public Future<Void> cancel(Principal p, String to) {
    return found(UserRepo.uuidOrNull(to) == null ? Future.succeededFuture(false) : friends.deleteRequest(p.userId(), to),
        "no friend request to this user");
  }

  public Future<Void> unfriend(Principal p, String friend) {
    return found(UserRepo.uuidOrNull(friend) == null ? Future.succeededFuture(false) : friends.unfriend(p.userId(), friend),
        "not friends with this user");
  }

  public Future<JsonObject> requests(Principal p) {
    return Future.all(friends.requests(p.userId(), true), friends.requests(p.userId(), false)).map(cf -> new JsonObject()
        .put("incoming", json(cf.resultAt(0)))
        .put("outgoing", json(cf.resultAt(1))));
  }

  /** {@code {friends: [{user, status, last_seen?}]}}. */
  public Future<JsonObject> list(Principal p) {
    return friends.friends(p.userId()).compose(list -> presence.statuses(list.stream().map(User::id).toList()).map(st -> {
      JsonArray out = new JsonArray();
      for (User u : list) {
        JsonObject s = st.get(u.id());
        JsonObject f = new JsonObject().put("user", u.publicJson()).put("status", s.getString("status"));
        // absent, not null, for a friend never seen (docs/api.md: "last_seen"?)
        if (s.getString("last_seen") != null) {
          f.put("last_seen", s.getString("last_seen"));
        }
        out.add(f);
      }
      return new JsonObject().put("friends", out);
    }));
  }

  private Future<User> enabledUser(String id) {
    return users.byId(id).compose(u -> u == null || u.disabled()
        ? Future.failedFuture(ErrorCode.NOT_FOUND.exception("no such user")) : Future.succeededFuture(u));
  }

  private static Future<Void> found(Future<Boolean> f, String message) {
    return f.compose(ok -> ok ? Future.succeededFuture() : Future.failedFuture(ErrorCode.NOT_FOUND.exception(message)));
  }

  private static JsonArray json(List<User> users) {
    return new JsonArray(users.stream().map(User::publicJson).toList());
  }
}
