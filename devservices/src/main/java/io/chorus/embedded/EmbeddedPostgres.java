package io.chorus.embedded;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A real PostgreSQL 16 server from the zonky binaries artifact, with its cluster under
 * {@code <data>/postgres}. PostgreSQL refuses to run as root; when this JVM is root (CI, containers)
 * the server runs as {@code nobody} through {@code setpriv}.
 */
public final class EmbeddedPostgres implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgres.class);
  private static final String ARCHIVE = "postgres-linux-x86_64.txz";
  private static final String VERSION_TAG = "16.9";

  private final Path dataDir;
  private final int port;
  private final String user;
  private final String database;
  private final boolean asNobody;
  private Path pgData;
  private Path bin;
  private ChildProcess process;

  EmbeddedPostgres(Path dataDir, int port, String user, String database) {
    this.dataDir = dataDir;
    this.port = port;
    this.user = user;
    this.database = database;
    this.asNobody = "root".equals(System.getProperty("user.name"));
  }

  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    Path root = serverRoot();
    Path home = extract(root.resolve("bin/postgres-" + VERSION_TAG));
    bin = home.resolve("bin");
    pgData = root.resolve("postgres");
    Path log = dataDir.resolve("logs/postgres.log");
    try {
      if (!Files.exists(pgData.resolve("PG_VERSION"))) {
        Files.createDirectories(pgData);
        if (asNobody) {
          ownByNobody(pgData);
        }
        ChildProcess.run("initdb", asUser(List.of(bin.resolve("initdb").toString(), "-D", pgData.toString(),
            "-U", user, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")), dataDir, log, 120);
        LOG.info("Initialised PostgreSQL cluster in {}", pgData);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    process = ChildProcess.start("postgres", asUser(List.of(bin.resolve("postgres").toString(),
            "-D", pgData.toString(), "-p", Integer.toString(port), "-h", "127.0.0.1",
            // TCP only: a Unix socket path under a deep checkout can pass the kernel's 107-byte limit,
            // and every client here (JDBC, Vert.x pg client) connects over TCP anyway
            "-k", "", "-c", "max_connections=300", "-c", "fsync=on")),
        dataDir, log, dataDir.resolve("postgres.pid"));
    process.awaitPort(port, Duration.ofSeconds(60));
    createDatabase();
  }

  /** Creates the application database over JDBC (the bundle has no psql), retrying while PostgreSQL starts up. */
  private void createDatabase() {
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, user, "");
           java.sql.PreparedStatement check = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
        check.setString(1, database);
        boolean exists;
        try (java.sql.ResultSet rs = check.executeQuery()) {
          exists = rs.next();
        }
        if (!exists) {
          try (java.sql.Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE \"" + database.replace("\"", "\"\"") + "\"");
          }
          LOG.info("Created database {}", database);
        }
        return;
      } catch (java.sql.SQLException e) {
        // "the database system is starting up" until recovery ends
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("PostgreSQL on port " + port + " did not accept logins: " + e.getMessage(), e);
        }
        sleep(100);
      }
    }
  }

  public synchronized void stop() {
    if (process == null) {
      return;
    }
    // pg_ctl "fast" mode: roll back open transactions and disconnect clients, then checkpoint
    try {
      if (!Files.exists(pgData.resolve("postmaster.pid"))) {
        process.stop(10);
        process = null;
        return;
      }
      ChildProcess.run("pg_ctl stop", asUser(List.of(bin.resolve("pg_ctl").toString(), "stop", "-D", pgData.toString(),
          "-m", "fast", "-w", "-t", "30")), dataDir, dataDir.resolve("logs/postgres.log"), 40);
    } catch (IllegalStateException e) {
      LOG.warn("pg_ctl stop failed ({}), terminating postgres", e.getMessage());
    }
    process.stop(10);
    process = null;
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {
    stop();
  }

  /**
   * Where the binaries and the cluster live: the data directory, unless the server must run as
   * {@code nobody} and cannot reach it (a parent directory closed to others, e.g. a 0700 checkout):
   * then a directory of its own under /var/tmp, named after the data directory so restarts find it.
   */
  private Path serverRoot() {
    if (!asNobody) {
      return dataDir;
    }
    try {
      Process p = new ProcessBuilder(asUser(List.of("test", "-x", dataDir.toString(), "-a", "-r", dataDir.toString())))
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (p.waitFor() == 0) {
        return dataDir;
      }
      String hash = Integer.toHexString(dataDir.toAbsolutePath().toString().hashCode());
      Path root = Path.of("/var/tmp", "chorus-postgres-" + hash);
      Files.createDirectories(root);
      Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
      LOG.warn("PostgreSQL runs as nobody, which cannot reach {}; its files are in {} instead", dataDir, root);
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  private List<String> asUser(List<String> command) {
    if (!asNobody) {
      return command;
    }
    List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"));
    wrapped.addAll(command);
    return wrapped;
  }

  private static void ownByNobody(Path dir) {
    ChildProcess.run("chown", List.of("chown", "-R", "nobody:nogroup", dir.toString()), dir, dir.resolveSibling("chown.log"), 30);
  }

  private static Path extract(Path home) {
    if (Files.exists(home.resolve("bin/postgres"))) {
      return home;
    }
    Path tmp = home.resolveSibling(home.getFileName() + ".tmp");
    try (InputStream raw = EmbeddedPostgres.class.getClassLoader().getResourceAsStream(ARCHIVE)) {
      if (raw == null) {
        throw new IllegalStateException("the PostgreSQL binaries " + ARCHIVE + " are not on the classpath");
      }
      deleteTree(tmp);
      Files.createDirectories(tmp);
      try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(new BufferedInputStream(raw)))) {
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
          Path target = tmp.resolve(entry.getName()).normalize();
          if (!target.startsWith(tmp)) {
            throw new IllegalStateException("archive entry escapes the target: " + entry.getName());
          }
          if (entry.isDirectory()) {
            Files.createDirectories(target);
          } else if (entry.isSymbolicLink()) {
            Files.createDirectories(target.getParent());
            Files.deleteIfExists(target);
            Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
          } else {
            Files.createDirectories(target.getParent());
            Files.copy(tar, target, StandardCopyOption.REPLACE_EXISTING);
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(target);
            perms.add(PosixFilePermission.OTHERS_READ);
            perms.add(PosixFilePermission.GROUP_READ);
            if ((entry.getMode() & 0100) != 0) {
              perms.add(PosixFilePermission.OWNER_EXECUTE);
              perms.add(PosixFilePermission.GROUP_EXECUTE);
              perms.add(PosixFilePermission.OTHERS_EXECUTE);
            }
            Files.setPosixFilePermissions(target, perms);
          }
        }
      }
      Files.move(tmp, home, StandardCopyOption.ATOMIC_MOVE);
      return home;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract PostgreSQL: " + e.getMessage(), e);
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var walk = Files.walk(p)) {
      for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
