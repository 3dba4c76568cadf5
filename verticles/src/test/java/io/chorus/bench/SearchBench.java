package io.chorus.bench;

import io.chorus.config.ChorusConfig;
import io.chorus.search.KeyboardLayout;
import io.chorus.search.SearchBenchAccess;
import io.chorus.search.Translit;
import io.chorus.testing.TestServices;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Search quality and latency (issue 19): a generated catalog of {@code bench.docs} tracks with Russian and
 * English titles and artists, a judged query set (exact, typo, transliterated, wrong layout, partial,
 * artist + title; the generated target is the one relevant answer), recall@5 and MRR for the embedded
 * Lucene index and for a PostgreSQL pg_trgm baseline on the same data; query latency p50/p99. Prints
 * Markdown rows.
 */
public final class SearchBench {
  static final String[] RU = ("любовь ночь город звезда солнце кровь группа песня ветер зима весна лето осень море небо дорога "
      + "сердце огонь дождь снег река поезд окно дом мечта тень свет луна птица время память война мир берег остров город "
      + "последний белый чёрный красный синий золотой тихий вечный ночной утренний одинокий далёкий новый старый первый "
      + "танец вальс блюз романс баллада крылья ангел герой звонок пластинка кукушка туман рассвет закат гроза").split(" ");
  static final String[] EN = ("love night city star sun blood group song wind winter spring summer autumn sea sky road heart fire "
      + "rain snow river train window home dream shadow light moon bird time memory war peace shore island last white black "
      + "red blue golden silent eternal lonely distant new old first dance waltz blues ballad wings angel hero call record "
      + "cuckoo fog dawn sunset storm midnight highway electric crystal paradise thunder").split(" ");
  static final String[] ARTISTS = ("Кино|Ария|Сплин|Земфира|Чайф|Алиса|Аквариум|ДДТ|Браво|Пикник|Мумий Тролль|Наутилус Помпилиус|"
      + "Ляпис Трубецкой|Звери|Танцы Минус|Queen|Nirvana|Radiohead|Coldplay|Metallica|Muse|Oasis|Blur|Pink Floyd|The Cure|"
      + "Depeche Mode|Joy Division|Arctic Monkeys|Gorillaz|Portishead|Massive Attack|Nautilus Pompilius|Gruppa Krovi|"
      + "Mashina Vremeni|Agata Kristi|Bi-2|Nochnye Snaipery|Leningrad|Splean|Kukryniksy").split("\\|");

  record Track(int id, String title, String artist) {
  }

  record Judged(String kind, String q, int target) {
  }

