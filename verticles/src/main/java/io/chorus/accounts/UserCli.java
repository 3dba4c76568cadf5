package io.chorus.accounts;

import io.chorus.bus.ChorusException;
import io.chorus.bus.ErrorCode;
import io.chorus.config.ChorusConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.Pool;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code chorus user add [--admin] NAME}: creates an account from the command line (after the
 * migrations). The password comes from {@code CHORUS_USER_PASSWORD} or the first line of standard input,
 * never from the arguments (they show in process listings). With {@code --admin}, an existing user is
 * made an admin instead (its password unchanged).
 */
public final class UserCli {
  public static final String PASSWORD_ENV = "CHORUS_USER_PASSWORD";
  public static final String USAGE = "usage: chorus user add [--admin] NAME   (password from $" + PASSWORD_ENV + " or standard input)";

  private UserCli() {
  }

  /** Returns the process exit code: 0 done, 1 refused (rule, taken), 2 usage. */
  public static int run(ChorusConfig config, List<String> args, InputStream stdin, Map<String, String> env, PrintStream out) {
    List<String> rest = new ArrayList<>(args);
    boolean admin = rest.remove("--admin");
    if (rest.size() != 2 || !rest.get(0).equals("add") || rest.get(1).startsWith("-")) {
      out.println(USAGE);
      return 2;
    }
    Usernames.Result name = Usernames.normalise(rest.get(1));
    if (!name.ok()) {
      out.println("chorus: " + name.problem());
      return 1;
    }
    String password = env.get(PASSWORD_ENV);
    if (password == null || password.isEmpty()) {
      password = firstLine(stdin);
    }
    String problem = PasswordRules.problem(password, name.username());
    if (problem != null) {
      out.println("chorus: " + problem);
      return 1;
    }
    Vertx vertx = Vertx.vertx();
    ChorusConfig.Db db = config.db();
    Pool pg = PgBuilder.pool().connectingTo(new PgConnectOptions().setHost(db.host()).setPort(db.port()).setUser(db.user())
        .setPassword(db.password()).setDatabase(db.database()).setSslMode(SslMode.of(db.sslMode()))).using(vertx).build();
    AccountsConfig a = AccountsConfig.of(config);
    PasswordHasher hasher = new PasswordHasher(null, a.argon2MemoryKib(), a.argon2Iterations(), a.argon2Parallelism());
    UserEvents events = new UserEvents(vertx, config.kafka().bootstrapServers(), a.userEventsTopic());
    UserRepo users = new UserRepo(pg);
    String hash = hasher.hashNow(password);
    List<String> roles = admin ? List.of("user", "admin") : List.of("user");
    try {
      Future<String> done = users.insert(name.username(), name.username(), hash, roles)
          .compose(u -> events.send(UserEvents.CREATED, u).otherwiseEmpty().map("created user " + u.username() + " (" + u.id() + ") roles " + roles))
          .recover(e -> {
            if (admin && e instanceof ChorusException ce && ce.code() == ErrorCode.ALREADY_EXISTS) {
              return users.byUsername(name.username()).compose(u -> {
                if (u.roles().contains("admin")) {
                  return Future.succeededFuture("user " + u.username() + " is already an admin");
                }
                List<String> more = new ArrayList<>(u.roles());
                more.add("admin");
                return users.setRoles(u.id(), more).compose(x -> events.send(UserEvents.UPDATED, x).otherwiseEmpty()
                    .map("made existing user " + x.username() + " an admin"));
              });
            }
            return Future.failedFuture(e);
          });
      out.println(done.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS));
      return 0;
    } catch (java.util.concurrent.ExecutionException e) {
      out.println("chorus: " + (e.getCause() instanceof ChorusException ce ? ce.getMessage() : "failed: " + e.getCause()));
      return 1;
    } catch (Exception e) {
      out.println("chorus: failed: " + e);
      return 1;
    } finally {
      // the producer and the pool first, Vert.x after them: closed under it, the producer's close ran on a closed
      // executor (ERROR "Interrupted while joining ioThread", RejectedExecutionException)
      try {
        Future.join(events.close(), pg.close()).eventually(vertx::close).toCompletionStage().toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        out.println("chorus: warning: clients did not close cleanly: " + e);
      }
    }
  }

  private static String firstLine(InputStream in) {
    if (System.console() != null && in == System.in) {
      char[] pw = System.console().readPassword("Password for the new user: ");
      return pw == null ? "" : new String(pw);
    }
    try {
      String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
      return line == null ? "" : line;
    } catch (IOException e) {
      return "";
    }
  }
}
