package io.chorus.audio;

import io.chorus.library.SoundAlike;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Similar songs on one node: the vectors ({@code track_features}, the durable copy, and the in-memory
 * {@link FeatureIndex} loaded from it), the fingerprint duplicates ({@code track_duplicates} and
 * {@link Duplicates}), and the {@link SimilarTracks} answers. Approval is checked at query time by one
 * primary-key lookup of the candidates ({@code tracks.moderation}, {@code status}), so an approval, a
 * rejection or a takedown counts at once on every node without a cache to invalidate; when too few
 * candidates pass, the search widens (×4) and looks again.
 */
public final class Similarity implements SimilarTracks {
  private static final Logger LOG = LoggerFactory.getLogger(Similarity.class);
  private static final int LOAD_BATCH = 1000;
  /** A track is the same recording as another when this share of the longer one's landmarks line up. */
  static final double DUPLICATE_OVERLAP = 0.5;

  private final Vertx vertx;
  private final Pool pg;
  private final SoundEmbedder embedder;
  private final FeatureIndex index;
  private final Duplicates duplicates = new Duplicates();

  Similarity(Vertx vertx, Pool pg, SoundEmbedder embedder) {
    this.vertx = vertx;
    this.pg = pg;
    this.embedder = embedder;
    this.index = embedder.newIndex();
  }

  SoundEmbedder embedder() {
    return embedder;
  }

  FeatureIndex index() {
    return index;
  }

  Duplicates duplicates() {
    return duplicates;
  }

  /** Computes a track's vector (worker thread), upserts its row and puts it in the index. */
  Future<Void> index(UUID trackId, float[] pcm) {
    return embedder.compute(pcm)
        .compose(v -> {
          Float[] boxed = new Float[v.length];
          for (int i = 0; i < v.length; i++) {
            boxed[i] = v[i];
          }
          return pg.preparedQuery("INSERT INTO track_features (track_id, embedder, version, vector) VALUES ($1, $2, $3, $4)"
                  + " ON CONFLICT (track_id, embedder) DO UPDATE SET version = EXCLUDED.version, vector = EXCLUDED.vector, updated_at = NOW()")
              .execute(Tuple.of(trackId, embedder.id(), embedder.version(), boxed))
              .map(rows -> {
                index.put(trackId, v);
                return null;
              });
        });
  }

  /** Links a processed track to the tracks its fingerprint lines up with (stored, then in memory). */
  Future<Void> linkDuplicates(UUID trackId, List<FingerprintIndex.Overlap> overlaps) {
    Future<Void> chain = Future.succeededFuture();
    for (FingerprintIndex.Overlap o : overlaps) {
      chain = chain.compose(v -> pg.preparedQuery("INSERT INTO track_duplicates (track_id, duplicate_of, overlap) VALUES ($1, $2, $3)"
              + " ON CONFLICT DO NOTHING")
          .execute(Tuple.of(trackId, o.trackId(), (float) o.fraction()))
          .map(rows -> {
            duplicates.link(trackId, o.trackId());
            LOG.info("Track {} is the same recording as {} ({} of the landmarks line up)", trackId, o.trackId(),
                String.format("%.0f %%", 100 * o.fraction()));
            return null;
          }));
    }
    return chain;
  }

  /** Loads the stored vectors of this node's embedder (and its version) and the duplicate links, in keyset-paged batches. */
  Future<Integer> load() {
    return loadVectors(new UUID(Long.MIN_VALUE, Long.MIN_VALUE), 0, true)
        .compose(n -> pg.query("SELECT track_id, duplicate_of FROM track_duplicates").execute().map(rows -> {
          rows.forEach(r -> duplicates.link(r.getUUID(0), r.getUUID(1)));
          LOG.info("Similarity index loaded: {} tracks, {} duplicate links", n, rows.size());
          return n;
        }));
  }

  private Future<Integer> loadVectors(UUID after, int loaded, boolean first) {
    String sql = "SELECT track_id, vector FROM track_features WHERE embedder = $1 AND version = $2" + (first ? "" : " AND track_id > $3")
        + " ORDER BY track_id LIMIT " + LOAD_BATCH;
    Tuple args = first ? Tuple.of(embedder.id(), embedder.version()) : Tuple.of(embedder.id(), embedder.version(), after);
    return pg.preparedQuery(sql).execute(args).compose(rows -> {
      UUID last = null;
      int n = 0;
      for (Row r : rows) {
        last = r.getUUID(0);
        Float[] boxed = r.getArrayOfFloats(1);
        if (boxed.length != index.dims()) {
          continue;
        }
        float[] v = new float[boxed.length];
        for (int i = 0; i < v.length; i++) {
          v[i] = boxed[i];
        }
        index.put(last, v);
        n++;
      }
      int total = loaded + n;
      return rows.size() < LOAD_BATCH || last == null ? Future.succeededFuture(total) : loadVectors(last, total, false);
    });
  }

  @Override
  public Future<List<Neighbour>> nearest(UUID trackId, int limit) {
    float[] v = index.vector(trackId);
    if (v == null || limit <= 0) {
      return Future.succeededFuture(List.of());
    }
    return search(v, limit, List.of(trackId));
  }