  public static void main(String[] args) throws Exception {
    int docs = Integer.getInteger("bench.docs", 100_000);
    int queries = Integer.getInteger("bench.queries", 180);
    Random rnd = new Random(19);
    List<Track> catalog = new ArrayList<>(docs);
    for (int i = 0; i < docs; i++) {
      String[] words = rnd.nextBoolean() ? RU : EN;
      int n = 2 + rnd.nextInt(3);
      StringBuilder t = new StringBuilder();
      for (int k = 0; k < n; k++) {
        String w = words[rnd.nextInt(words.length)];
        t.append(k == 0 ? Character.toUpperCase(w.charAt(0)) + w.substring(1) : w).append(k + 1 < n ? " " : "");
      }
      catalog.add(new Track(i, t.toString(), ARTISTS[rnd.nextInt(ARTISTS.length)]));
    }
    List<Judged> judged = judged(catalog, queries, rnd);

    // bench.dir: keep the index for the next run (query-side tuning without the build); its build time is then 0
    String keep = System.getProperty("bench.dir", "");
    Path dir = keep.isEmpty() ? Files.createTempDirectory("search-bench") : Path.of(keep);
    // bench.searchUrl: the OpenSearch engine instead ("embedded": the devservices node, with the k-NN plugin)
    String searchUrl = System.getProperty("bench.searchUrl", "");
    SearchBenchAccess lucene = searchUrl.isEmpty() ? new SearchBenchAccess(dir)
        : SearchBenchAccess.openSearch(searchUrl.equals("embedded") ? TestServices.services().startOpenSearch().url() : searchUrl);
    String engine = lucene.engine();
    long t0 = System.nanoTime();
    if (lucene.fresh()) {
      for (Track t : catalog) {
        lucene.add(String.valueOf(t.id), t.title, t.artist);
      }
    }
    lucene.commit();
    double buildSeconds = (System.nanoTime() - t0) / 1e9;
    long indexBytes = searchUrl.isEmpty() ? size(dir) : lucene.storeBytes();

    ChorusConfig.Db db = ChorusConfig.parse(TestServices.nodeJson(Map.of())).db();
    try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password())) {
      long p0 = System.nanoTime();
      try (Statement s = c.createStatement()) {
        s.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm");
        s.execute("DROP TABLE IF EXISTS bench_search");
        s.execute("CREATE TABLE bench_search (id INT PRIMARY KEY, doc TEXT NOT NULL)");
      }
      c.setAutoCommit(false);
      try (PreparedStatement ins = c.prepareStatement("INSERT INTO bench_search VALUES (?, ?)")) {
        for (Track t : catalog) {
          ins.setInt(1, t.id);
          ins.setString(2, (t.artist + " " + t.title).toLowerCase());
          ins.addBatch();
          if (t.id % 5000 == 4999) {
            ins.executeBatch();
          }
        }
        ins.executeBatch();
      }
      c.commit();
      c.setAutoCommit(true);
      try (Statement s = c.createStatement()) {
        s.execute("CREATE INDEX bench_search_trgm ON bench_search USING gin (doc gin_trgm_ops)");
        s.execute("ANALYZE bench_search");
      }
      double pgBuild = (System.nanoTime() - p0) / 1e9;

      Stats ls = new Stats();
      Stats ps = new Stats();
      Map<String, Stats> byKind = new java.util.TreeMap<>();
      Map<String, Stats> pgByKind = new java.util.TreeMap<>();
      // warm-up: the JIT, not the measurement
      for (Judged j : judged.subList(0, Math.min(30, judged.size()))) {
        lucene.search(j.q, 5);
      }
      try (PreparedStatement q = c.prepareStatement("SELECT id FROM bench_search WHERE doc % ? ORDER BY similarity(doc, ?) DESC LIMIT 5")) {
        for (Judged j : judged) {
          long s = System.nanoTime();
          List<String> hits = lucene.search(j.q, 5);
          ls.add(System.nanoTime() - s, rank(hits, j, catalog));
          if (MISSES && rank(hits, j, catalog) != 1) {
            Track t = catalog.get(j.target);
            List<String> got = new ArrayList<>();
            hits.stream().limit(3).forEach(h -> got.add(catalog.get(Integer.parseInt(h)).title));
            System.out.printf("| miss | %s | %s | rank %d | want %s — %s | got %s |%n", j.kind, j.q, rank(hits, j, catalog), t.artist, t.title, got);
          }
          byKind.computeIfAbsent(j.kind, k -> new Stats()).add(0, rank(hits, j, catalog));
          s = System.nanoTime();
          q.setString(1, j.q.toLowerCase());
          q.setString(2, j.q.toLowerCase());
          List<String> pg = new ArrayList<>();
          try (ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
              pg.add(String.valueOf(rs.getInt(1)));
            }
          }
          ps.add(System.nanoTime() - s, rank(pg, j, catalog));
          pgByKind.computeIfAbsent(j.kind, k -> new Stats()).add(0, rank(pg, j, catalog));
        }
      }
      Stats sug = new Stats();
      for (Judged j : judged) {
        String prefix = j.q.length() > 6 ? j.q.substring(0, 6) : j.q;
        long s = System.nanoTime();
        lucene.suggest(prefix);
        sug.add(System.nanoTime() - s, 0);
      }
      double qps = throughput(lucene, judged);
      System.out.printf("| engine | docs | build | recall@5 | MRR | p50 ms | p99 ms |%n|---|---|---|---|---|---|---|%n");
      System.out.printf("| %s (this index) | %d | %.1f s (%.0f docs/s, %.0f MB) | %.3f | %.3f | %.1f | %.1f |%n", engine, docs, buildSeconds,
          docs / buildSeconds, indexBytes / 1e6, ls.recall(), ls.mrr(), ls.p(50), ls.p(99));
      System.out.printf("| PostgreSQL pg_trgm | %d | %.1f s | %.3f | %.3f | %.1f | %.1f |%n", docs, pgBuild, ps.recall(), ps.mrr(), ps.p(50), ps.p(99));
      System.out.printf("| %s suggest (6-char prefix) | %d | | | | %.1f | %.1f |%n", engine, docs, sug.p(50), sug.p(99));
      StringBuilder kinds = new StringBuilder("| recall@5 by kind (" + engine + " / pg_trgm) |");
      byKind.forEach((k, st) -> kinds.append(String.format(" %s %.2f / %.2f;", k, st.recall(), pgByKind.get(k).recall())));
      System.out.println(kinds + " |");
      System.out.printf("| %s search throughput (%d threads, %d cores) | %.0f queries/s |%n", engine, THREADS,
          Runtime.getRuntime().availableProcessors(), qps);
    }
    lucene.close();
  }

  static final boolean MISSES = Boolean.getBoolean("bench.misses");
  static final int THREADS = Integer.getInteger("bench.threads", Runtime.getRuntime().availableProcessors());

  /** Bytes of the index on disk after the build's commit. */
  static long size(Path dir) throws java.io.IOException {
    try (var files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  /** Searches per second with {@link #THREADS} threads running the judged queries round-robin for 10 s. */
  static double throughput(SearchBenchAccess lucene, List<Judged> judged) throws InterruptedException {
    long end = System.nanoTime() + 10_000_000_000L;
    java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
    List<Thread> threads = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < THREADS; t++) {
      int first = t;
      Thread thread = new Thread(() -> {
        for (int i = first; System.nanoTime() < end; i++) {
          lucene.search(judged.get(i % judged.size()).q, 20);
          done.incrementAndGet();
        }
      });
      thread.start();
      threads.add(thread);
    }
    for (Thread t : threads) {
      t.join();
    }
    return done.get() / ((System.nanoTime() - start) / 1e9);
  }

  /**
   * The first place of a relevant hit: the target or any track with the same title (generated titles
   * repeat; nothing in the query can tell them apart), with the same artist too when the query names it.
   */
  static int rank(List<String> hits, Judged j, List<Track> catalog) {
    Track target = catalog.get(j.target);
    for (int i = 0; i < hits.size(); i++) {
      Track t = catalog.get(Integer.parseInt(hits.get(i)));
      if (t.title.equalsIgnoreCase(target.title) && (!j.kind.equals("artist+title") || t.artist.equals(target.artist))) {
        return i + 1;
      }
    }
    return 0;
  }

  static List<Judged> judged(List<Track> catalog, int n, Random rnd) {
    String[] kinds = {"exact", "typo", "translit", "layout", "partial", "artist+title"};
    List<Judged> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Track t = catalog.get(rnd.nextInt(catalog.size()));
      String kind = kinds[i % kinds.length];
      String q = switch (kind) {
        case "exact" -> t.title;
        case "typo" -> typo(t.title, rnd);
        case "translit" -> Translit.hasCyrillic(t.title) ? Translit.toLatin(t.title) : Translit.toCyrillic(t.title);
        case "layout" -> KeyboardLayout.swap(t.title.toLowerCase());
        case "partial" -> partial(t.title);
        default -> t.artist + " " + t.title;
      };
      out.add(new Judged(kind, q, t.id));
    }
    return out;
  }

  /** One edit (swap, drop or double a letter) in the longest word. */
  static String typo(String title, Random rnd) {
    String[] words = title.split(" ");
    int w = 0;
    for (int i = 1; i < words.length; i++) {
      if (words[i].length() > words[w].length()) {
        w = i;
      }
    }
    String word = words[w];
    if (word.length() >= 4) {
      int p = 1 + rnd.nextInt(word.length() - 2);
      word = switch (rnd.nextInt(3)) {
        case 0 -> word.substring(0, p) + word.charAt(p + 1) + word.charAt(p) + word.substring(p + 2);
        case 1 -> word.substring(0, p) + word.substring(p + 1);
        default -> word.substring(0, p) + word.charAt(p) + word.substring(p);
      };
    }
    words[w] = word;
    return String.join(" ", words);
  }

  /** All words but the last, and the last one's first 3 letters (as typed so far). */
  static String partial(String title) {
    String[] words = title.split(" ");
    String last = words[words.length - 1];
    words[words.length - 1] = last.substring(0, Math.min(3, last.length()));
    return String.join(" ", Arrays.asList(words));
  }

  static final class Stats {
    final List<Long> nanos = new ArrayList<>();
    int found;
    double rr;
    int n;

    void add(long ns, int rank) {
      nanos.add(ns);
      n++;
      if (rank > 0) {
        found++;
        rr += 1.0 / rank;
      }
    }

    double recall() {
      return n == 0 ? 0 : (double) found / n;
    }

    double mrr() {
      return n == 0 ? 0 : rr / n;
    }

    double p(int pct) {
      List<Long> s = new ArrayList<>(nanos);
      s.sort(null);
      return s.isEmpty() ? 0 : s.get(Math.min(s.size() - 1, (int) Math.ceil(pct / 100.0 * s.size()) - 1)) / 1e6;
    }
  }
}
