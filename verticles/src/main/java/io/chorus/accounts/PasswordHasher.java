package io.chorus.accounts;

import com.password4j.Argon2Function;
import com.password4j.Password;
import com.password4j.types.Argon2;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;

/**
 * Argon2id hashing on a bounded worker pool (never on an event loop: one hash takes tens of
 * milliseconds and {@code ARGON2_MEMORY_KIB} of memory, so the pool size also bounds the memory).
 * Unknown users are checked against a dummy hash with the same parameters, so a login takes the same
 * time whether or not the name exists.
 */
public final class PasswordHasher {
  private static final int OUTPUT_BYTES = 32;

  private final WorkerExecutor pool;
  private final Argon2Function function;
  private volatile String dummyHash;

  public PasswordHasher(WorkerExecutor pool, int memoryKib, int iterations, int parallelism) {
    this.pool = pool;
    this.function = Argon2Function.getInstance(memoryKib, iterations, parallelism, OUTPUT_BYTES, Argon2.ID);
  }

  public Future<String> hash(String password) {
    return pool.executeBlocking(() -> hashNow(password), false);
  }

  /** Blocking: for the command line and start-up, not for handlers. */
  public String hashNow(String password) {
    return Password.hash(password).addRandomSalt(16).with(function).getResult();
  }

  /**
   * Checks {@code password} against {@code storedHash} (its own parameters), or against the dummy
   * hash when {@code storedHash} is null; the answer is then always false.
   */
  public Future<Boolean> verify(String password, String storedHash) {
    return pool.executeBlocking(() -> {
      if (storedHash == null) {
        Password.check(password, dummy()).with(Argon2Function.getInstanceFromHash(dummy()));
        return false;
      }
      try {
        return Password.check(password, storedHash).with(Argon2Function.getInstanceFromHash(storedHash));
      } catch (RuntimeException e) {
        return false;   // not an Argon2 hash we can read: never a match
      }
    }, false);
  }

  /** True when the stored hash was made with other parameters than the configured ones (rehash on login). */
  public boolean needsRehash(String storedHash) {
    try {
      Argon2Function f = Argon2Function.getInstanceFromHash(storedHash);
      return f.getMemory() != function.getMemory() || f.getIterations() != function.getIterations()
          || f.getParallelism() != function.getParallelism() || f.getVariant() != Argon2.ID;
    } catch (RuntimeException e) {
      return true;
    }
  }

  private String dummy() {
    String d = dummyHash;
    if (d == null) {
      d = hashNow("dummy password for unknown users " + System.nanoTime());
      dummyHash = d;
    }
    return d;
  }
}
