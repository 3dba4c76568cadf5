package io.chorus.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.chorus.config.ConfigException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.internal.VertxInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * An ONNX model file an operator configured (named by a setting such as {@code SEARCH_EMBEDDING_MODEL}), for the
 * features that use one instead of a handcrafted vector. {@link #open} loads it once per node on a worker thread
 * and hands it to the feature's {@link Fit}, which checks its inputs and outputs and throws {@link #unfit} when
 * they do not fit, so the node stops at start with a message naming the setting, what was expected and what the
 * model has, rather than failing at the first track. Inference runs on the model's own bounded worker pool
 * ({@link #submit}, or {@link #await} from a worker thread), one onnxruntime thread per run, so the pool size is
 * the model's share of the cores. The session closes with the node's Vert.x, after the runs in flight.
 */
public final class OnnxModel implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(OnnxModel.class);

  private final String setting;
  private final Path file;
  private final String id;
  private final OrtEnvironment env;
  private final OrtSession session;
  /** Null for a model only {@link #check}ed: its runs are inline. */
  private final WorkerExecutor pool;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final java.util.List<AutoCloseable> companions = new java.util.concurrent.CopyOnWriteArrayList<>();
  private boolean closed;

  /** A feature's view of a loaded model: checks it and builds what it runs, or throws {@link #unfit}. */
  public interface Fit<T> {
    T apply(OnnxModel model) throws OrtException;
  }

  /** One inference: tensors made with {@code env}, run on {@code session}; called on the model's pool. */
  public interface Job<T> {
    T run(OrtEnvironment env, OrtSession session) throws OrtException;
  }

  private OnnxModel(String setting, Path file, String id, OrtEnvironment env, OrtSession session, WorkerExecutor pool) {
    this.setting = setting;
    this.file = file;
    this.id = id;
    this.env = env;
    this.session = session;
    this.pool = pool;
  }

  /**
   * Loads {@code file} (the value of {@code setting}) with {@code workers} inference threads and applies
   * {@code fit}; fails with a {@link ConfigException} naming the setting when the file is missing, is no model
   * onnxruntime can load, or does not fit. The model is closed with {@code vertx}.
   */
  public static <T> Future<T> open(Vertx vertx, String setting, Path file, int workers, Fit<T> fit) {
    return vertx.executeBlocking(() -> {
      OnnxModel model = load(vertx, setting, file, workers);
      try {
        T fitted = fit.apply(model);
        LOG.info("{}: ONNX model {} ({}) loaded, {}", setting, file, model.id, model.describe());
        return fitted;
      } catch (OrtException | RuntimeException e) {
        model.close();
        throw e instanceof ConfigException c ? c : model.unfit(e.getMessage());
      }
    }, false);
  }

  /**
   * Loads {@code file}, applies {@code fit} (its runs inline) and closes it: the check of the configuration,
   * before the node starts anything, so a model that does not fit exits at once naming the setting.
   */
  public static void check(String setting, Path file, Fit<?> fit) {
    OnnxModel model;
    try {
      model = load(null, setting, file, 0);
    } catch (IOException e) {
      throw new ConfigException(setting, file + " cannot be read: " + e.getMessage());
    }
    try {
      fit.apply(model);
    } catch (OrtException | RuntimeException e) {
      throw e instanceof ConfigException c ? c : model.unfit(e.getMessage());
    } finally {
      model.close();
    }
  }

  private static OnnxModel load(Vertx vertx, String setting, Path file, int workers) throws IOException {
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new ConfigException(setting, file + " is not a readable file");
    }
    byte[] bytes = Files.readAllBytes(file);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession session;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      options.setInterOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      session = env.createSession(bytes, options);
    } catch (OrtException e) {
      throw new ConfigException(setting, file + " is not an ONNX model onnxruntime can load: " + e.getMessage());
    }
    WorkerExecutor pool = vertx == null ? null : vertx.createSharedWorkerExecutor("chorus-onnx-" + setting, workers);
    OnnxModel model = new OnnxModel(setting, file, "onnx-" + digest(bytes), env, session, pool);
    if (vertx != null) {
      ((VertxInternal) vertx).addCloseHook(completion -> {
        model.close();
        completion.succeed();
      });
    }
    return model;
  }

  /** The first 16 hex digits of the SHA-256 of {@code bytes}: what tells two models apart. */
  public static String digest(byte[]... parts) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (byte[] p : parts) {
        sha.update(p);
      }
      return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code onnx-<digest of the file>}: stored beside what the model computed, so another model's output is never mixed in. */
  public String id() {
    return id;
  }

  public String setting() {
    return setting;
  }

  public Path file() {
    return file;
  }

  /** The tensor input {@code name}, or null when the model has no such input (or it is not a tensor). */
  public TensorInfo input(String name) {
    return tensor(inputs().get(name));
  }

  /** The tensor output {@code name}, or null. */
  public TensorInfo output(String name) {
    return tensor(outputs().get(name));
  }

  public Map<String, NodeInfo> inputs() {
    try {
      return session.getInputInfo();
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }

  public Map<String, NodeInfo> outputs() {
    try {
      return session.getOutputInfo();
    } catch (OrtException e) {
      throw new IllegalStateException(e);
    }
  }

  private static TensorInfo tensor(NodeInfo info) {
    return info != null && info.getInfo() instanceof TensorInfo t ? t : null;
  }

  /** The exception a {@link Fit} throws: names the setting and the file, says what was expected and what the model has. */
  public ConfigException unfit(String expected) {
    return new ConfigException(setting, file + " does not fit: " + expected + " (the model has " + describe() + ")");
  }

  /** "inputs a: FLOAT[-1, 16000]; outputs b: FLOAT[-1, 128]" (-1: any size). */
  public String describe() {
    return "inputs " + list(inputs()) + "; outputs " + list(outputs());
  }

  private static String list(Map<String, NodeInfo> infos) {
    StringJoiner out = new StringJoiner(", ");
    infos.forEach((name, info) -> {
      TensorInfo t = tensor(info);
      out.add(name + ": " + (t == null ? info.getInfo().toString() : t.type + Arrays.toString(t.getShape())));
    });
    return out.length() == 0 ? "none" : out.toString();
  }

  /** Closes {@code c} (e.g. the model's tokenizer) with the model. */
  public void closeWith(AutoCloseable c) {
    companions.add(c);
  }

  /** Runs {@code job} on the model's pool. */
  public <T> Future<T> submit(Job<T> job) {
    if (pool == null) {
      try {
        return Future.succeededFuture(call(job));
      } catch (OrtException | RuntimeException e) {
        return Future.failedFuture(e);
      }
    }
    return pool.executeBlocking(() -> call(job), false);
  }

  /**
   * Runs {@code job} on the model's pool and waits for it: for code already on a worker thread (the search
   * index's writer and readers); never on an event loop.
   */
  public <T> T await(Job<T> job) {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("ONNX inference must not wait on an event loop");
    }
    try {
      return pool == null ? call(job) : submit(job).toCompletionStage().toCompletableFuture().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for the model", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (OrtException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  private <T> T call(Job<T> job) throws OrtException {
    // a run holds the read lock, so close() (the write lock) never frees the session under a run
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException(setting + " model is closed");
      }
      return job.run(env, session);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      session.close();
      for (AutoCloseable c : companions) {
        c.close();
      }
    } catch (Exception e) {
      LOG.warn("Closing the {} model failed: {}", setting, e.getMessage());
    } finally {
      lock.writeLock().unlock();
    }
  }
}