  @Override
  public Future<List<Neighbour>> nearestTo(Collection<UUID> seeds, int limit, Collection<UUID> exclude) {
    float[] centre = new float[index.dims()];
    int n = 0;
    for (UUID s : seeds) {
      float[] v = index.vector(s);
      if (v != null) {
        for (int i = 0; i < centre.length; i++) {
          centre[i] += v[i];
        }
        n++;
      }
    }
    if (n == 0 || limit <= 0) {
      return Future.succeededFuture(List.of());
    }
    for (int i = 0; i < centre.length; i++) {
      centre[i] /= n;
    }
    List<UUID> out = new ArrayList<>(seeds);
    out.addAll(exclude);
    return search(centre, limit, out);
  }

  /**
   * The tracks nearest to {@code steps} evenly spaced points from {@code start}'s vector to {@code end}'s, one
   * each, no track twice, none a copy of either end; each scored against {@code start}.
   */
  Future<List<Neighbour>> path(UUID start, UUID end, int steps) {
    float[] a = index.vector(start);
    float[] b = index.vector(end);
    if (a == null || b == null || steps <= 0) {
      return Future.succeededFuture(List.of());
    }
    List<Neighbour> out = new ArrayList<>();
    List<UUID> used = new ArrayList<>(List.of(start, end));
    Future<Void> chain = Future.succeededFuture();
    for (int s = 1; s <= steps; s++) {
      double t = (double) s / (steps + 1);
      float[] point = new float[a.length];
      for (int i = 0; i < a.length; i++) {
        point[i] = (float) (a[i] + t * (b[i] - a[i]));
      }
      chain = chain.compose(v -> search(point, 1, used).map(found -> {
        for (Neighbour n : found) {
          used.add(n.trackId());
          float[] nv = index.vector(n.trackId());
          out.add(new Neighbour(n.trackId(), nv == null ? n.score() : index.similarity(index.distance(a, nv))));
        }
        return null;
      }));
    }
    return chain.map(v -> out);
  }

  /** The nearest approved tracks, one per duplicate group, none of {@code excluded} nor of their groups. */
  private Future<List<Neighbour>> search(float[] query, int limit, Collection<UUID> excluded) {
    Set<Integer> skip = new HashSet<>();
    for (UUID e : excluded) {
      for (UUID member : duplicates.groupOf(e)) {
        int o = index.ordinal(member);
        if (o >= 0) {
          skip.add(o);
        }
      }
    }
    return widen(query, limit, skip, Math.min(index.size(), limit * 2 + 8));
  }

  private Future<List<Neighbour>> widen(float[] query, int limit, Set<Integer> skip, int k) {
    return vertx.executeBlocking(() -> index.nearest(query, k, skip::contains), false)
        .compose(hits -> approved(hits).map(ok -> {
          List<Neighbour> out = new ArrayList<>();
          Set<UUID> groups = new HashSet<>();
          for (FeatureIndex.Hit h : hits) {
            if (out.size() == limit) {
              break;
            }
            if (ok.contains(h.trackId()) && groups.add(duplicates.root(h.trackId()))) {
              out.add(new Neighbour(h.trackId(), index.similarity(h.distance())));
            }
          }
          return out;
        }).compose(out -> out.size() < limit && hits.size() == k && k < index.size()
            ? widen(query, limit, skip, Math.min(index.size(), k * 4)) : Future.succeededFuture(out)));
  }

  private Future<Set<UUID>> approved(List<FeatureIndex.Hit> hits) {
    if (hits.isEmpty()) {
      return Future.succeededFuture(Set.of());
    }
    UUID[] ids = hits.stream().map(FeatureIndex.Hit::trackId).toArray(UUID[]::new);
    return pg.preparedQuery("SELECT id FROM tracks WHERE id = ANY($1) AND moderation = 'approved' AND status = 'ready'")
        .execute(Tuple.of(ids))
        .map(rows -> {
          Set<UUID> ok = new HashSet<>();
          rows.forEach(r -> ok.add(r.getUUID(0)));
          return ok;
        });
  }

  /** The library's view of this index (the library must not import the audio feature). */
  SoundAlike forLibrary() {
    return new SoundAlike() {
      @Override
      public Future<List<Match>> similar(UUID trackId, int limit) {
        return nearest(trackId, limit).map(Similarity::matches);
      }

      @Override
      public Future<List<Match>> similarTo(Collection<UUID> seeds, int limit) {
        return nearestTo(seeds, limit, List.of()).map(Similarity::matches);
      }

      @Override
      public Future<List<Match>> path(UUID start, UUID end, int steps) {
        return Similarity.this.path(start, end, steps).map(Similarity::matches);
      }

      @Override
      public double similarity(UUID a, UUID b) {
        float[] va = index.vector(a);
        float[] vb = index.vector(b);
        return va == null || vb == null ? -1 : index.similarity(index.distance(va, vb));
      }

      @Override
      public List<UUID> sameRecording(UUID trackId) {
        List<UUID> out = new ArrayList<>(duplicates.groupOf(trackId));
        out.remove(trackId);
        return out;
      }
    };
  }

  private static List<SoundAlike.Match> matches(List<Neighbour> list) {
    return list.stream().map(n -> new SoundAlike.Match(n.trackId(), n.score())).toList();
  }
}
